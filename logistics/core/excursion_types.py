"""What the excursion engine takes and gives (SPEC §2.1): a logger's readings in, an `Evaluation` out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import NamedTuple

from logistics.core.profiles import ExcursionKind, ExcursionMode, Severity, StorageProfile

MICROSECOND = timedelta(microseconds=1)  # the engine counts time in whole microseconds


class Sample(NamedTuple):
    """One reading of one logger: a temperature in °C and/or a shock magnitude in g.

    A tuple, so that rows of (time, temperature, shock) from a database can be passed as they are; the
    engine unpacks it by position for that reason (a database row names its fields otherwise).
    """

    time: datetime
    temperature_c: float | None
    shock_g: float | None = None


# A sample's time, by position: the sort key of every evaluation, on samples and database rows alike.
time_of = itemgetter(0)


@dataclass(frozen=True)
class Excursion:
    """A rule that fired."""

    rule: str
    kind: ExcursionKind
    mode: ExcursionMode
    severity: Severity
    start: datetime
    end: datetime | None
    duration_s: float
    peak: float | None


@dataclass(frozen=True)
class Window:
    """A logger's assignment window [start, end) (SPEC §2.1): the time it is answerable for.

    `end` is None while the window is open: it then runs until the evaluation's `live_until` (now).
    """

    start: datetime
    end: datetime | None = None

    def holds(self, time: datetime) -> bool:
        """Whether a reading at `time` is the logger's in this window (an open one takes any after start)."""
        return self.start <= time and (self.end is None or time < self.end)


Span = tuple[datetime, datetime]  # [start, end)


@dataclass(frozen=True)
class Cadence:
    """The nominal interval Δ between readings and the maximum hold H of one reading (SPEC §2.1)."""

    interval: timedelta
    hold: timedelta


@dataclass(frozen=True)
class TimePartition:
    """Covered time in each state, and time without data, in seconds."""

    in_range_s: float
    above_s: float
    below_s: float
    no_data_s: float

    @property
    def total_s(self) -> float:
        """The whole evaluated span: a window's, or from the first reading to the end of the last one's
        coverage."""
        return self.in_range_s + self.above_s + self.below_s + self.no_data_s

    @property
    def out_of_range_s(self) -> float:
        return self.above_s + self.below_s


@dataclass(frozen=True)
class TemperatureStats:
    """Lowest and highest reading, time-weighted mean and mean kinetic temperature, all in °C."""

    min_c: float
    max_c: float
    mean_c: float
    mkt_c: float


@dataclass(frozen=True)
class Evaluation:
    """Everything SPEC §2.1 derives from one logger's readings under one profile.

    `since` is None when the whole window was evaluated. After `resume` it is where the new evaluation
    began: `excursions` then holds the excursions from there on, and the open ones that began before it;
    those that ended before it were found by the evaluations before and have not changed.

    `edge_gaps` are the stretches of a window without data before its first reading and after the last
    one's coverage (the whole window when it has no reading); a file's evaluation has none.
    """

    readings: int
    duplicates: int
    start: datetime | None
    end: datetime | None
    cadence: Cadence
    partition: TimePartition
    stats: TemperatureStats | None
    excursions: tuple[Excursion, ...]
    since: datetime | None = None
    edge_gaps: tuple[Span, ...] = ()
    outside_c: tuple[tuple[float, float], ...] = ()  # (°C, seconds covered) per temperature out of range

    @property
    def alarm(self) -> bool:
        """Whether any excursion of any kind was found."""
        return bool(self.excursions)


@dataclass(frozen=True)
class LoggerSummary:
    """One logger of a shipment judged under one storage profile of its goods."""

    logger: str
    profile: StorageProfile
    evaluation: Evaluation
    window: Window  # what it answers for in the shipment, and was judged over

    @property
    def unjudged(self) -> tuple[ExcursionKind, ...]:
        """The sides of the range (above, below) where the logger spent time that no rule of the profile
        watches: that time is counted, but it can never make an excursion (the frozen profile has no rule
        below its range, so goods on dry ice at −75 °C are "below" without any excursion)."""
        partition = self.evaluation.partition
        spent = {ExcursionKind.ABOVE: partition.above_s, ExcursionKind.BELOW: partition.below_s}
        watched = {rule.kind for rule in self.profile.rules}
        return tuple(kind for kind, seconds in spent.items() if seconds > 0 and kind not in watched)
