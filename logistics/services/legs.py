"""A shipment's route legs: add one, correct or delete one that has not started, record when one did.

Every change is checked against the rest of the route by the core (`core.legs`): a refusal names its field
(InputError); what only looks odd (a gap in the route) is not refused, and the shipment's page and API
answer say it (`shipments.route_notes`). The audit trail keeps each change with who made it and the reason
the caller's writing session carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.legs import RouteLeg, change_problem, check_leg
from logistics.core.limits import MAX_REASON_CHARACTERS
from logistics.core.refusals import N_, Refusal
from logistics.db.models import ExcursionAssessment, Leg, Shipment, Site
from logistics.schemas.shipments import LegCreate, LegTimes
from logistics.services.errors import InputError, NotFound
from logistics.services.shipments import get_shipment

MAX_REASON = MAX_REASON_CHARACTERS


@dataclass(frozen=True)
class LegCorrection:
    """A correction reviewed before it is confirmed: each field that changes, as (field, old, new) in the
    terms of `LegCreate` (sites by code), and what the route would then lack."""

    sequence: int
    changes: list[tuple[str, Any, Any]]
    warnings: list[Refusal]


def add_leg(session: Session, reference: str, draft: LegCreate) -> Leg:
    """Append a leg to the route (its number follows the last one) if it fits after the legs before it."""
    shipment = get_shipment(session, reference)
    last = session.exec(select(func.max(Leg.sequence)).where(Leg.shipment_id == shipment.id)).one()
    leg = Leg(shipment_id=shipment.id, sequence=(last or 0) + 1, **_planned(session, draft))
    _checked(session, shipment, leg)
    session.add(leg)
    session.flush()
    return leg


def may_correct(session: Session, reference: str, sequence: int) -> Leg:
    """The leg to correct, once it is known that it may be: InputError naming why not."""
    _, leg = _leg(session, reference, sequence)
    _may_change(session, leg, deleting=False)
    return leg


def review_correction(session: Session, reference: str, sequence: int, draft: LegCreate) -> LegCorrection:
    """What correcting a leg that has not started would change, checked against the route; nothing is
    written. InputError when it may not be corrected or the correction does not fit."""
    leg = may_correct(session, reference, sequence)
    codes = _site_codes(session)
    now = {"mode": leg.mode, "origin": codes[leg.from_site_id], "destination": codes[leg.to_site_id],
           "carrier": leg.carrier, "transport_ref": leg.transport_ref, "planned_start": leg.planned_start,
           "planned_end": leg.planned_end}
    wanted = draft.model_dump(include=set(now))
    changes = [(name, now[name], wanted[name]) for name in now if now[name] != wanted[name]]
    if not changes:
        raise InputError({"leg": Refusal(N_("nothing to correct: the leg is planned like this already"))})
    corrected = Leg(shipment_id=leg.shipment_id, sequence=leg.sequence, **_planned(session, draft))
    shipment = get_shipment(session, reference)
    return LegCorrection(leg.sequence, changes, _checked(session, shipment, corrected))


def correct_leg(session: Session, reference: str, sequence: int, draft: LegCreate, *, reason: str) -> Leg:
    """Correct a leg that has not started (its mode, ends, carrier, planned times), saying why."""
    need_reason(reason)
    review_correction(session, reference, sequence, draft)
    _, leg = _leg(session, reference, sequence)
    for name, value in _planned(session, draft).items():
        setattr(leg, name, value)  # the audit trail keeps those that changed, old → new
    session.add(leg)
    session.flush()
    return leg


def review_deletion(session: Session, reference: str, sequence: int) -> Leg:
    """The leg to delete, once it is known that it may be: InputError naming why not."""
    _, leg = _leg(session, reference, sequence)
    _may_change(session, leg, deleting=True)
    return leg


def delete_leg(session: Session, reference: str, sequence: int, *, reason: str) -> None:
    """Delete a leg that has not started, saying why. The other legs keep their numbers, which the API
    and the audit trail know them by."""
    need_reason(reason)
    session.delete(review_deletion(session, reference, sequence))
    session.flush()


def record_leg(session: Session, reference: str, sequence: int, times: LegTimes) -> Leg:
    """Set when a leg actually started or ended (flight mode and the dashboard follow these)."""
    _, leg = _leg(session, reference, sequence)
    for name, value in times.model_dump(exclude_unset=True).items():
        setattr(leg, name, value)
    if leg.actual_start and leg.actual_end and leg.actual_end < leg.actual_start:
        raise InputError({"actual_end": Refusal(N_("must not be before the actual start"))})
    return leg


def _leg(session: Session, reference: str, sequence: int) -> tuple[Shipment, Leg]:
    shipment = get_shipment(session, reference)
    leg = session.exec(select(Leg).where(Leg.shipment_id == shipment.id, Leg.sequence == sequence)).first()
    if leg is None:
        raise NotFound(f"no leg {sequence} in {reference}")
    return shipment, leg


def _may_change(session: Session, leg: Leg, *, deleting: bool) -> None:
    codes = _site_codes(session)
    problem = change_problem(_route_leg(leg, codes), deleting=deleting)
    if problem is None and deleting:
        naming = select(ExcursionAssessment.id).where(ExcursionAssessment.leg_id == leg.id)
        if session.exec(naming).first() is not None:  # QA's record says the goods were handled there
            problem = Refusal(N_("an excursion assessment names leg %(leg)s as where the goods were "
                                 "handled"), leg=leg.sequence)
    if problem is not None:
        raise InputError({"leg": problem})


def need_reason(reason: str) -> None:
    """InputError unless `reason` says why a record changes (the audit trail keeps it)."""
    if not reason.strip():
        raise InputError({"reason": Refusal(N_("say why the record changes (kept in the audit trail)"))})
    if len(reason) > MAX_REASON:
        raise InputError({"reason": Refusal(N_("at most %(count)d characters"), count=MAX_REASON)})


def _planned(session: Session, draft: LegCreate) -> dict[str, Any]:
    """The leg's planned fields from `draft`, its sites as ids (an unknown site is refused by name) and
    its times in UTC (as stored, so that the audit trail writes them alike)."""
    return {"mode": draft.mode, "from_site_id": _site_id(session, "origin", draft.origin),
            "to_site_id": _site_id(session, "destination", draft.destination), "carrier": draft.carrier,
            "transport_ref": draft.transport_ref, "planned_start": _utc(draft.planned_start),
            "planned_end": _utc(draft.planned_end)}


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _checked(session: Session, shipment: Shipment, leg: Leg) -> list[Refusal]:
    """The warnings about `leg` at its place in the route; InputError when it does not fit there."""
    codes = _site_codes(session)
    others = session.exec(select(Leg).where(Leg.shipment_id == shipment.id, Leg.sequence != leg.sequence)
                          .order_by(col(Leg.sequence))).all()
    found = check_leg(_route_leg(leg, codes), [_route_leg(other, codes) for other in others],
                      shipment_origin=codes[shipment.origin_id])
    if found.refusals:
        raise InputError(dict(found.refusals))
    return found.warnings


def _route_leg(leg: Leg, codes: dict[int, str]) -> RouteLeg:
    return RouteLeg(leg.sequence, leg.mode, codes[leg.from_site_id], codes[leg.to_site_id], leg.planned_start,
                    leg.planned_end, leg.actual_start, leg.actual_end)


def _site_codes(session: Session) -> dict[int, str]:
    return {site_id: code for site_id, code in session.exec(select(Site.id, Site.code)).all()
            if site_id is not None}


def _site_id(session: Session, field: str, code: str) -> int:
    site_id = session.exec(select(Site.id).where(Site.code == code)).first()
    if site_id is None:
        raise InputError({field: Refusal(N_("no site with code %(code)s"), code=repr(code))})
    return site_id
