"""The live picture of active shipments: where each is, what its loggers say now, what needs attention.

Built with a handful of queries whatever the number of shipments, one per kind of fact: each logger's
latest reading comes with its window, from the logger's row (`Logger.latest_at`, kept by ingest). A logger
is judged only by its readings inside its window in the shipment, the window its excursions are
evaluated over (`excursions.logger_window`): what it said before the goods were in its care, or after,
is not theirs.
"""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, type_coerce
from sqlmodel import Session, col, select

from logistics.core.attention import Attention, Standing, Unwatched, standing, unwatched, urgency
from logistics.core.dashboard_pages import DashboardPage, paged
from logistics.core.excursion_rules import RangeState, bounded_state
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
from logistics.services.monitoring import MonitoringPolicy

SEVERITIES = ("critical", "major", "minor")
# Each logger's newest reading with a temperature in its window (by logger id and window), if any.
Latest = dict[tuple[int, Window], tuple[datetime, float | None] | None]
# A logger's window in a shipment, and the newest reading with a temperature it ever sent (if any).
Watch = tuple[int, str, Window, tuple[datetime, float] | None]


class _Active(NamedTuple):
    """An active shipment's columns the dashboard reads (plain rows: building ORM objects for a thousand
    shipments cost more than the queries)."""

    id: int
    reference: str
    status: str
    origin_id: int
    destination_id: int
    planned_departure: datetime | None
    actual_departure: datetime | None
    actual_arrival: datetime | None


Bounds = tuple[float | None, float | None]  # a profile's watched range (StorageProfile.watched_range)


class _Goods(NamedTuple):
    profiles: tuple[StorageProfile, ...]
    watched: tuple[Bounds, ...]  # each profile's watched range, worked out once per kind of goods


_NO_GOODS = _Goods((), ())


class _Place(NamedTuple):
    code: str
    timezone: str


class _Leg(NamedTuple):
    shipment_id: int
    mode: str
    from_site_id: int
    to_site_id: int
    carrier: str | None
    transport_ref: str | None
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None


_ACTIVE_STATUSES = sorted(status.value for status in ACTIVE)
_ACTIVE_SHIPMENTS = (select(*(getattr(Shipment, name) for name in _Active._fields))
                     .where(col(Shipment.status).in_(_ACTIVE_STATUSES)).order_by(col(Shipment.reference)))
# The other queries name the active shipments by this subquery rather than by thousands of bound ids.
_ACTIVE_IDS = select(Shipment.id).where(col(Shipment.status).in_(_ACTIVE_STATUSES)).scalar_subquery()
_SITES = select(Site.id, Site.code, Site.timezone)
_LEGS = (select(*(getattr(Leg, name) for name in _Leg._fields)).where(col(Leg.shipment_id).in_(_ACTIVE_IDS))
         .order_by(col(Leg.shipment_id), col(Leg.sequence)))
_PROFILE_NAMES = (select(ShipmentLine.shipment_id, Item.storage_profile)
                  .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
                  .where(col(ShipmentLine.shipment_id).in_(_ACTIVE_IDS)).distinct())
_OPEN_EXCURSIONS = (
    select(ExcursionRecord.shipment_id, ExcursionRecord.severity, func.count(),
           type_coerce(func.max(ExcursionRecord.start), UTCDateTime))  # SQLite's max() is untyped
    .where(col(ExcursionRecord.shipment_id).in_(_ACTIVE_IDS),
           col(ExcursionRecord.status).in_(["open", "acknowledged"]))
    .group_by(ExcursionRecord.shipment_id, ExcursionRecord.severity))
_WINDOWS = (select(LoggerAssignment.shipment_id, LoggerAssignment.logger_id, Logger.code,
                   LoggerAssignment.starts_at, LoggerAssignment.ends_at, Logger.latest_at,
                   Logger.latest_temperature_c)
            .join(Logger, Logger.id == LoggerAssignment.logger_id)
            .where(col(LoggerAssignment.shipment_id).in_(_ACTIVE_IDS))
            .order_by(col(Logger.code), col(LoggerAssignment.starts_at)))


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
    judged, facts = _judge_all(session, profiles, policy, now)
    return [_row(shipment, facts, now) for shipment in judged]


def overview_page(session: Session, profiles: dict[str, StorageProfile], policy: MonitoringPolicy, *,
                  now: datetime, page: int, per_page: int, level: str | None = None,
                  status: str | None = None) -> DashboardPage[ShipmentNow]:
    """A page of `overview` (see `paged`): every active shipment is judged and counted, but only the
    page's rows are spelt out."""
    judged, facts = _judge_all(session, profiles, policy, now)
    shown = paged(judged, page=page, per_page=per_page, level=level, status=status)
    return replace(shown, rows=tuple(_row(shipment, facts, now) for shipment in shown.rows))


@dataclass(frozen=True)
class _Facts:
    """What the dashboard's queries found, per shipment id (sites by id)."""

    sites: dict[int, _Place]
    legs: dict[int, list[_Leg]]
    ranges: dict[int, _Goods]
    excursions: dict[int, dict[str, tuple[int, datetime | None]]]
    windows: dict[int, list[Watch]]
    latest: Latest


@dataclass(frozen=True)
class _Judged:
    """An active shipment with what decides its place on the dashboard (the rest is spelt out only for
    the rows a page shows)."""

    shipment: _Active
    loggers: tuple[LoggerNow, ...]
    unwatched: Unwatched | None
    standing: Standing

    @property
    def level(self) -> str:
        return self.standing.level.word

    @property
    def status(self) -> str:
        return self.shipment.status


class _CollectorPause:
    """The cyclic garbage collector paused while any thread is inside, and back as it was when the last
    one leaves: the collector is one per process, and requests overlap in a threaded server (a plain
    disable and enable per request could leave it off for good)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._inside == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
                if self._inside == 0 and self._was_enabled:
                    gc.enable()


# Judging 10,000 shipments keeps some 200,000 small objects alive until the page is built, enough to set
# off full collections of the whole heap that cost as much as the judging itself; they hold no cycles,
# and reference counting frees them.
_without_cycle_collection = _CollectorPause()


def _judge_all(session: Session, profiles: dict[str, StorageProfile], policy: MonitoringPolicy,
               now: datetime) -> tuple[list[_Judged], _Facts]:
    """Every active shipment judged, the most urgent first, then by reference; and the facts read."""
    with _without_cycle_collection():
        return _judged(session, profiles, policy, now)


def _judged(session: Session, profiles: dict[str, StorageProfile], policy: MonitoringPolicy,
            now: datetime) -> tuple[list[_Judged], _Facts]:
    shipments = [_Active(*row) for row in session.execute(_ACTIVE_SHIPMENTS)]
    windows = _windows(session, shipments)
    facts = _Facts(
        sites={site_id: _Place(code, zone) for site_id, code, zone in session.execute(_SITES)},
        legs=_by_shipment([_Leg(*row) for row in session.execute(_LEGS)]),
        ranges=_profiles_by_shipment(session, profiles), excursions=_open_excursions(session),
        windows=windows, latest=_latest_readings(session, [
            watch for watches in windows.values() for watch in watches if not _ended(watch[2], now)]))
    judged = [_judge(shipment, facts, policy, now) for shipment in shipments]
    return sorted(judged, key=lambda row: (urgency(row.standing), row.shipment.reference)), facts


def _judge(shipment: _Active, facts: _Facts, policy: MonitoringPolicy, now: datetime) -> _Judged:
    legs, goods = facts.legs.get(shipment.id, []), facts.ranges.get(shipment.id, _NO_GOODS)
    windows = facts.windows.get(shipment.id, [])
    air = [AirLeg(leg.planned_start, leg.planned_end, leg.actual_start, leg.actual_end)
           for leg in legs if leg.mode == LegMode.AIR]
    loggers = tuple(_logger_now(code, facts.latest[logger_id, window], window.start, goods.watched, air, now,
                                policy) for logger_id, code, window, _ in windows if not _ended(window, now))
    departed = shipment.actual_departure or shipment.planned_departure
    unwatched_since = unwatched(shipment.status, [window for _, _, window, _ in windows], departed=departed,
                                now=now)
    found = facts.excursions.get(shipment.id, {})
    return _Judged(shipment, loggers, unwatched_since, _standing(found, loggers, unwatched_since, departed))


def _row(judged: _Judged, facts: _Facts, now: datetime) -> ShipmentNow:
    shipment = judged.shipment
    legs = facts.legs.get(shipment.id, [])
    destination = facts.sites[shipment.destination_id]
    return ShipmentNow(
        reference=shipment.reference, status=str(shipment.status),
        origin=facts.sites[shipment.origin_id].code, destination=destination.code,
        destination_zone=destination.timezone, leg=_current_leg(legs, facts.sites, now),
        legs_done=sum(1 for leg in legs if leg.actual_end is not None), legs_total=len(legs),
        ranges=facts.ranges.get(shipment.id, _NO_GOODS).profiles, loggers=judged.loggers,
        standing=judged.standing, unwatched=judged.unwatched,
        open_excursions={severity: count
                         for severity, (count, _) in facts.excursions.get(shipment.id, {}).items()})


def _standing(excursions: dict[str, tuple[int, datetime | None]], loggers: tuple[LoggerNow, ...],
              unwatched: Unwatched | None, departed: datetime | None) -> Standing:
    concerns = [logger.silent_since for logger in loggers if logger.silent]
    concerns += [logger.last_time for logger in loggers if logger.out_of_range]
    concerns += [unwatched.since] if unwatched is not None else []
    return standing({severity: newest for severity, (_, newest) in excursions.items()}, concerns,
                    departed=departed)


def _ended(window: Window, now: datetime) -> bool:
    return window.end is not None and window.end <= now


def _by_shipment(legs: list[_Leg]) -> dict[int, list[_Leg]]:
    grouped: dict[int, list[_Leg]] = defaultdict(list)
    for leg in legs:
        grouped[leg.shipment_id].append(leg)
    return grouped


def _profiles_by_shipment(session: Session, profiles: dict[str, StorageProfile]) -> dict[int, _Goods]:
    """Per shipment, its goods' profiles; shipments carrying the same profiles share one `_Goods` (with
    thousands of shipments, a few kinds of goods)."""
    rows = session.execute(_PROFILE_NAMES).all()
    names: dict[int, set[str]] = defaultdict(set)
    for shipment_id, name in rows:
        names[shipment_id].add(name)
    kinds: dict[tuple[str, ...], _Goods] = {}
    for found in {tuple(sorted(found)) for found in names.values()}:
        known = tuple(profiles[name] for name in found if name in profiles)
        kinds[found] = _Goods(known, tuple(profile.watched_range for profile in known))
    return {shipment_id: kinds[tuple(sorted(found))] for shipment_id, found in names.items()}


def _open_excursions(session: Session) -> dict[int, dict[str, tuple[int, datetime | None]]]:
    """Per shipment and severity (most severe first): how many are open, and when the newest began."""
    rows = session.execute(_OPEN_EXCURSIONS).all()
    found: dict[int, dict[str, tuple[int, datetime | None]]] = defaultdict(dict)
    for shipment_id, severity, count, began in rows:
        found[shipment_id][severity] = (count, began)
    return {shipment_id: {severity: of[severity] for severity in SEVERITIES if severity in of}
            for shipment_id, of in found.items()}


def _windows(session: Session, shipments: list[_Active]) -> dict[int, list[Watch]]:
    """Per shipment, each logger's window in it (ended ones too: when the last ended matters), with the
    logger's latest reading."""
    by_id = {shipment.id: shipment for shipment in shipments}
    rows = session.execute(_WINDOWS).all()
    grouped: dict[int, list[Watch]] = defaultdict(list)
    for shipment_id, logger_id, code, starts_at, ends_at, latest_at, temperature in rows:
        if shipment_id not in by_id:
            continue  # became active after the shipments were read (PostgreSQL reads each statement anew)
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
                watched: tuple[Bounds, ...], air: list[AirLeg], now: datetime,
                policy: MonitoringPolicy) -> LoggerNow:
    last_time, temperature = latest if latest else (None, None)
    allowed, grace = policy.silent_after, policy.flight_grace
    quiet = silence(last_time, assigned_at, air, now=now, allowed=allowed, grace=grace)
    flying = quiet is None and in_flight(air, now, grace) is not None and (
        last_time is None or now - last_time > allowed)
    return LoggerNow(code=code, last_time=last_time, temperature_c=temperature,
                     state=_state(temperature, watched), silent_since=quiet.since if quiet else None,
                     flight_mode=flying)


def _state(temperature: float | None, watched: tuple[Bounds, ...]) -> str:
    """Out of range if beyond a side of any of the goods' ranges that a rule watches (the strictest wins):
    frozen kits packed in dry ice beside the vector are not flagged "below" for the cold they may take."""
    if temperature is None:
        return "unknown"
    states = [bounded_state(temperature, bounds) for bounds in watched]
    return next((state for state in states if state != RangeState.IN_RANGE), RangeState.IN_RANGE)


def _current_leg(legs: list[_Leg], sites: dict[int, _Place], now: datetime) -> LegNow | None:
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
