"""Reading stored telemetry back out: by logger, shipment window and time range, whole (an export) or a
page at a time (keyset paging over the index on logger and device time, see core/reading_selection.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, or_, type_coerce
from sqlmodel import Session, col, func, select

from logistics.core.excursion_types import Window
from logistics.core.profiles import StorageProfile
from logistics.core.reading_selection import Position, Scan, TimeRange, ranges_within, scans_after
from logistics.core.spreadsheet import safe_row
from logistics.db.models import Logger, LoggerAssignment, Reading
from logistics.db.types import UTCDateTime
from logistics.services.catalogue import get_logger
from logistics.services.errors import InputError
from logistics.services.shipments import get_shipment

# The columns of every readings export (`logistics readings export`, the API's CSV), units in the names
# where they have one; humidity is % RH, battery % charge, latitude and longitude WGS 84 degrees, light lux,
# door_open the logger's door or lid contact (each empty where the logger does not report it).
EXPORT_COLUMNS = ("logger", "device_time", "received_at", "temperature_c", "shock_g", "humidity",
                  "battery", "latitude", "longitude", "seq", "source", "time_flagged", "light_lux",
                  "door_open")
CSV_ROWS_PER_CHUNK = 1000


@dataclass(frozen=True)
class ReadingQuery:
    """One logger's readings (`logistics readings export`), optionally only while it was in a shipment."""

    logger: str
    shipment: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class ShipmentReadings:
    """A shipment's readings: each assigned logger's (or only `logger`'s) within its assignment windows,
    further limited to [since, until)."""

    reference: str
    logger: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Selection:
    """The scans that read a selection, in reading order, and each scanned logger's database id."""

    scans: tuple[Scan, ...]
    logger_ids: dict[str, int]


@dataclass(frozen=True)
class ReadingsPage:
    rows: list[dict[str, object]]
    next_position: Position | None  # None on the last page


def _logger_selection(session: Session, query: ReadingQuery) -> Selection:
    if query.start and query.end and query.end <= query.start:
        raise InputError({"to": "must be after --from"})
    logger = get_logger(session, query.logger)
    assert logger.id is not None
    windows = [TimeRange()]
    if query.shipment:
        windows = [TimeRange(window.starts_at, window.ends_at) for window in session.exec(
            select(LoggerAssignment).where(
                LoggerAssignment.logger_id == logger.id,
                LoggerAssignment.shipment_id == get_shipment(session, query.shipment).id)).all()]
        if not windows:
            raise InputError({"shipment": f"{query.logger} was never assigned to {query.shipment}"})
    ranges = ranges_within(windows, since=query.start, until=query.end)
    return Selection(tuple(Scan(logger.code, time_range) for time_range in ranges), {logger.code: logger.id})


def shipment_selection(session: Session, query: ShipmentReadings) -> Selection:
    """What `query` reads; NotFound for an unknown shipment, InputError naming `until` or `logger`."""
    if query.since and query.until and query.until <= query.since:
        raise InputError({"until": "must be after since"})
    shipment = get_shipment(session, query.reference)
    assigned = session.exec(
        select(Logger.code, Logger.id, LoggerAssignment.starts_at, LoggerAssignment.ends_at)
        .join(Logger, col(Logger.id) == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id)).all()
    windows: dict[str, list[TimeRange]] = {}
    logger_ids: dict[str, int] = {}
    for code, logger_id, starts_at, ends_at in assigned:
        windows.setdefault(code, []).append(TimeRange(starts_at, ends_at))
        logger_ids[code] = logger_id
    if query.logger is not None and query.logger not in windows:
        known = ", ".join(sorted(windows)) or "none"
        raise InputError({"logger": f"{query.logger[:64]!r} never recorded for {query.reference} "
                                    f"(its loggers: {known})"})
    codes = sorted(windows) if query.logger is None else [query.logger]
    scans = tuple(Scan(code, time_range) for code in codes
                  for time_range in ranges_within(windows[code], since=query.since, until=query.until))
    return Selection(scans, {code: logger_ids[code] for code in codes})


# What a reading's export row holds besides its logger: plain columns, not table objects, since building
# an ORM object per row cost more than the whole query.
READING_COLUMNS = (Reading.device_time, Reading.received_at, Reading.temperature_c, Reading.shock_g,
                   Reading.humidity, Reading.battery, Reading.latitude, Reading.longitude, Reading.seq,
                   Reading.source, Reading.time_flagged, Reading.light_lux, Reading.door_open)


def _in_range(logger_id: int, time_range: TimeRange):  # type: ignore[no-untyped-def]
    """One logger's readings over one range, in time order: a range scan of ux_readings_logger_time."""
    statement = select(*READING_COLUMNS).where(Reading.logger_id == logger_id)
    if time_range.start is not None:
        statement = statement.where(Reading.device_time >= time_range.start)
    if time_range.end is not None:
        statement = statement.where(Reading.device_time < time_range.end)
    return statement.order_by(col(Reading.device_time))


def count_readings(session: Session, query: ReadingQuery) -> int:
    selection = _logger_selection(session, query)
    return sum(int(session.exec(select(func.count()).select_from(
        _in_range(selection.logger_ids[scan.logger], scan.range).order_by(None).subquery())).one())
        for scan in selection.scans)


def iter_readings(session: Session, query: ReadingQuery) -> Iterator[dict[str, object]]:
    """The readings in device-time order, as plain rows (times in UTC)."""
    return read_all(session, _logger_selection(session, query))


def read_all(session: Session, selection: Selection) -> Iterator[dict[str, object]]:
    """Every reading of `selection`, in reading order, streamed from the database as plain rows."""
    for scan in selection.scans:
        rows = session.exec(_in_range(selection.logger_ids[scan.logger], scan.range)
                            .execution_options(yield_per=5000))
        try:
            for reading in rows:
                yield export_row(scan.logger, reading)
        finally:
            rows.close()


def read_page(session: Session, selection: Selection, *, after: Position | None, limit: int) -> ReadingsPage:
    """At most `limit` readings of `selection` following `after` (from the start when None)."""
    rows: list[dict[str, object]] = []
    for scan in scans_after(selection.scans, after):
        wanted = limit + 1 - len(rows)  # one more than the page says whether another page follows
        statement = _in_range(selection.logger_ids[scan.logger], scan.range).limit(wanted)
        rows.extend(export_row(scan.logger, reading) for reading in session.exec(statement))
        if len(rows) > limit:
            return ReadingsPage(rows[:limit], _position_of(rows[limit - 1]))
    return ReadingsPage(rows, None)


def _position_of(row: dict[str, object]) -> Position:
    time = row["device_time"]
    assert isinstance(time, datetime)
    return Position(str(row["logger"]), time)


def export_row(logger: str, reading: Any) -> dict[str, object]:
    """A reading (a row of READING_COLUMNS) under the names of EXPORT_COLUMNS."""
    return dict(zip(EXPORT_COLUMNS, (logger, *reading), strict=True))


def csv_chunks(rows: Iterable[dict[str, object]]) -> Iterator[str]:
    """Rows as CSV text with the EXPORT_COLUMNS header, times in ISO 8601 (UTC), cells a spreadsheet would
    run as formulas neutralised; in chunks of rows, to stream."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for count, row in enumerate(rows, start=1):
        writer.writerow(safe_row(plain(row[column]) for column in EXPORT_COLUMNS))
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def plain(value: object) -> object:
    """A value as an export writes it: a time in ISO 8601."""
    return value.isoformat() if isinstance(value, datetime) else value


def outside_with_next(session: Session, logger_id: int, window: Window,
                      profile: StorageProfile) -> list[tuple[datetime, float, datetime | None]]:
    """The logger's temperature readings in `window` outside the profile's range, each with the time of its
    next temperature reading (None for the last): what the time each covers needs (core.coverage), the
    pairing done by the database so that a long window's in-range readings never reach Python."""
    following = type_coerce(func.lead(Reading.device_time).over(order_by=Reading.device_time), UTCDateTime)
    in_window = [Reading.logger_id == logger_id, Reading.device_time >= window.start,
                 col(Reading.temperature_c).is_not(None)]
    if window.end is not None:
        in_window.append(Reading.device_time < window.end)
    paired = (select(Reading.device_time.label("time"), Reading.temperature_c.label("temperature_c"),
                     following.label("following")).where(*in_window).subquery())
    outside = [paired.c.temperature_c > profile.max_c] if profile.max_c is not None else []
    outside += [paired.c.temperature_c < profile.min_c] if profile.min_c is not None else []
    rows = session.exec(select(paired.c.time, paired.c.temperature_c, paired.c.following)
                        .where(or_(false(), *outside)).order_by(paired.c.time)).all()
    return [(time, temperature_c, after) for time, temperature_c, after in rows]
