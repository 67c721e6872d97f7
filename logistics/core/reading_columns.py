"""A logger's readings as columns (SPEC §2.1): times in whole microseconds since the Unix epoch, °C and g.

A year of one-minute readings is half a million of them, and the excursion engine reads most of them only
to add them up. As arrays it adds them in bulk, and looks at one reading at a time only where something
happens (a reading out of range, a gap). Missing values are NaN: no valid temperature or shock is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from logistics.core.excursion_types import MICROSECOND, Sample

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# datetime.timestamp() is exact to the microsecond while |seconds| < 2**32 (up to the year 2106): its
# quotient and the product by 10⁶ each err by under a quarter of a microsecond there.
_EXACT_SECONDS = 2.0**32

Times = NDArray[np.int64]
Values = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ReadingColumns:
    """Readings as arrays, in the order given; `rows`, when given, are the samples they were made from,
    whose times (and their time zones) are handed back unchanged."""

    times_us: Times
    temperatures_c: Values
    shocks_g: Values
    rows: Sequence[Sample] | None = None

    def __len__(self) -> int:
        return len(self.times_us)

    def time_at(self, index: int) -> datetime:
        """The time of reading `index`, as given (or in UTC when made from arrays)."""
        if self.rows is not None:
            moment: datetime = self.rows[index][0]
            return moment
        return moment_of(int(self.times_us[index]))

    def take(self, indices: NDArray[np.intp]) -> ReadingColumns:
        """The readings at `indices`, in that order."""
        rows = None if self.rows is None else [self.rows[index] for index in indices.tolist()]
        return ReadingColumns(self.times_us[indices], self.temperatures_c[indices], self.shocks_g[indices],
                              rows)

    def samples(self) -> list[Sample]:
        """The readings as samples, times in UTC (or as given)."""
        if self.rows is not None:
            return [Sample(*row) for row in self.rows]
        naive = self.times_us.astype("datetime64[us]").tolist()
        return [Sample(moment.replace(tzinfo=UTC), _value(temperature), _value(shock))
                for moment, temperature, shock in zip(naive, self.temperatures_c.tolist(),
                                                      self.shocks_g.tolist(), strict=True)]

    @classmethod
    def from_samples(cls, samples: Sequence[Sample]) -> ReadingColumns | None:
        """`samples` as columns; None when their times are not all aware and within the exact range."""
        times = [row[0] for row in samples]
        if not times or times[0].tzinfo is None or times[-1].tzinfo is None:
            return None
        seconds = np.array([moment.timestamp() for moment in times], dtype=np.float64)
        if not np.all(np.abs(seconds) < _EXACT_SECONDS):
            return None
        return cls(times_us=np.rint(seconds * 1e6).astype(np.int64),
                   temperatures_c=np.array([row[1] for row in samples], dtype=np.float64),
                   shocks_g=np.array([row[2] for row in samples], dtype=np.float64), rows=samples)


def _value(number: float) -> float | None:
    return None if number != number else number  # NaN stands for no value


def moment_of(microseconds: int) -> datetime:
    """The UTC time `microseconds` after the Unix epoch."""
    return EPOCH + timedelta(microseconds=microseconds)


def microseconds_of(moment: datetime) -> int:
    """Whole microseconds since the Unix epoch."""
    return (moment - EPOCH) // MICROSECOND


def unique_in_time_order(columns: ReadingColumns) -> tuple[ReadingColumns, int]:
    """As `excursions.unique_in_time_order`: sorted by time (stably), repeated times dropped (the first
    given kept), and how many were."""
    order = np.argsort(columns.times_us, kind="stable")
    ordered = columns.times_us[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    kept = order[first]
    return columns.take(kept), len(order) - len(kept)


def within(columns: ReadingColumns, span: tuple[datetime, datetime | None]) -> ReadingColumns:
    """The readings in [start, end) (end None: any after start)."""
    start, end = span
    inside = columns.times_us >= microseconds_of(start)
    if end is not None:
        inside &= columns.times_us < microseconds_of(end)
    return columns if inside.all() else columns.take(np.flatnonzero(inside))


def median_difference_us(times_us: Times) -> int:
    """The median difference between consecutive (sorted, distinct) times, rounded down; 0 under two."""
    differences = np.diff(times_us)
    count = len(differences)
    if count == 0:
        return 0
    ordered = np.sort(differences, kind="stable")  # quick on the long runs of equal steps loggers make
    middle = count // 2
    if count % 2:
        return int(ordered[middle])
    return (int(ordered[middle - 1]) + int(ordered[middle])) // 2


def interval_counts(times_us: Times, interval_us: int) -> tuple[int, int, int]:
    """How many differences between consecutive `times_us` fall below, on and above `interval_us`."""
    differences = np.diff(times_us)
    below = int(np.count_nonzero(differences < interval_us))
    equal = int(np.count_nonzero(differences == interval_us))
    return below, equal, len(differences) - below - equal

