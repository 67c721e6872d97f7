"""The live picture of active shipments: where each is, what its loggers say now, what needs attention.

Built with a handful of queries whatever the number of shipments (one per kind of fact, and one index
seek per logger for its latest reading), so the dashboard stays quick with hundreds in transit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from logistics.core.excursion_rules import RangeState, range_state
from logistics.core.legs import LegMode
from logistics.core.lifecycle import ACTIVE
from logistics.core.profiles import StorageProfile
from logistics.core.silence import AirLeg, in_flight, silence
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Leg,
    Logger,
    LoggerAssignment,
    Lot,
    Reading,
    Shipment,
    ShipmentLine,
    Site,
)
from logistics.services.monitoring import MonitoringPolicy

SEVERITIES = ("critical", "major", "minor")


@dataclass(frozen=True)
class LoggerNow:
    code: str
    last_time: datetime | None
    temperature_c: float | None
    state: str  # in_range, above, below, or unknown (no temperature yet)
    silent: bool  # silent for longer than allowed, and not because it is flying on time
    flight_mode: bool  # quiet on a planned flight


@dataclass(frozen=True)
class LegNow:
    mode: str
    origin: str
    destination: str
    carrier: str | None
    transport_ref: str | None
    started: datetime | None
    planned_end: datetime | None
    destination_zone: str


@dataclass(frozen=True)
class ShipmentNow:
    reference: str
    status: str
    origin: str
    destination: str
    destination_zone: str
    leg: LegNow | None
    legs_done: int
    legs_total: int
    ranges: tuple[StorageProfile, ...]
    loggers: tuple[LoggerNow, ...]
    open_excursions: dict[str, int] = field(default_factory=dict)  # by severity

    @property
    def customs_since(self) -> datetime | None:
        return self.leg.started if self.leg is not None and self.leg.mode == LegMode.CUSTOMS else None

    @property
    def attention(self) -> bool:
        """Whether someone should look: an open excursion, a silent logger, a reading out of range."""
        return bool(self.open_excursions) or any(
            logger.silent or logger.state in ("above", "below") for logger in self.loggers)


def overview(session: Session, profiles: dict[str, StorageProfile], policy: MonitoringPolicy, *,
             now: datetime) -> list[ShipmentNow]:
    """Every active shipment, those needing attention first, then by reference."""
    active = [status.value for status in ACTIVE]
    shipments = session.exec(select(Shipment).where(col(Shipment.status).in_(active))
                             .order_by(col(Shipment.reference))).all()
    ids = [shipment.id for shipment in shipments]
    sites = {site.id: site for site in session.exec(select(Site)).all()}
    legs = _by_shipment(session.exec(select(Leg).where(col(Leg.shipment_id).in_(ids))
                                     .order_by(col(Leg.shipment_id), col(Leg.sequence))).all())
    judged_by = _profiles_by_shipment(session, ids, profiles)
    excursions = _open_excursions(session, ids)
    assigned = _open_assignments(session, ids)
    latest = _latest_readings(session, {logger_id for rows in assigned.values() for logger_id, *_ in rows})
    rows = []
    for shipment in shipments:
        shipment_legs = legs.get(shipment.id, [])
        air = [AirLeg(leg.planned_start, leg.planned_end, leg.actual_start, leg.actual_end)
               for leg in shipment_legs if leg.mode == LegMode.AIR]
        ranges = judged_by.get(shipment.id, ())
        loggers = tuple(
            _logger_now(code, latest[logger_id], assigned_at, ranges, air, now, policy)
            for logger_id, code, assigned_at in assigned.get(shipment.id, []))
        destination = sites[shipment.destination_id]
        rows.append(ShipmentNow(
            reference=shipment.reference, status=str(shipment.status), origin=sites[shipment.origin_id].code,
            destination=destination.code, destination_zone=destination.timezone,
            leg=_current_leg(shipment_legs, sites, now),
            legs_done=sum(1 for leg in shipment_legs if leg.actual_end is not None),
            legs_total=len(shipment_legs), ranges=ranges, loggers=loggers,
            open_excursions=excursions.get(shipment.id, {})))
    return sorted(rows, key=lambda row: (not row.attention, row.reference))


def _by_shipment(legs: list[Leg]) -> dict[int, list[Leg]]:
    grouped: dict[int, list[Leg]] = defaultdict(list)
    for leg in legs:
        grouped[leg.shipment_id].append(leg)
    return grouped


def _profiles_by_shipment(session: Session, ids: list[int | None],
                          profiles: dict[str, StorageProfile]) -> dict[int, tuple[StorageProfile, ...]]:
    rows = session.exec(
        select(ShipmentLine.shipment_id, Item.storage_profile).join(Lot, Lot.id == ShipmentLine.lot_id)
        .join(Item, Item.id == Lot.item_id).where(col(ShipmentLine.shipment_id).in_(ids)).distinct()).all()
    names: dict[int, set[str]] = defaultdict(set)
    for shipment_id, name in rows:
        names[shipment_id].add(name)
    return {shipment_id: tuple(profiles[name] for name in sorted(found) if name in profiles)
            for shipment_id, found in names.items()}


def _open_excursions(session: Session, ids: list[int | None]) -> dict[int, dict[str, int]]:
    rows = session.exec(
        select(ExcursionRecord.shipment_id, ExcursionRecord.severity, func.count())
        .where(col(ExcursionRecord.shipment_id).in_(ids),
               col(ExcursionRecord.status).in_(["open", "acknowledged"]))
        .group_by(ExcursionRecord.shipment_id, ExcursionRecord.severity)).all()
    counted: dict[int, Counter[str]] = defaultdict(Counter)
    for shipment_id, severity, count in rows:
        counted[shipment_id][severity] += count
    return {shipment_id: {severity: counts[severity] for severity in SEVERITIES if counts[severity]}
            for shipment_id, counts in counted.items()}


def _open_assignments(session: Session, ids: list[int | None]) -> dict[int, list[tuple[int, str, datetime]]]:
    rows = session.exec(
        select(LoggerAssignment.shipment_id, LoggerAssignment.logger_id, Logger.code,
               LoggerAssignment.starts_at).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(col(LoggerAssignment.shipment_id).in_(ids), col(LoggerAssignment.ends_at).is_(None))
        .order_by(col(Logger.code))).all()
    grouped: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for shipment_id, logger_id, code, starts_at in rows:
        grouped[shipment_id].append((logger_id, code, starts_at))
    return grouped


# The newest reading with a temperature, one index seek on (logger, time) per logger; built once, as
# building a statement costs more than running it.
_LATEST = (select(Reading.device_time, Reading.temperature_c)
           .where(Reading.logger_id == bindparam("logger"), col(Reading.temperature_c).is_not(None))
           .order_by(col(Reading.device_time).desc()).limit(1))


def _latest_readings(session: Session,
                     logger_ids: set[int]) -> dict[int, tuple[datetime, float | None] | None]:
    latest: dict[int, tuple[datetime, float | None] | None] = {}
    for logger_id in logger_ids:
        row = session.execute(_LATEST, {"logger": logger_id}).first()
        latest[logger_id] = (row[0], row[1]) if row else None
    return latest


def _logger_now(code: str, latest: tuple[datetime, float | None] | None, assigned_at: datetime,
                ranges: tuple[StorageProfile, ...], air: list[AirLeg], now: datetime,
                policy: MonitoringPolicy) -> LoggerNow:
    last_time, temperature = latest if latest else (None, None)
    allowed, grace = policy.silent_after, policy.flight_grace
    quiet = silence(last_time, assigned_at, air, now=now, allowed=allowed, grace=grace)
    flying = quiet is None and in_flight(air, now, grace) is not None and (
        last_time is None or now - last_time > allowed)
    return LoggerNow(code=code, last_time=last_time, temperature_c=temperature,
                     state=_state(temperature, ranges), silent=quiet is not None, flight_mode=flying)


def _state(temperature: float | None, ranges: tuple[StorageProfile, ...]) -> str:
    """Out of range if out of any of the goods' ranges (the strictest wins)."""
    if temperature is None:
        return "unknown"
    states = [range_state(temperature, profile) for profile in ranges]
    return next((state for state in states if state != RangeState.IN_RANGE), RangeState.IN_RANGE)


def _current_leg(legs: list[Leg], sites: dict[int | None, Site], now: datetime) -> LegNow | None:
    """The leg under way: started and not ended, else the next one due to start."""
    under_way = [leg for leg in legs if leg.actual_start is not None and leg.actual_end is None]
    due = [leg for leg in legs if leg.actual_start is None and leg.actual_end is None]
    leg = (under_way or due or [None])[0]
    if leg is None:
        return None
    destination = sites[leg.to_site_id]
    return LegNow(mode=leg.mode, origin=sites[leg.from_site_id].code, destination=destination.code,
                  carrier=leg.carrier, transport_ref=leg.transport_ref, started=leg.actual_start,
                  planned_end=leg.planned_end, destination_zone=destination.timezone)
