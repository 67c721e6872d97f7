"""Pages for the alerts raised (with their delivery log) and the audit trail (read only)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from logistics.services import alerts, audit
from logistics.services.errors import InputError
from logistics.web import db
from logistics.web.forms import page_number, read_day

blueprint = Blueprint("records", __name__)
SEVERITIES = ("critical", "major", "minor", "info")


@blueprint.route("/alerts")
def alert_list() -> Any:
    page, per_page = _page(), db.runtime().settings.page_size
    chosen = _chosen("kind", "severity", "undelivered")
    result = alerts.list_alerts(db.session(), kind=chosen["kind"] or None,
                                severity=chosen["severity"] or None, undelivered=bool(chosen["undelivered"]),
                                page=page, per_page=per_page)
    return render_template("alerts.html", result=result, chosen=chosen, page=page,
                           pages=max(math.ceil(result.total / per_page), 1),
                           kinds=alerts.alert_kinds(db.session()), severities=SEVERITIES)


@blueprint.route("/audit")
def audit_trail() -> Any:
    page, per_page = _page(), 100
    chosen = _chosen("entity", "entity_id", "actor", "from", "to")
    problems: dict[str, str] = {}
    since, until = _day("from", problems), _day("to", problems)
    result = audit.search(db.session(), entity=chosen["entity"] or None,
                          entity_id=chosen["entity_id"] or None, actor=chosen["actor"] or None, since=since,
                          until=until + timedelta(days=1) if until else None, page=page, per_page=per_page)
    return render_template("audit.html", result=result, chosen=chosen, problems=problems, page=page,
                           pages=max(math.ceil(result.total / per_page), 1),
                           entities=audit.entities(db.session()))


def _chosen(*names: str) -> dict[str, str]:
    return {name: request.args.get(name, "").strip() for name in names}


def _page() -> int:
    return page_number(request.args)


def _day(name: str, problems: dict[str, str]) -> datetime | None:
    """The start of the day given (UTC); a bad one is noted in `problems` so every field can be named."""
    try:
        day = read_day(request.args, name)
    except InputError as error:
        problems.update(error.errors)
        return None
    return datetime.combine(day, time(), UTC) if day else None
