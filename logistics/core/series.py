"""Temperature series for charts: readings summarised in time buckets that keep what a chart must show.

Each bucket keeps its first, last, lowest and highest reading with their times (the M4 summary): drawing
those four points per pixel column gives the same picture as drawing every reading, so a logger with a
million readings draws from a few thousand points, and no peak is ever smoothed away. Buckets merge
(`Bucket.merge`), so they can be kept up to date as readings arrive, late ones included.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# Bucket widths kept, in seconds: a chart uses the finest whose buckets over its span fit its points.
LEVELS_S = (60, 600, 3600, 21600)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Bucket:
    """The readings of one logger in [start, start + level): how many, and the four that matter."""

    start: datetime
    count: int = 0  # readings with a temperature
    first_at: datetime | None = None
    first_c: float | None = None
    last_at: datetime | None = None
    last_c: float | None = None
    min_at: datetime | None = None
    min_c: float | None = None
    max_at: datetime | None = None
    max_c: float | None = None
    max_shock_g: float | None = None

    def add(self, time: datetime, temperature_c: float | None, shock_g: float | None) -> None:
        if shock_g is not None and (self.max_shock_g is None or shock_g > self.max_shock_g):
            self.max_shock_g = shock_g
        if temperature_c is not None:
            self.count += 1
            self._note(time, temperature_c)

    def merge(self, other: Bucket) -> None:
        """Fold in another summary of the same bucket (readings that arrived later)."""
        for time, value in ((other.first_at, other.first_c), (other.last_at, other.last_c),
                            (other.min_at, other.min_c), (other.max_at, other.max_c)):
            if time is not None and value is not None:
                self._note(time, value)  # a summary's four points stand for all its readings
        self.count += other.count
        if other.max_shock_g is not None:
            self.add(other.start, None, other.max_shock_g)

    def _note(self, time: datetime, temperature_c: float) -> None:
        if self.first_at is None or time < self.first_at:
            self.first_at, self.first_c = time, temperature_c
        if self.last_at is None or time > self.last_at:
            self.last_at, self.last_c = time, temperature_c
        # Ties go to the earlier reading, so the summary does not depend on the order readings came in.
        if self.min_c is None or (temperature_c, time) < (self.min_c, self.min_at or time):
            self.min_at, self.min_c = time, temperature_c
        if self.max_c is None or (-temperature_c, time) < (-self.max_c, self.max_at or time):
            self.max_at, self.max_c = time, temperature_c

    def points(self) -> list[tuple[datetime, float]]:
        """The bucket's first, lowest, highest and last readings, in time order, each once."""
        found = {(time, value) for time, value in ((self.first_at, self.first_c), (self.min_at, self.min_c),
                                                   (self.max_at, self.max_c), (self.last_at, self.last_c))
                 if time is not None and value is not None}
        return sorted(found)


def bucket_start(time: datetime, level_s: int) -> datetime:
    """The start of the `level_s`-second bucket holding `time` (buckets aligned on the Unix epoch)."""
    seconds = math.floor(time.timestamp())  # the same as (time - EPOCH) // 1 s, and quicker
    return datetime.fromtimestamp(seconds - seconds % level_s, UTC)


def summarise(readings: Iterable[tuple[datetime, float | None, float | None]],
              level_s: int) -> dict[datetime, Bucket]:
    """Readings (time, °C, g) into buckets of `level_s` seconds, keyed by their start."""
    buckets: dict[datetime, Bucket] = {}
    for time, temperature, shock in readings:
        start = bucket_start(time, level_s)
        bucket = buckets.get(start)
        if bucket is None:
            bucket = buckets[start] = Bucket(start)
        bucket.add(time, temperature, shock)
    return buckets


def level_for(span: timedelta, max_buckets: int) -> int:
    """The finest level with at most `max_buckets` buckets over `span` (the coarsest if none has)."""
    for level in LEVELS_S:
        if span / timedelta(seconds=level) <= max_buckets:
            return level
    return LEVELS_S[-1]


def envelope(buckets: Iterable[Bucket]) -> list[tuple[datetime, float]]:
    """The points to draw, in time order: each bucket's first, lowest, highest and last reading."""
    return [point for bucket in sorted(buckets, key=lambda bucket: bucket.start) for point in bucket.points()]


@dataclass(frozen=True)
class Series:
    """What a chart draws of one logger over a window, from buckets of `level_s` seconds."""

    level_s: int
    points: list[tuple[datetime, float]]
    shocks: list[tuple[datetime, float]]  # the strongest shock in each bucket that had one


@dataclass(frozen=True)
class Chart:
    """One logger's chart on a shipment page: its series, the storage range and what was found."""

    logger: str
    start: datetime
    end: datetime
    low_c: float | None  # the narrowest range of the goods carried
    high_c: float | None
    series: Series
    marks: list[tuple[str, str, datetime, datetime | None, float | None]]  # excursions: kind, severity,
    # start, end, peak
    no_data: list[tuple[datetime, datetime]] = field(default_factory=list)  # [start, end), in time order:
    # the window's time no reading covers (SPEC §2.1), its edges included

    def as_json(self) -> dict[str, object]:
        """What the page's script draws: times as Unix milliseconds."""
        def ms(moment: datetime | None) -> int | None:
            return None if moment is None else int(moment.timestamp() * 1000)
        return {"logger": self.logger, "start": ms(self.start), "end": ms(self.end), "low": self.low_c,
                "high": self.high_c, "level_s": self.series.level_s,
                "points": [[ms(time), value] for time, value in self.series.points],
                "shocks": [[ms(time), value] for time, value in self.series.shocks],
                "marks": [[kind, severity, ms(start), ms(end), peak]
                          for kind, severity, start, end, peak in self.marks],
                "no_data": [[ms(start), ms(end)] for start, end in self.no_data]}


def merged_spans(spans: Iterable[tuple[datetime, datetime]], start: datetime,
                 end: datetime) -> list[tuple[datetime, datetime]]:
    """The spans cut to [start, end), overlapping or touching ones joined, in time order."""
    merged: list[tuple[datetime, datetime]] = []
    for low, high in sorted((max(low, start), min(high, end)) for low, high in spans):
        if low >= high:
            continue
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged
