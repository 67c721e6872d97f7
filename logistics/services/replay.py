"""Replay: a shipment's recorded readings judged again under another profile, version or range, and
compared with the excursion records it has. It only reads: nothing is recorded, kept or announced.

The same evaluation as the scan's (`window_evaluation`, without keeping its progress) and the pure
pairing of core/replay.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from logistics.core.excursion_review import ReviewStatus
from logistics.core.profiles import (
    ExcursionKind,
    ProfileError,
    StorageProfile,
    parse_profile,
    profile_body,
    with_limits,
)
from logistics.core.refusals import N_, Refusal
from logistics.core.replay import Judged, ReplayDiff, diff_excursions
from logistics.db.models import ExcursionRecord, Logger, LoggerAssignment, Shipment, Site
from logistics.services.errors import InputError, NotFound
from logistics.services.excursions import profiles_in, window_evaluation
from logistics.services.profiles import Profiles, profile_histories, profile_version
from logistics.services.shipments import get_shipment

# Found for every profile alike and recorded once, under whichever profile came first (services/excursions).
PROFILE_BLIND = frozenset({ExcursionKind.SHOCK, ExcursionKind.NO_DATA})


@dataclass(frozen=True)
class ReplayRequest:
    """What to judge by: a profile (`name@version`, or the current version; empty: the shipment's own,
    when it has one), and limits or a hold replacing the profile's, as `logistics analyze` takes them."""

    profile: str = ""
    min_c: float | None = None
    max_c: float | None = None
    max_hold_minutes: float | None = None

    @property
    def overridden(self) -> bool:
        return any(value is not None for value in (self.min_c, self.max_c, self.max_hold_minutes))


@dataclass(frozen=True)
class Replay:
    reference: str
    zone: str  # the destination's, for showing times
    profile: StorageProfile  # as judged now, overrides applied
    request: ReplayRequest
    compared_with: tuple[str, ...]  # "refrigerated v1": the judgements of the records compared
    diff: ReplayDiff


def replay(session: Session, reference: str, request: ReplayRequest, current: Profiles, *,
           now: datetime) -> Replay:
    """Judge the shipment's loggers again as `request` says and compare with its records; reads only."""
    shipment = get_shipment(session, reference)
    profile = chosen_profile(session, shipment, request, current)
    records = _recorded(session, shipment, profile)
    site = session.get(Site, shipment.destination_id)
    return Replay(reference=shipment.reference, zone=site.timezone if site else "UTC", profile=profile,
                  request=request,
                  compared_with=tuple(sorted({f"{record.profile} v{record.profile_version}"
                                              for record, _ in records})),
                  diff=diff_excursions([_judged_record(record, code) for record, code in records],
                                       _judged_again(session, shipment, profile, now)))


@dataclass(frozen=True)
class ReplayPage:
    reference: str
    own: tuple[str, ...]  # the profiles its goods are judged by
    choices: tuple[str, ...]  # every version of every profile, as "name@version", newest first
    result: Replay | None  # None until a profile is chosen


def replay_page(session: Session, reference: str, request: ReplayRequest | None, current: Profiles, *,
                now: datetime) -> ReplayPage:
    """The shipment page's replay: what may be chosen and, once `request` is given, what would differ."""
    shipment = get_shipment(session, reference)
    choices = tuple(f"{history.name}@{version.profile.version}"
                    for history in profile_histories(session, current) for version in history.versions)
    result = None if request is None else replay(session, reference, request, current, now=now)
    return ReplayPage(reference=shipment.reference, own=tuple(profiles_in(session, shipment)),
                      choices=choices, result=result)


def chosen_profile(session: Session, shipment: Shipment, request: ReplayRequest,
                   current: Profiles) -> StorageProfile:
    """The profile `request` names, with its overrides; InputError naming the field that cannot be used."""
    name, _, version_text = request.profile.strip().partition("@")
    if not name:
        own = profiles_in(session, shipment)
        if len(own) != 1:
            raise InputError({"profile": "name the profile to judge by: this shipment's goods are judged by "
                                         + (", ".join(own) if own else "none yet")})
        name = own[0]
    if name not in current:
        refusal = Refusal(N_("%(name)s is not a profile; choose from %(choices)s"), name=repr(name),
                          choices=", ".join(sorted(current)))
        raise InputError({"profile": refusal})
    profile = current[name] if not version_text else _version(session, current[name], version_text)
    return _overridden(profile, request)


def _version(session: Session, newest: StorageProfile, text: str) -> StorageProfile:
    if not text.isdigit():
        refusal = Refusal(N_("the version after @ is a whole number, not %(text)s"), text=repr(text[:20]))
        raise InputError({"profile": refusal})
    if int(text) == newest.version:
        return newest
    try:
        return profile_version(session, newest.name, int(text))
    except NotFound:
        refusal = Refusal(N_("%(name)s has no version %(version)s (the newest is %(newest)s)"),
                          name=newest.name, version=text, newest=newest.version)
        raise InputError({"profile": refusal}) from None


def _overridden(profile: StorageProfile, request: ReplayRequest) -> StorageProfile:
    """The overrides applied, and the result checked by the rules every profile is read by."""
    if not request.overridden:
        return profile
    for field in ("min_c", "max_c", "max_hold_minutes"):
        value = getattr(request, field)
        if value is not None and not math.isfinite(value):
            raise InputError({field: Refusal(N_("must be a finite number"))})
    changed = with_limits(profile, request.min_c, request.max_c)
    if request.max_hold_minutes is not None:
        changed = replace(changed, max_hold_minutes=request.max_hold_minutes)
    try:
        return parse_profile(changed.name, profile_body(changed))
    except ProfileError as error:
        raise InputError({error.field or "profile": str(error).split(": ", 1)[-1]}) from None


def _recorded(session: Session, shipment: Shipment,
              profile: StorageProfile) -> list[tuple[ExcursionRecord, str]]:
    """The records to compare with: those judged by the profile's name (and the shocks and gaps, kept
    once whichever profile found them), or, when it judged none of these goods, all of them."""
    rows = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment.id,
               ExcursionRecord.status != ReviewStatus.WITHDRAWN.value)
        .order_by(col(ExcursionRecord.start))).all()
    if profile.name not in profiles_in(session, shipment):
        return list(rows)
    return [(record, code) for record, code in rows
            if record.profile == profile.name or record.kind in PROFILE_BLIND]


def _judged_again(session: Session, shipment: Shipment, profile: StorageProfile,
                  now: datetime) -> list[Judged]:
    assignments = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id)).all()
    found = []
    for assignment, code in assignments:
        # Every reading counted as new: the whole window judged afresh (a resumed evaluation reports only
        # the excursions after where it resumed), and no progress kept.
        evaluation = window_evaluation(session, assignment, shipment, profile, now, assignment.starts_at,
                                       keep=False)
        found += [Judged(logger=code, rule=excursion.rule, kind=str(excursion.kind), mode=str(excursion.mode),
                         severity=str(excursion.severity), start=excursion.start, end=excursion.end,
                         duration_s=excursion.duration_s, peak=excursion.peak)
                  for excursion in evaluation.excursions]
    return found


def _judged_record(record: ExcursionRecord, code: str) -> Judged:
    return Judged(logger=code, rule=record.rule, kind=record.kind, mode=record.mode, severity=record.severity,
                  start=record.start, end=record.end, duration_s=record.duration_s, peak=record.peak)
