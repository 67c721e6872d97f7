"""Chart series of loggers: rollups kept up to date from new readings, and read back for a window.

The rollup job reads readings past its cursor in the order of their positions (cost follows new
readings, late ones included; see logistics.db.reading_order) and merges them into the buckets of
every level. A chart reads the buckets of the finest level that
fits its window, plus the readings not rolled up yet, so what it shows is never behind the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from logistics.core.excursion_types import LoggerSummary
from logistics.core.profiles import ExcursionKind, StorageProfile
from logistics.core.series import (
    LEVELS_S,
    Bucket,
    Chart,
    Series,
    bucket_start,
    envelope,
    level_for,
    merged_spans,
    summarise,
)
from logistics.db.models import (
    ExcursionRecord,
    Logger,
    LoggerAssignment,
    Reading,
    ReadingRollup,
    RollupCursor,
    Shipment,
)
from logistics.db.reading_order import START, in_order, open_feed, past, row_position
from logistics.db.types import driver_time
from logistics.services.excursions import earliest_unscanned, logger_window, profiles_in, window_evaluation

ROLLUP_BATCH = 20_000  # readings per transaction
CHART_BUCKETS = 800  # buckets per chart: four points each at most, about a point per pixel
_SUMMARY = [item.name for item in fields(Bucket) if item.name != "start"]
_SUMMARY_TIMES = [index for index, name in enumerate(_SUMMARY) if name.endswith("_at")]


def roll_up(session: Session, *, batch: int = ROLLUP_BATCH) -> int:
    """Fold the next `batch` new readings into the rollups; how many were folded (0: up to date).
    Call it first in its transaction: the watermark is read before anything is written."""
    feed = open_feed(session)
    cursor = session.get(RollupCursor, 1) or RollupCursor(id=1, last_reading_id=START.reading_id,
                                                          last_xid=START.xid)
    rows = session.exec(
        select(Reading.id, Reading.xid, Reading.logger_id, Reading.device_time, Reading.temperature_c,
               Reading.shock_g)
        .where(past(feed, cursor.last_xid, cursor.last_reading_id)).order_by(*in_order(feed))
        .limit(batch)).all()
    if not rows:
        return 0
    by_logger: dict[int, list[tuple[datetime, float | None, float | None]]] = {}
    for _, _, logger_id, time, temperature, shock in rows:
        by_logger.setdefault(logger_id, []).append((time, temperature, shock))
    for logger_id, readings in by_logger.items():
        for level in LEVELS_S:
            _merge_into_store(session, logger_id, level, summarise(readings, level))
    last = row_position(feed, rows[-1][1], rows[-1][0])
    cursor.last_xid, cursor.last_reading_id = last.xid, last.reading_id
    session.add(cursor)
    return len(rows)


def _merge_into_store(session: Session, logger_id: int, level: int, buckets: dict[datetime, Bucket]) -> None:
    stored = {row.bucket: row for row in session.exec(select(ReadingRollup).where(
        ReadingRollup.logger_id == logger_id, ReadingRollup.level_s == level,
        col(ReadingRollup.bucket).in_(list(buckets))))}
    new = []
    for start, bucket in buckets.items():
        row = stored.get(start)
        if row is None:
            new.append(bucket)
            continue
        merged = _bucket_of(row)
        merged.merge(bucket)
        for name in _SUMMARY:
            setattr(row, name, getattr(merged, name))
    if new:
        _insert_buckets(session, logger_id, level, new)


def _insert_buckets(session: Session, logger_id: int, level: int, buckets: list[Bucket]) -> None:
    """New buckets straight to the driver: a long backlog (a first run over months of history) makes
    hundreds of thousands, and SQLAlchemy's per-object and per-value work would cost the most."""
    connection = session.connection()
    dialect = connection.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = ["logger_id", "level_s", "bucket", *_SUMMARY]
    to_driver, summary, seen = driver_time(dialect), attrgetter(*_SUMMARY), {}

    def as_time(moment: datetime | None) -> Any:  # the same reading times recur at every level
        if moment not in seen:
            seen[moment] = to_driver(moment)
        return seen[moment]

    rows = []
    for bucket in buckets:
        values = list(summary(bucket))
        for index in _SUMMARY_TIMES:
            values[index] = as_time(values[index])
        rows.append((logger_id, level, as_time(bucket.start), *values))
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO reading_rollups ({', '.join(columns)}) "
                           f"VALUES ({', '.join([marker] * len(columns))})", rows)
    finally:
        cursor.close()


def _bucket_of(row: ReadingRollup) -> Bucket:
    return Bucket(row.bucket, **{name: getattr(row, name) for name in _SUMMARY})


def series(session: Session, logger_id: int, start: datetime, end: datetime, *,
           max_buckets: int = CHART_BUCKETS) -> Series:
    """The logger's readings in [start, end) as chart points: a few per bucket, every extreme kept.

    Whole buckets come from the rollups, with the readings not rolled up yet merged in. The window cuts
    the buckets at its two ends: those are summarised from the finer levels' whole buckets inside them,
    down to the readings of the last partial minute, so the points are exactly those of the readings
    in the window at a cost that does not grow with their number.
    """
    level = level_for(end - start, max_buckets)
    tail = list(_not_rolled_up(session, logger_id, start, end))
    inner_start, inner_end = _ceil(start, level), bucket_start(end, level)
    buckets = _stored(session, logger_id, level, inner_start, inner_end, tail)
    for low, high in ((start, min(inner_start, end)), (max(inner_end, inner_start, start), end)):
        if low < high:
            edge = _span(session, logger_id, low, high, LEVELS_S.index(level) - 1, tail)
            edge.start = bucket_start(low, level)
            if edge.start in buckets:
                buckets[edge.start].merge(edge)
            else:
                buckets[edge.start] = edge
    ordered = sorted(buckets.values(), key=_start)
    return Series(level_s=level, points=envelope(ordered),
                  shocks=[(bucket.start, bucket.max_shock_g) for bucket in ordered
                          if bucket.max_shock_g is not None])


def _stored(session: Session, logger_id: int, level: int, start: datetime, end: datetime,
            tail: Sequence[tuple[datetime, float | None, float | None]]) -> dict[datetime, Bucket]:
    """The whole buckets of `level` in [start, end): rolled up, and the tail's readings in them."""
    if start >= end:
        return {}
    buckets = {row.bucket: _bucket_of(row) for row in session.exec(select(ReadingRollup).where(
        ReadingRollup.logger_id == logger_id, ReadingRollup.level_s == level,
        col(ReadingRollup.bucket) >= start, col(ReadingRollup.bucket) < end))}
    late = [reading for reading in tail if start <= reading[0] < end]
    for at, bucket in summarise(late, level).items():
        if at in buckets:
            buckets[at].merge(bucket)
        else:
            buckets[at] = bucket
    return buckets


def _span(session: Session, logger_id: int, start: datetime, end: datetime, finer: int,
          tail: Sequence[tuple[datetime, float | None, float | None]]) -> Bucket:
    """One summary of the readings in [start, end): whole buckets of the coarsest finer level that
    fits, then the same for what is left at either side, down to the readings themselves."""
    summary = Bucket(start)
    if finer < 0:
        for time, temperature, shock in _readings(session, logger_id, start, end):
            summary.add(time, temperature, shock)
        return summary
    level = LEVELS_S[finer]
    inner_start, inner_end = _ceil(start, level), bucket_start(end, level)
    if inner_start >= inner_end:
        return _span(session, logger_id, start, end, finer - 1, tail)
    for bucket in _stored(session, logger_id, level, inner_start, inner_end, tail).values():
        summary.merge(bucket)
    for low, high in ((start, inner_start), (inner_end, end)):
        if low < high:
            summary.merge(_span(session, logger_id, low, high, finer - 1, tail))
    return summary


def _readings(session: Session, logger_id: int, start: datetime,
              end: datetime) -> Sequence[tuple[datetime, float | None, float | None]]:
    return session.exec(select(Reading.device_time, Reading.temperature_c, Reading.shock_g).where(
        Reading.logger_id == logger_id, col(Reading.device_time) >= start,
        col(Reading.device_time) < end)).all()


def _ceil(moment: datetime, level: int) -> datetime:
    floor = bucket_start(moment, level)
    return floor if floor == moment else floor + timedelta(seconds=level)


def _start(bucket: Bucket) -> datetime:
    return bucket.start


def _not_rolled_up(session: Session, logger_id: int, start: datetime,
                   end: datetime) -> Sequence[tuple[datetime, float | None, float | None]]:
    cursor = session.get(RollupCursor, 1)
    query = select(Reading.device_time, Reading.temperature_c, Reading.shock_g).where(
        col(Reading.device_time) >= start, col(Reading.device_time) < end)
    if cursor is None:  # nothing rolled up yet: every reading of the logger
        return session.exec(query.where(Reading.logger_id == logger_id)).all()
    # Every visible reading past the cursor, whatever the watermark: a chart shows what is committed.
    # "+ 0": find the few readings past the cursor by position, not by logger (its whole history).
    visible = open_feed(session, settled=False)
    return session.exec(query.where(past(visible, cursor.last_xid, cursor.last_reading_id),
                                    col(Reading.logger_id) + 0 == logger_id)).all()


def shipment_charts(session: Session, shipment: Shipment, profiles: dict[str, StorageProfile], *,
                    now: datetime, start: datetime | None = None, end: datetime | None = None,
                    judged_by: StorageProfile | None = None) -> list[Chart]:
    """A chart per logger assigned to the shipment, over its time there (or [start, end) within it). The
    band is the narrowest range of the goods carried, or the range of `judged_by` when given (one lot's)."""
    ranges = [judged_by] if judged_by else [profiles[name] for name in profiles_in(session, shipment)
                                            if name in profiles]
    rows = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id).order_by(col(Logger.code))).all()
    charts = []
    for assignment, code in rows:
        window = logger_window(assignment, shipment)
        window_start = max(window.start, start or window.start)
        window_end = min(window.end or now, end or now)
        if window_end <= window_start:
            continue
        marks = session.exec(select(ExcursionRecord).where(
            ExcursionRecord.shipment_id == shipment.id, ExcursionRecord.logger_id == assignment.logger_id,
            ExcursionRecord.status != "withdrawn", ExcursionRecord.mode != "cumulative")).all()
        charts.append(logger_chart(session, assignment.logger_id, code, window_start, window_end,
                                   ranges=ranges, marks=marks,
                                   gaps=_gaps_found(session, assignment, shipment, ranges, now)))
    return charts


def watch_chart(session: Session, zone_id: int, logger_id: int, summary: LoggerSummary, *, now: datetime,
                start: datetime | None = None, end: datetime | None = None) -> Chart | None:
    """The chart of a storage zone's logger over the window of its `summary` (a storage piece, judged by
    one lot's profile), or [start, end) within it; None while the window has not begun."""
    window = summary.window
    chart_start = max(window.start, start or window.start)
    chart_end = min(window.end or now, end or now)
    if chart_end <= chart_start:
        return None
    marks = session.exec(select(ExcursionRecord).where(
        ExcursionRecord.storage_zone_id == zone_id, ExcursionRecord.logger_id == logger_id,
        ExcursionRecord.status != "withdrawn", ExcursionRecord.mode != "cumulative",
        col(ExcursionRecord.start) < chart_end,
        or_(col(ExcursionRecord.end).is_(None), col(ExcursionRecord.end) > chart_start))).all()
    evaluation = summary.evaluation
    gaps = [*evaluation.edge_gaps, *((gap.start, gap.end) for gap in evaluation.excursions
                                     if gap.kind == ExcursionKind.NO_DATA and gap.end is not None)]
    return logger_chart(session, logger_id, summary.logger, chart_start, chart_end, ranges=[summary.profile],
                        marks=marks, gaps=gaps)


def logger_chart(session: Session, logger_id: int, code: str, start: datetime, end: datetime, *,
                 ranges: list[StorageProfile], marks: Sequence[ExcursionRecord],
                 gaps: Sequence[tuple[datetime, datetime]]) -> Chart:
    """One logger's chart over [start, end): its readings, the band of `ranges`, the excursions `marks`,
    and the time without data (gaps recorded among the marks and `gaps` found)."""
    low, high = _narrowest(ranges)
    recorded_gaps = [(mark.start, mark.end) for mark in marks
                     if mark.kind == ExcursionKind.NO_DATA and mark.end is not None]
    return Chart(logger=code, start=start, end=end, low_c=low, high_c=high,
                 series=series(session, logger_id, start, end),
                 marks=[(mark.kind, mark.severity, mark.start, mark.end, mark.peak) for mark in marks],
                 no_data=merged_spans([*recorded_gaps, *gaps], start, end))


def _gaps_found(session: Session, assignment: LoggerAssignment, shipment: Shipment,
                judged_by: list[StorageProfile], now: datetime) -> list[tuple[datetime, datetime]]:
    """The window's time without data as each profile judges it now: its edges (before the first
    reading, after the last one's coverage) and the gaps between readings no scan has recorded yet."""
    earliest = earliest_unscanned(session, assignment.logger_id)
    found: list[tuple[datetime, datetime]] = []
    for profile in judged_by:
        evaluation = window_evaluation(session, assignment, shipment, profile, now, earliest, keep=False)
        found += evaluation.edge_gaps
        found += [(gap.start, gap.end) for gap in evaluation.excursions
                  if gap.kind == ExcursionKind.NO_DATA and gap.end is not None]
    return found


def _narrowest(ranges: list[StorageProfile]) -> tuple[float | None, float | None]:
    """The range every profile allows. When they share none (dry ice beside frozen kits), the range every
    profile's rules allow (frozen kits have no rule below theirs: ≤ −60 °C); when even that is empty,
    none: a band drawn upside down would show a range nothing is kept in."""
    for limits in ([(p.min_c, p.max_c) for p in ranges], [p.watched_range for p in ranges]):
        lows = [low for low, _ in limits if low is not None]
        highs = [high for _, high in limits if high is not None]
        low, high = (max(lows) if lows else None), (min(highs) if highs else None)
        if low is None or high is None or low <= high:
            return low, high
    return None, None
