"""The live picture of active shipments: where each is, what its loggers say now, what needs attention.

Built with a handful of queries whatever the number of shipments, one per kind of fact: each logger's
latest reading comes with its window, from the logger's row (`Logger.latest_at`, kept by ingest). A logger
is judged only by its readings inside its window in the shipment, the window its excursions are
evaluated over (`excursions.logger_window`): what it said before the goods were in its care, or after,
is not theirs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, type_coerce
from sqlmodel import Session, col, select

from logistics.core.attention import Attention, Standing, Unwatched, standing, urgency
from logistics.core.excursion_rules import RangeState, watched_state
from logistics.core.excursion_types import Window
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
from logistics.db.types import UTCDateTime
from logistics.services.excursions import logger_window_from
from logistics.services.monitoring import MonitoringPolicy, no_logger

SEVERITIES = ("critical", "major", "minor")
# Each logger's newest reading with a temperature in its window (by logger id and window), if any.
Latest = dict[tuple[int, Window], tuple[datetime, float | None] | None]
# A logger's window in a shipment, and the newest reading with a temperature it ever sent (if any).
Watch = tuple[int, str, Window, tuple[datetime, float] | None]


@dataclass(frozen=True)
class LoggerNow:
    code: str
    last_time: datetime | None
    temperature_c: float | None
    state: str  # in_range, above, below, or unknown (no temperature in its window yet)
    silent_since: datetime | None  # silent for longer than allowed, and not because it is flying on time
    flight_mode: bool  # quiet on a planned flight

    @property
    def silent(self) -> bool:
        return self.silent_since is not None

    @property
    def out_of_range(self) -> bool:
        return self.state in (RangeState.ABOVE, RangeState.BELOW)


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
    standing: Standing
    unwatched: Unwatched | None = None  # under way with no logger recording
    open_excursions: dict[str, int] = field(default_factory=dict)  # by severity

    @property
    def customs_since(self) -> datetime | None:
        return self.leg.started if self.leg is not None and self.leg.mode == LegMode.CUSTOMS else None

    @property
    def attention(self) -> bool:
        """Whether someone should look: an open excursion, a silent logger, a reading out of range, or
        goods under way that no logger records."""
        return self.standing.level != Attention.NONE

    @property
    def level(self) -> str:
        return self.standing.level.word


def overview(session: Session, profiles: dict[str, StorageProfile], policy: MonitoringPolicy, *,
             now: datetime) -> list[ShipmentNow]:
    """Every active shipment, the most urgent first (core.attention), then by reference."""
    active = [status.value for status in ACTIVE]
    shipments = session.exec(select(Shipment).where(col(Shipment.status).in_(active))
                             .order_by(col(Shipment.reference))).all()
    ids = [shipment.id for shipment in shipments]
    windows = _windows(session, shipments)
    facts = _Facts(
        sites={site.id: site for site in session.exec(select(Site)).all()},
        legs=_by_shipment(session.exec(select(Leg).where(col(Leg.shipment_id).in_(ids))
                                       .order_by(col(Leg.shipment_id), col(Leg.sequence))).all()),
        ranges=_profiles_by_shipment(session, ids, profiles), excursions=_open_excursions(session, ids),
        windows=windows, latest=_latest_readings(session, [
            watch for watches in windows.values() for watch in watches if not _ended(watch[2], now)]))
    rows = [_row(shipment, facts, policy, now) for shipment in shipments]
    return sorted(rows, key=lambda row: (urgency(row.standing), row.reference))


@dataclass(frozen=True)
class _Facts:
    """What the dashboard's queries found, per shipment id (sites by id)."""

    sites: dict[int | None, Site]
    legs: dict[int, list[Leg]]
    ranges: dict[int, tuple[StorageProfile, ...]]
    excursions: dict[int, dict[str, tuple[int, datetime | None]]]
    windows: dict[int, list[Watch]]
    latest: Latest


def _row(shipment: Shipment, facts: _Facts, policy: MonitoringPolicy, now: datetime) -> ShipmentNow:
    assert shipment.id is not None
    legs, ranges = facts.legs.get(shipment.id, []), facts.ranges.get(shipment.id, ())
    windows = facts.windows.get(shipment.id, [])
    air = [AirLeg(leg.planned_start, leg.planned_end, leg.actual_start, leg.actual_end)
           for leg in legs if leg.mode == LegMode.AIR]
    loggers = tuple(_logger_now(code, facts.latest[logger_id, window], window.start, ranges, air, now, policy)
                    for logger_id, code, window, _ in windows if not _ended(window, now))
    unwatched = no_logger(shipment, [window for _, _, window, _ in windows], now=now)
    found = facts.excursions.get(shipment.id, {})
    destination = facts.sites[shipment.destination_id]
    return ShipmentNow(
        reference=shipment.reference, status=str(shipment.status),
        origin=facts.sites[shipment.origin_id].code, destination=destination.code,
        destination_zone=destination.timezone, leg=_current_leg(legs, facts.sites, now),
        legs_done=sum(1 for leg in legs if leg.actual_end is not None), legs_total=len(legs),
        ranges=ranges, loggers=loggers, standing=_standing(found, loggers, unwatched, shipment),
        unwatched=unwatched, open_excursions={severity: count for severity, (count, _) in found.items()})


def _standing(excursions: dict[str, tuple[int, datetime | None]], loggers: tuple[LoggerNow, ...],
              unwatched: Unwatched | None, shipment: Shipment) -> Standing:
    concerns = [logger.silent_since for logger in loggers if logger.silent]
    concerns += [logger.last_time for logger in loggers if logger.out_of_range]
    concerns += [unwatched.since] if unwatched is not None else []
    return standing({severity: newest for severity, (_, newest) in excursions.items()}, concerns,
                    departed=shipment.actual_departure or shipment.planned_departure)


def _ended(window: Window, now: datetime) -> bool:
    return window.end is not None and window.end <= now


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


def _open_excursions(session: Session,
                     ids: list[int | None]) -> dict[int, dict[str, tuple[int, datetime | None]]]:
    """Per shipment and severity (most severe first): how many are open, and when the newest began."""
    newest = type_coerce(func.max(ExcursionRecord.start), UTCDateTime)  # SQLite's max() is untyped
    rows = session.exec(
        select(ExcursionRecord.shipment_id, ExcursionRecord.severity, func.count(), newest)
        .where(col(ExcursionRecord.shipment_id).in_(ids),
               col(ExcursionRecord.status).in_(["open", "acknowledged"]))
        .group_by(ExcursionRecord.shipment_id, ExcursionRecord.severity)).all()
    found: dict[int, dict[str, tuple[int, datetime | None]]] = defaultdict(dict)
    for shipment_id, severity, count, began in rows:
        found[shipment_id][severity] = (count, began)
    return {shipment_id: {severity: of[severity] for severity in SEVERITIES if severity in of}
            for shipment_id, of in found.items()}


def _windows(session: Session, shipments: list[Shipment]) -> dict[int, list[Watch]]:
    """Per shipment, each logger's window in it (ended ones too: when the last ended matters), with the
    logger's latest reading."""
    by_id = {shipment.id: shipment for shipment in shipments}
    rows = session.exec(
        select(LoggerAssignment.shipment_id, LoggerAssignment.logger_id, Logger.code,
               LoggerAssignment.starts_at, LoggerAssignment.ends_at, Logger.latest_at,
               Logger.latest_temperature_c)
        .join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(col(LoggerAssignment.shipment_id).in_(list(by_id)))
        .order_by(col(Logger.code), col(LoggerAssignment.starts_at))).all()
    grouped: dict[int, list[Watch]] = defaultdict(list)
    for shipment_id, logger_id, code, starts_at, ends_at, latest_at, temperature in rows:
        window = logger_window_from(starts_at, ends_at, by_id[shipment_id])
        latest = (latest_at, temperature) if latest_at is not None else None
        grouped[shipment_id].append((logger_id, code, window, latest))
    return grouped


# The newest reading with a temperature in a window that ends, one index seek on (logger, time); built
# once, as building a statement costs more than running it.
_LATEST_BETWEEN = (select(Reading.device_time, Reading.temperature_c)
                   .where(Reading.logger_id == bindparam("logger"), Reading.device_time >= bindparam("start"),
                          Reading.device_time < bindparam("end"), col(Reading.temperature_c).is_not(None))
                   .order_by(col(Reading.device_time).desc()).limit(1))


def _latest_readings(session: Session, watches: list[Watch]) -> Latest:
    """Each logger's newest reading in its window: the logger's latest reading, when that is in the
    window; none, when it is older than the window; a seek only when it is stamped after the end of a
    window still open (a clock running ahead of a hand-over planned for later)."""
    latest: Latest = {}
    for logger_id, _, window, newest in watches:
        if newest is None or newest[0] < window.start:
            latest[logger_id, window] = None
        elif window.end is None or newest[0] < window.end:
            latest[logger_id, window] = newest
        else:
            bounds = {"logger": logger_id, "start": window.start, "end": window.end}
            row = session.execute(_LATEST_BETWEEN, bounds).first()
            latest[logger_id, window] = (row[0], row[1]) if row else None
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
                     state=_state(temperature, ranges), silent_since=quiet.since if quiet else None,
                     flight_mode=flying)


def _state(temperature: float | None, ranges: tuple[StorageProfile, ...]) -> str:
    """Out of range if beyond a side of any of the goods' ranges that a rule watches (the strictest wins):
    frozen kits packed in dry ice beside the vector are not flagged "below" for the cold they may take."""
    if temperature is None:
        return "unknown"
    states = [watched_state(temperature, profile) for profile in ranges]
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
