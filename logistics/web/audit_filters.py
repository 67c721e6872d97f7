"""Reads the audit trail's filters from the query string: the kind and name of a record, who, what kind of
change, and a time range typed in a site's own zone (UTC inside). The page, its CSV and its PDF read the
same ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from logistics.core.limits import MAX_SEARCH_CHARACTERS, business_time_problem
from logistics.services.audit import ACTIONS, AuditFilter
from logistics.services.errors import InputError
from logistics.web.forms import EARLIEST, LATEST

PARAMETERS = ("entity", "reference", "entity_id", "actor", "action", "site", "from", "to")
# The filters as a printed report names them (in English, as the records are kept).
DESCRIBED = {"entity": "Kind of record", "reference": "Record", "entity_id": "Record id", "actor": "Who",
             "action": "Change", "site": "Times read at", "from": "From", "to": "Up to"}


@dataclass(frozen=True)
class AuditQuery:
    """The filters as the service takes them, the zone the times are read and shown in, what was typed
    (to show the form again and carry it to the next page and the exports), and what was refused."""

    filters: AuditFilter
    zone: str
    chosen: dict[str, str]
    problems: dict[str, str]

    def described(self) -> list[tuple[str, str]]:
        """The filters chosen, as the printed report lists them; times as typed, with their zone."""
        timed = {"from", "to"}
        return [(DESCRIBED[name], f"{value} ({self.zone})" if name in timed else value)
                for name, value in self.chosen.items() if value]

    def check(self) -> None:
        """Refuse the query (InputError naming each field) when any filter was refused."""
        if self.problems:
            raise InputError(self.problems)


def read_audit_query(args: Mapping[str, str], *, kinds: list[str], zones: Mapping[str, str],
                     default_zone: str) -> AuditQuery:
    """The filters from `args`; each bad one is named in `problems` and left out of the filters."""
    chosen = {name: (args.get(name) or "").strip() for name in PARAMETERS}
    problems: dict[str, str] = {}
    for name, value in chosen.items():
        if len(value) > MAX_SEARCH_CHARACTERS:
            problems[name] = _("at most %(count)d characters", count=MAX_SEARCH_CHARACTERS)
    if chosen["entity"] and chosen["entity"] not in kinds:
        problems["entity"] = _("no record of this kind is in the trail")
    if chosen["action"] and chosen["action"] not in ACTIONS:
        problems["action"] = _("choose created, changed or removed")
    if chosen["site"] and chosen["site"] not in zones:
        problems["site"] = _("no site with code %(code)s", code=chosen["site"])
    zone = zones.get(chosen["site"], default_zone)
    since = _moment(chosen["from"], zone, "from", problems)
    until = _moment(chosen["to"], zone, "to", problems, end=True)
    if since and until and until <= since:
        problems["to"] = _("must be after the start")
    text = {name: value or None for name, value in chosen.items() if name not in problems}
    filters = AuditFilter(kind=text.get("entity"), reference=text.get("reference"),
                          entity_id=text.get("entity_id"), actor=text.get("actor"), action=text.get("action"),
                          since=since, until=until)
    return AuditQuery(filters, zone, chosen, problems)


def _moment(text: str, zone: str, name: str, problems: dict[str, str], *,
            end: bool = False) -> datetime | None:
    """A day (YYYY-MM-DD) or a minute (YYYY-MM-DDTHH:MM) in `zone`, as UTC; an end takes in the whole day
    or minute typed."""
    if not text or name in problems:
        return None
    try:
        typed = datetime.fromisoformat(text)
    except ValueError:
        problems[name] = _("enter a date and time, e.g. %(example)s", example="2026-12-01T09:30")
        return None
    moment = typed if typed.tzinfo else typed.replace(tzinfo=ZoneInfo(zone))
    if business_time_problem(moment):
        problems[name] = _("enter a time from %(earliest)s up to %(latest)s", earliest=EARLIEST,
                           latest=LATEST)
        return None
    if end:
        moment += timedelta(minutes=1) if "T" in text or " " in text else timedelta(days=1)
    return moment.astimezone(UTC)
