"""The dispatch gate from the database: the facts the core's rules read (`core.dispatch_gate`), the gate's
state as a shipment's page and the API show it, the check that marking a shipment departed passes through
(`shipments.change_status`), and QA's override.

The gate applies while a shipment has not left (planned or packed); a shipment that has left is not
checked again. An override covers the reasons found when it was given, as they read then; the newest
override is the one that counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from logistics.core.clock import in_zone
from logistics.core.dispatch_gate import (
    ClassRange,
    GateFacts,
    GateLine,
    GateLogger,
    GateReason,
    Transit,
    dispatch_reasons,
    uncovered,
)
from logistics.core.lane_analytics import percentile
from logistics.core.lanes import LaneLeg, transit_s
from logistics.core.legs import RouteLeg
from logistics.core.lifecycle import ShipmentStatus
from logistics.core.profiles import StorageProfile
from logistics.core.refusals import N_, Refusal, Term
from logistics.db.models import (
    DispatchOverride,
    Item,
    Lane,
    Leg,
    Logger,
    LoggerAssignment,
    Lot,
    Shipment,
    ShipmentLine,
    Site,
)
from logistics.db.models import LaneLeg as LaneLegRow
from logistics.schemas.dispatch import DispatchGatePublic, GateReasonPublic, OverridePublic
from logistics.services.errors import InputError
from logistics.services.import_papers import permit_problems
from logistics.services.lane_analytics import door_to_door_s
from logistics.services.profiles import current_profiles

BEFORE_LEAVING = frozenset({ShipmentStatus.PLANNED.value, ShipmentStatus.PACKED.value})
MAX_WHY_CHARACTERS = 1000


class DispatchBlocked(InputError):
    """Marking the shipment departed is refused: `reasons` are those no override covers."""

    def __init__(self, reasons: list[GateReason]) -> None:
        super().__init__({"status": Refusal(N_(
            "it may not leave yet: the dispatch gate holds it for the reasons listed under Ready to "
            "dispatch; resolve them, or QA may override them"))})
        self.reasons = reasons


@dataclass(frozen=True)
class OverrideShown:
    by: str
    at: datetime
    why: str
    covers: tuple[str, ...]  # the reasons' keys, as they read when it was given


@dataclass(frozen=True)
class GateState:
    """What the gate says about a shipment now: every reason found, those no override covers, and the
    newest override."""

    reference: str
    status: str
    applies: bool  # the shipment has not left: the gate is asked when it is marked departed
    reasons: tuple[GateReason, ...]
    blocking: tuple[GateReason, ...]
    override: OverrideShown | None

    @property
    def ready(self) -> bool:
        return not self.blocking

    @property
    def overridden(self) -> tuple[GateReason, ...]:
        """The reasons found now that the override covers."""
        return tuple(reason for reason in self.reasons if reason not in self.blocking)


def gate_state(session: Session, shipment: Shipment, *, now: datetime,
               profiles: Mapping[str, StorageProfile] | None = None) -> GateState:
    """The gate's state for `shipment` (`profiles`: the current storage profiles; None reads them from
    the database). A shipment that has left shows no reasons: it is not checked again."""
    override = _newest_override(session, shipment)
    if str(shipment.status) not in BEFORE_LEAVING:
        return GateState(shipment.reference, str(shipment.status), False, (), (), override)
    reasons = dispatch_reasons(gate_facts(session, shipment, now=now, profiles=profiles))
    blocking = uncovered(reasons, override.covers if override else ())
    return GateState(shipment.reference, str(shipment.status), True, tuple(reasons), tuple(blocking),
                     override)


def check_departure(session: Session, shipment: Shipment, *, now: datetime,
                    profiles: Mapping[str, StorageProfile] | None = None) -> None:
    """Raise DispatchBlocked unless the gate lets the shipment leave now."""
    state = gate_state(session, shipment, now=now, profiles=profiles)
    if state.blocking:
        raise DispatchBlocked(list(state.blocking))


def override_gate(session: Session, shipment: Shipment, *, why: str, by: str, now: datetime,
                  profiles: Mapping[str, StorageProfile] | None = None) -> DispatchOverride:
    """QA lets the shipment leave despite the reasons the gate finds now (recorded with `why`, by `by`);
    refused naming the field when there is nothing to override or no reason is given."""
    text = why.strip()
    if not text:
        raise InputError({"why": Refusal(N_("say why the goods may leave despite these reasons (kept in the "
                                            "audit trail)"))})
    if len(text) > MAX_WHY_CHARACTERS:
        raise InputError({"why": Refusal(N_("at most %(count)d characters"), count=MAX_WHY_CHARACTERS)})
    state = gate_state(session, shipment, now=now, profiles=profiles)
    if not state.applies:
        raise InputError({"why": Refusal(N_("the shipment is %(status)s: the gate is asked only before it "
                                            "leaves"), status=Term(state.status))})
    if not state.reasons:
        raise InputError({"why": Refusal(N_("nothing to override: the gate finds no reason to hold the "
                                            "shipment"))})
    record = DispatchOverride(shipment_id=shipment.id, reasons=json.dumps([r.key for r in state.reasons],
                                                                           ensure_ascii=False),
                              why=text, by=by, at=now)
    session.add(record)
    session.flush()
    return record


def gate_facts(session: Session, shipment: Shipment, *, now: datetime,
               profiles: Mapping[str, StorageProfile] | None = None) -> GateFacts:
    """What the gate's rules read of `shipment`."""
    sites = {site.id: site for site in session.exec(select(Site)).all()}
    origin, destination = sites[shipment.origin_id], sites[shipment.destination_id]
    lane = session.get(Lane, shipment.lane_id) if shipment.lane_id is not None else None
    book = profiles if profiles is not None else current_profiles(session)
    coolant = shipment.coolant or (lane.coolant if lane else None)
    return GateFacts(
        origin=origin.code, destination=destination.code, today=in_zone(now, origin.timezone).date(),
        arrival_day=(in_zone(shipment.planned_arrival, destination.timezone).date()
                     if shipment.planned_arrival else None),
        permit=tuple(permit_problems(session, shipment.id or 0)),
        lines=tuple(_lines(session, shipment)), loggers=tuple(_recording(session, shipment, now)),
        legs=tuple(_legs(session, shipment, sites)),
        ranges={name: ClassRange(*profile.watched_range) for name, profile in book.items()},
        packaging=shipment.packaging or (lane.packaging if lane else None),
        packaging_classes=frozenset(name for name in (lane.storage_profiles if lane else "").split(",")
                                    if name),
        coolant=coolant,
        coolant_kg=shipment.coolant_kg if shipment.coolant else (lane.coolant_kg if lane else None),
        hold_s=(shipment.packaging_validated_s if shipment.packaging_validated_s is not None
                else (lane.packaging_hold_s if lane else None)),
        transit=_transit(session, shipment, lane))


def _lines(session: Session, shipment: Shipment) -> list[GateLine]:
    rows = session.exec(select(Item, Lot).join(Lot, Lot.item_id == Item.id)
                        .join(ShipmentLine, ShipmentLine.lot_id == Lot.id)
                        .where(ShipmentLine.shipment_id == shipment.id).order_by(col(ShipmentLine.id))).all()
    return [GateLine(item.code, lot.lot_number, item.storage_profile, lot.expiry, item.do_not_ship_days)
            for item, lot in rows]


def _recording(session: Session, shipment: Shipment, now: datetime) -> list[GateLogger]:
    rows = session.exec(select(Logger.code, Logger.calibration_due)
                        .join(LoggerAssignment, LoggerAssignment.logger_id == Logger.id)
                        .where(LoggerAssignment.shipment_id == shipment.id,
                               or_(col(LoggerAssignment.ends_at).is_(None),
                                   col(LoggerAssignment.ends_at) > now))
                        .order_by(col(LoggerAssignment.starts_at))).all()
    return [GateLogger(code, due) for code, due in rows]


def _legs(session: Session, shipment: Shipment, sites: dict[int | None, Site]) -> list[RouteLeg]:
    legs = session.exec(select(Leg).where(Leg.shipment_id == shipment.id).order_by(col(Leg.sequence))).all()
    return [RouteLeg(leg.sequence, leg.mode, sites[leg.from_site_id].code, sites[leg.to_site_id].code,
                     leg.planned_start, leg.planned_end, leg.actual_start, leg.actual_end) for leg in legs]


def _transit(session: Session, shipment: Shipment, lane: Lane | None) -> Transit:
    planned = None
    if shipment.planned_departure and shipment.planned_arrival:
        planned = (shipment.planned_arrival - shipment.planned_departure).total_seconds()
    elif lane is not None:
        rows = session.exec(select(LaneLegRow).where(LaneLegRow.lane_id == lane.id)).all()
        planned = transit_s([LaneLeg(row.mode, "", "", row.duration_s, row.wait_s) for row in rows]) or None
    if lane is None:
        return Transit(planned_s=planned)
    spans = door_to_door_s(session, frozenset({lane.code}))
    return Transit(percentile(spans, 0.9), len(spans), planned)


def _newest_override(session: Session, shipment: Shipment) -> OverrideShown | None:
    row = session.exec(select(DispatchOverride).where(DispatchOverride.shipment_id == shipment.id)
                       .order_by(col(DispatchOverride.id).desc())).first()
    if row is None:
        return None
    return OverrideShown(row.by, row.at, row.why, tuple(json.loads(row.reasons)))


def public(state: GateState) -> DispatchGatePublic:
    """The gate's state as the API gives it: reasons in English."""
    override = state.override
    return DispatchGatePublic(
        reference=state.reference, status=state.status, applies=state.applies, ready=state.ready,
        reasons=reasons_public(state.reasons), blocking=reasons_public(state.blocking),
        override=OverridePublic(by=override.by, at=override.at, why=override.why,
                                covers=list(override.covers)) if override else None)


def reasons_public(reasons: Iterable[GateReason]) -> list[GateReasonPublic]:
    return [GateReasonPublic(code=str(reason.code), message=str(reason.refusal), subject=reason.subject)
            for reason in reasons]
