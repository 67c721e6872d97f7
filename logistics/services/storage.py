"""Storage zones at sites, the loggers that watch them, and the storage periods of lots in them.

Which zone holds a lot, and when, follows the rule in logistics.core.storage: a lot held at a site (its
available and quarantined stock) is in that site's zones of its item's storage profile, from the moment
its stock there rises above zero until it is back at zero.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from logistics.core.coverage import covered_readings, outside_range
from logistics.core.excursion_review import ReviewStatus
from logistics.core.excursion_types import Evaluation, LoggerSummary, Window
from logistics.core.excursions import evaluate
from logistics.core.profiles import StorageProfile
from logistics.core.series import Chart
from logistics.core.stability import Exposure, Unwatched, exposure_of, worst
from logistics.core.storage import HELD, Segment, Span, Watch, covers, watched_segments
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Logger,
    LoggerAssignment,
    Lot,
    Reading,
    Site,
    StockMovement,
    StorageZone,
)
from logistics.services.catalogue import get_logger, get_site
from logistics.services.errors import InputError, NotFound
from logistics.services.excursions import ExcursionRow
from logistics.services.loggers import free_codes
from logistics.services.series import watch_chart
from logistics.services.storage_periods import held_spans

ZONE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")  # e.g. SIR-FRIDGE-1
OPEN = (ReviewStatus.OPEN.value, ReviewStatus.ACKNOWLEDGED.value)
# Storage pieces already evaluated, by (logger, zone, start, end, profile): lots stored together share them.
Evaluated = dict[tuple[str, str, datetime, datetime | None, str], Exposure]


def add_zone(session: Session, profiles: dict[str, StorageProfile], *, site: str, code: str, name: str,
             storage_profile: str) -> StorageZone:
    """A new storage zone at a site, kept under one of the storage profiles."""
    code, name, errors = code.strip(), name.strip(), {}
    if not ZONE_CODE.match(code):
        errors["code"] = "2 to 20 upper-case letters, digits and dashes, e.g. SIR-FRIDGE-1"
    elif session.exec(select(StorageZone.id).where(StorageZone.code == code)).first() is not None:
        errors["code"] = f"zone {code} exists already"
    if not name:
        errors["name"] = "say what and where it is, e.g. pharmacy fridge 1, room 204"
    if storage_profile not in profiles:
        errors["storage_profile"] = f"unknown profile; known: {', '.join(sorted(profiles))}"
    try:
        site_id = get_site(session, site).id
    except NotFound:
        errors["site"] = f"no site {site!r}"
    if errors:
        raise InputError(errors)
    zone = StorageZone(site_id=site_id, code=code, name=name, storage_profile=storage_profile)
    session.add(zone)
    session.flush()
    return zone


def get_zone(session: Session, code: str) -> StorageZone:
    zone = session.exec(select(StorageZone).where(StorageZone.code == code)).first()
    if zone is None:
        raise NotFound(f"no storage zone {code!r}")
    return zone


def zone_timezone(session: Session, zone: StorageZone) -> str:
    """The IANA time zone of the zone's site: its forms read local times in it."""
    site = session.get(Site, zone.site_id)
    return site.timezone if site else "UTC"


@dataclass(frozen=True)
class ZoneRow:
    """A storage zone as the zones page lists it."""

    zone: StorageZone
    site: Site
    loggers: tuple[str, ...]  # assigned to it now
    open_excursions: int


def zone_rows(session: Session, *, now: datetime) -> list[ZoneRow]:
    """Every storage zone, by site and code, with the loggers watching it now."""
    watching: dict[int, list[str]] = defaultdict(list)
    now_watching = (
        select(LoggerAssignment.storage_zone_id, Logger.code)
        .join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(col(LoggerAssignment.storage_zone_id).is_not(None), LoggerAssignment.starts_at <= now,
               or_(col(LoggerAssignment.ends_at).is_(None), col(LoggerAssignment.ends_at) > now))
        .order_by(col(Logger.code)))
    for zone_id, code in session.exec(now_watching).all():
        watching[zone_id].append(code)
    open_counts = dict(session.exec(
        select(ExcursionRecord.storage_zone_id, func.count()).where(
            col(ExcursionRecord.storage_zone_id).is_not(None), col(ExcursionRecord.status).in_(OPEN))
        .group_by(ExcursionRecord.storage_zone_id)).all())
    rows = session.exec(select(StorageZone, Site).join(Site, Site.id == StorageZone.site_id)
                        .order_by(col(Site.code), col(StorageZone.code))).all()
    return [ZoneRow(zone, site, tuple(watching.get(zone.id or 0, ())), int(open_counts.get(zone.id, 0)))
            for zone, site in rows]


def zone_excursions(session: Session, zone_id: int) -> list[ExcursionRow]:
    """The zone's excursions except withdrawn ones, newest first, with each one's logger."""
    rows = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.storage_zone_id == zone_id,
               ExcursionRecord.status != ReviewStatus.WITHDRAWN.value)
        .order_by(col(ExcursionRecord.start).desc())).all()
    return [ExcursionRow(record, code) for record, code in rows]


@dataclass(frozen=True)
class HeldLot:
    """A lot the zone holds now (by the rule: held at its site, of its profile)."""

    item: str
    lot: str
    quantity: float
    unit: str


@dataclass(frozen=True)
class ZoneView:
    """A storage zone's page: who watches it (and watched it), its excursions, what it holds now."""

    row: ZoneRow
    assignments: list[tuple[LoggerAssignment, str]]  # newest first, with each one's logger id
    excursions: list[ExcursionRow]
    lots: list[HeldLot]
    free_loggers: list[str]  # for the assignment form


def zone_view(session: Session, code: str, *, now: datetime) -> ZoneView:
    """The zone's page; NotFound for an unknown zone."""
    zone = get_zone(session, code)
    assert zone.id is not None
    row = next(row for row in zone_rows(session, now=now) if row.zone.id == zone.id)
    assignments = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.storage_zone_id == zone.id)
        .order_by(col(LoggerAssignment.starts_at).desc())).all()
    held = session.exec(
        select(Item.code, Lot.lot_number, Item.unit, func.sum(StockMovement.quantity))
        .join(Lot, Lot.id == StockMovement.lot_id).join(Item, Item.id == Lot.item_id)
        .where(StockMovement.site_id == zone.site_id, Item.storage_profile == zone.storage_profile,
               col(StockMovement.status).in_(sorted(HELD)))
        .group_by(Item.code, Lot.lot_number, Item.unit).order_by(Item.code, Lot.lot_number)).all()
    return ZoneView(row=row, assignments=[(assignment, logger) for assignment, logger in assignments],
                    excursions=zone_excursions(session, zone.id),
                    lots=[HeldLot(item, lot, float(total), unit)
                          for item, lot, unit, total in held if total > 1e-9],
                    free_loggers=free_codes(session))


def zone_record(session: Session, code: str, record_id: int) -> ExcursionRecord:
    """One of the zone's excursion records; NotFound for another's."""
    record = session.get(ExcursionRecord, record_id)
    if record is None or record.storage_zone_id != get_zone(session, code).id:
        raise NotFound(f"no excursion {record_id} in {code}")
    return record


# --- Storage periods ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoragePiece:
    """A piece of one of a lot's storage periods at a site, cut where a zone's logger starts or stops
    watching (core.storage.watched_segments): the site's zones of the lot's profile, and the loggers that
    watched all of it (none: not monitored)."""

    site: str
    zones: tuple[str, ...]
    segment: Segment

    @property
    def window(self) -> Window:
        """What each of its loggers answers for: the piece (SPEC §2.1)."""
        return Window(self.segment.start, self.segment.end)


def storage_pieces(session: Session, lot: Lot, profile: StorageProfile) -> list[StoragePiece]:
    """The lot's storage periods at every site cut into pieces by who watched them, in time order."""
    assert lot.id is not None
    pieces = []
    for site_id, spans in held_spans(session, lot.id).items():
        site = session.get(Site, site_id)
        site_code = site.code if site else "?"
        zones, watches = _watches(session, site_id, profile.name)
        pieces += [StoragePiece(site_code, zones, piece)
                   for span in spans for piece in watched_segments(span, watches)]
    return sorted(pieces, key=lambda piece: piece.segment.start)


def storage_exposures(session: Session, lot: Lot, profile: StorageProfile, *, now: datetime,
                      known: Evaluated | None = None) -> tuple[list[Exposure], list[Unwatched]]:
    """The lot's storage periods judged by its profile: an exposure per piece a logger watched (its
    worst logger's), and the pieces none did."""
    known = {} if known is None else known
    exposures: list[Exposure] = []
    unwatched: list[Unwatched] = []
    for piece in storage_pieces(session, lot, profile):
        segment = piece.segment
        if not segment.watches:
            unwatched.append(Unwatched(piece.site, piece.zones, Span(segment.start, segment.end)))
            continue
        found = worst([_piece_exposure(session, watch, segment, piece.site, profile, now, known)
                       for watch in segment.watches])
        if found is not None:
            exposures.append(found)
    return exposures, unwatched


def _watches(session: Session, site_id: int, profile: str) -> tuple[tuple[str, ...], list[Watch]]:
    """The site's zones of this profile, and every logger assignment to them."""
    zones = session.exec(select(StorageZone).where(StorageZone.site_id == site_id,
                                                   StorageZone.storage_profile == profile)
                         .order_by(col(StorageZone.code))).all()
    codes = {zone.id: zone.code for zone in zones}
    rows = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(col(LoggerAssignment.storage_zone_id).in_(list(codes)))
        .order_by(col(LoggerAssignment.starts_at))).all()
    watches = [Watch(code, codes[assignment.storage_zone_id], assignment.starts_at, assignment.ends_at)
               for assignment, code in rows if assignment.storage_zone_id is not None]
    return tuple(codes.values()), watches


def _piece_exposure(session: Session, watch: Watch, piece: Segment, site: str, profile: StorageProfile,
                    now: datetime, known: Evaluated) -> Exposure:
    start, end = piece.start, piece.end
    key = (watch.logger, watch.zone, start, end, profile.name)
    if key not in known:
        samples = window_samples(session, watch.logger, start, end)
        window = Window(start, end)  # the piece: time in it no reading covers is no data
        evaluation = _judged(samples, profile, window, now)
        outside = outside_range(covered_readings(samples, profile, live_until=_live_until(window, now),
                                                 window=window), profile)
        known[key] = exposure_of(evaluation, outside, logger=watch.logger, zone=watch.zone, site=site,
                                 window=Span(start, end))
    return known[key]


def piece_summary(session: Session, logger: str, window: Window, profile: StorageProfile, *,
                  now: datetime) -> LoggerSummary:
    """What a zone's logger saw over a storage piece, judged by the lot's profile over the piece's window,
    as the stability allowance counts it (live until `now` while the piece runs)."""
    samples = window_samples(session, logger, window.start, window.end)
    return LoggerSummary(logger, profile, _judged(samples, profile, window, now), window)


def _judged(samples: Sequence[tuple[datetime, float | None, float | None]], profile: StorageProfile,
            window: Window, now: datetime) -> Evaluation:
    return evaluate(samples, profile, live_until=_live_until(window, now), window=window)


def _live_until(window: Window, now: datetime) -> datetime | None:
    return now if window.end is None else None


def window_samples(session: Session, logger_code: str, start: datetime,
                   end: datetime | None) -> Sequence[tuple[datetime, float | None, float | None]]:
    """The logger's readings in [start, end) as (time, temperature, shock) rows, as the engine takes them."""
    query = (select(Reading.device_time, Reading.temperature_c, Reading.shock_g)
             .join(Logger, Logger.id == Reading.logger_id)
             .where(Logger.code == logger_code, Reading.device_time >= start))
    if end is not None:
        query = query.where(Reading.device_time < end)
    return session.exec(query).all()


def zone_chart(session: Session, zone_code: str, logger_code: str, profile: StorageProfile, window: Window,
               *, now: datetime, start: datetime | None = None, end: datetime | None = None) -> Chart | None:
    """The chart of a zone's logger over a storage piece `window` (or [start, end) within it), banded by
    `profile` (the lot's); NotFound unless the logger watched the zone over all of the window."""
    zone, logger = get_zone(session, zone_code), get_logger(session, logger_code)
    assert zone.id is not None and logger.id is not None
    watched = session.exec(select(LoggerAssignment.starts_at, LoggerAssignment.ends_at).where(
        LoggerAssignment.storage_zone_id == zone.id, LoggerAssignment.logger_id == logger.id)).all()
    if not any(covers(Watch(logger_code, zone_code, since, until), window.start, window.end)
               for since, until in watched):
        raise NotFound(f"{logger_code} did not watch {zone_code} over that time")
    summary = piece_summary(session, logger_code, window, profile, now=now)
    return watch_chart(session, zone.id, logger.id, summary, now=now, start=start, end=end)
