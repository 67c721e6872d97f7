"""The excursion engine: one logger's readings judged by one storage profile, exactly as SPEC §2.1 says.

Pure and deterministic: no clock (a live evaluation is given its `live_until`), no I/O. The same readings
give the same `Evaluation` whatever order they arrive in, and evaluating twice gives the same result.

The readings are folded one at a time, in time order, into a `Progress`: the time partition, the running
means, the runs still open and the cumulative totals. An evaluation returns the progress made up to its
last temperature reading, and `resume` carries it on with only the readings from that one on: the same
result as evaluating the whole window again, at the cost of the new readings. When the new readings would
change Δ (the median interval), `resume` declines and the whole window must be evaluated.

Choices where SPEC §2.1 leaves room, fixed here:

- Readings are sorted by time (a stable sort) and a reading whose time equals an earlier one's is dropped,
  so the first of them *in the order given* is kept. This applies to every reading, with or without a
  temperature. Arrival order therefore matters only between readings with the same time.
- A reading without a temperature (shock-only) is not part of the temperature timeline at all: it takes no
  part in Δ, H, coverage, the time partition, runs, gaps or the statistics, and it neither ends a run nor
  fills a gap. It still raises a shock event when its shock is at or over the threshold.
- Time is counted in whole microseconds (the resolution of `datetime`), so sums and comparisons with a
  rule's delay are exact. When the median difference falls between two microseconds it is rounded down.
- In a live evaluation the last reading covers until min(live_until, tₙ + H), never less than nothing.
  A run that still includes the last reading has no end: nothing yet says it is over. No trailing no-data
  excursion is made after tₙ + H (a silent logger is another check's business, and a flight-mode logger is
  expected to backfill that stretch).
- Each cumulative rule fires at most once per evaluation. Its excursion starts at the moment the budget
  was reached, has no end, and carries the total time beyond its threshold in the window as `duration_s`
  and the most extreme temperature beyond the threshold as `peak`. A budget of 0 minutes is reached at the
  first reading beyond the threshold.
- Rule names: temperature excursions carry the profile rule's name; no-data gaps are named `no_data_gap`
  (kind `no_data`, mode `gap`, severity `profile.gap_severity`, no peak); shock events are named
  `shock_<threshold>g` with the threshold in `%g` form, e.g. `shock_10g` or `shock_2.5g` (kind `shock`,
  mode `event`, severity `major`, duration 0, peak = the magnitude in g).
- Statistics: min and max are over every temperature reading; the mean and MKT are weighted by covered
  time. When no reading covers any time (a lone reading), every reading weighs the same.
- Excursions are listed by start, then kind, then rule name.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from operator import itemgetter
from typing import Any, NamedTuple

from logistics.core.mkt import RunningMeans
from logistics.core.profiles import ExcursionKind, ExcursionMode, Rule, Severity, StorageProfile

GAP_RULE_NAME = "no_data_gap"
SHOCK_SEVERITY = Severity.MAJOR  # SPEC §2: a shock is an event of severity major
_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_SECOND = 1_000_000


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


class RangeState(StrEnum):
    """Where a temperature lies against the profile's range (limits inclusive)."""

    IN_RANGE = "in_range"
    ABOVE = "above"
    BELOW = "below"


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
        """The whole evaluated span: from the first reading to the end of the last one's coverage."""
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

    @property
    def alarm(self) -> bool:
        """Whether any excursion of any kind was found."""
        return bool(self.excursions)


class Intervals(NamedTuple):
    """How many differences between consecutive readings fall below, on and above Δ."""

    below: int
    equal: int
    above: int


@dataclass
class _OpenRun:
    """Consecutive readings beyond a single-event rule's threshold, so far."""

    start: datetime
    end: datetime  # the end of its last reading's coverage
    covered_us: int
    peak: float


@dataclass
class _Budget:
    """A cumulative rule's time beyond its threshold, so far."""

    total_us: int = 0
    reached: datetime | None = None
    peak: float | None = None


@dataclass
class Progress:
    """An evaluation folded up to (not including) the temperature reading at `resume_at`.

    That reading is left out because its coverage depends on the reading after it; the next evaluation
    starts by reading it again. Stored between scans as JSON (`to_json`, `from_json`).
    """

    profile_key: str
    interval_us: int
    hold_us: int
    intervals: Intervals
    resume_at: datetime | None = None
    first: datetime | None = None  # the first temperature reading
    readings: int = 0  # readings before resume_at, with or without a temperature
    covered_us: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RangeState, 0))
    no_data_us: int = 0
    lowest: float | None = None
    highest: float | None = None
    weighted: RunningMeans | None = None
    counted: RunningMeans | None = None  # the same, every reading weighing one (when none covers time)
    runs: dict[str, _OpenRun] = field(default_factory=dict)
    budgets: dict[str, _Budget] = field(default_factory=dict)

    @property
    def cadence(self) -> Cadence:
        return Cadence(self.interval_us * _MICROSECOND, self.hold_us * _MICROSECOND)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default)

    @classmethod
    def from_json(cls, text: str) -> Progress:
        data = json.loads(text)
        times = {name: _time(data[name]) for name in ("resume_at", "first")}
        return cls(**{**data, **times, "intervals": Intervals(*data["intervals"]),
                      "weighted": _means(data["weighted"]), "counted": _means(data["counted"]),
                      "runs": {name: _OpenRun(_time(run["start"]), _time(run["end"]), run["covered_us"],
                                              run["peak"]) for name, run in data["runs"].items()},
                      "budgets": {name: _Budget(budget["total_us"], _time(budget["reached"]), budget["peak"])
                                  for name, budget in data["budgets"].items()}})


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {value!r}")


def _time(text: str | None) -> Any:
    return datetime.fromisoformat(text) if text is not None else None


def _means(data: dict[str, float] | None) -> RunningMeans | None:
    return RunningMeans(**data) if data is not None else None


def profile_key(profile: StorageProfile) -> str:
    """Identifies a profile's rules exactly: progress made under other rules cannot be carried on."""
    return f"{profile.name}:{profile.version}:" + hashlib.sha256(repr(profile).encode()).hexdigest()[:16]


def evaluate(samples: Iterable[Sample], profile: StorageProfile, *, live_until: datetime | None = None,
             cadence: Cadence | None = None) -> Evaluation:
    """Judge one logger's readings by `profile`; `live_until` (now) for a shipment still travelling."""
    evaluation, _ = evaluate_with_progress(samples, profile, live_until=live_until, cadence=cadence)
    return evaluation


def evaluate_with_progress(samples: Iterable[Sample], profile: StorageProfile, *,
                           live_until: datetime | None = None,
                           cadence: Cadence | None = None) -> tuple[Evaluation, Progress]:
    """`evaluate`, and the progress to `resume` from when more readings come."""
    unique, duplicates = unique_in_time_order(samples)
    times = _temperature_times(unique)
    if cadence is None:
        cadence = cadence_of(times, profile)
    interval_us = cadence.interval // _MICROSECOND
    progress = Progress(profile_key=profile_key(profile), interval_us=interval_us,
                        hold_us=cadence.hold // _MICROSECOND, intervals=_intervals(times, interval_us))
    return _Fold(progress, profile, since=None).run(unique, duplicates, live_until)


def resume(progress: Progress, later: Iterable[Sample], profile: StorageProfile, *,
           live_until: datetime | None = None) -> tuple[Evaluation, Progress] | None:
    """Carry `progress` on with the readings from its `resume_at` on (that reading included).

    None when that cannot give what evaluating the whole window would: another profile, a reading
    before `resume_at`, the reading at `resume_at` missing, or the new readings changing Δ.
    """
    if progress.profile_key != profile_key(profile):
        return None
    unique, duplicates = unique_in_time_order(later)
    times = _temperature_times(unique)
    if progress.resume_at is not None:
        if not times or times[0] != progress.resume_at or time_of(unique[0]) < progress.resume_at:
            return None
    elif progress.readings:
        return None  # it saw shock-only readings, which `later` may or may not repeat
    new = _intervals(times, progress.interval_us)
    earlier = progress.intervals
    counts = Intervals(earlier.below + new.below, earlier.equal + new.equal, earlier.above + new.above)
    if not _median_is(counts, progress.interval_us):
        return None
    carried = Progress.from_json(progress.to_json())  # a copy: the caller's stays as it was
    carried.intervals = counts
    return _Fold(carried, profile, since=progress.resume_at).run(unique, duplicates, live_until)


def unique_in_time_order(samples: Iterable[Sample]) -> tuple[list[Sample], int]:
    """The samples sorted by time with repeated times dropped (first given kept), and how many were."""
    ordered = sorted(samples, key=time_of)  # stable: equal times keep the order given
    times = list(map(time_of, ordered))
    earlier = [None, *times]  # the time before each one (and an unused last)
    unique = [sample for sample, time, previous in zip(ordered, times, earlier, strict=False)
              if time != previous]
    return unique, len(ordered) - len(unique)


def _temperature_times(samples: Iterable[Sample]) -> list[datetime]:
    return [time for time, temperature_c, _ in samples if temperature_c is not None]


def cadence_of(times: Sequence[datetime], profile: StorageProfile) -> Cadence:
    """Δ = median difference of sorted, distinct `times` (0 under two), H = the profile's hold or 2·Δ."""
    differences = sorted(later - earlier for earlier, later in pairwise(times))
    middle = len(differences) // 2
    if not differences:
        interval = timedelta(0)
    elif len(differences) % 2:
        interval = differences[middle]
    else:
        interval = (differences[middle - 1] + differences[middle]) // 2
    if profile.max_hold_minutes is None:
        return Cadence(interval=interval, hold=2 * interval)
    return Cadence(interval=interval, hold=timedelta(minutes=profile.max_hold_minutes))


def _intervals(times: Sequence[datetime], interval_us: int) -> Intervals:
    """How many differences between consecutive `times` fall below, on and above Δ."""
    interval = interval_us * _MICROSECOND
    below = equal = 0
    for earlier, later in pairwise(times):
        difference = later - earlier
        if difference < interval:
            below += 1
        elif difference == interval:
            equal += 1
    return Intervals(below, equal, max(len(times) - 1, 0) - below - equal)


def _median_is(counts: Intervals, interval_us: int) -> bool:
    """Whether the median of differences counted this way is certainly Δ (both middles on it)."""
    below, equal, above = counts
    total = below + equal + above
    if total == 0:
        return interval_us == 0
    low_middle, high_middle = (total - 1) // 2, total // 2
    return below <= low_middle and high_middle < below + equal


def shock_rule_name(threshold_g: float) -> str:
    """The rule name shock events carry, e.g. `shock_10g`."""
    return f"shock_{threshold_g:g}g"


class _Fold:
    """Folds readings in time order into a `Progress`, collecting the excursions that close."""

    def __init__(self, progress: Progress, profile: StorageProfile, since: datetime | None) -> None:
        self.progress, self.profile, self.since = progress, profile, since
        self.found: list[Excursion] = []
        timed = [(rule, _minutes_us(rule.minutes)) for rule in profile.rules]
        budgeted = ExcursionMode.CUMULATIVE
        self.single = [(rule, minutes) for rule, minutes in timed if rule.mode != budgeted]
        self.cumulative = [(rule, minutes) for rule, minutes in timed if rule.mode == budgeted]
        if progress.weighted is None:
            progress.weighted = RunningMeans.for_energy(profile.activation_energy_kj)
            progress.counted = RunningMeans.for_energy(profile.activation_energy_kj)
        # Folded readings wait here to be added to the lowest, highest and weighted means in one go.
        self.temperatures: list[float] = []
        self.weights: list[int] = []  # the time each covers
        self.covering = not progress.weighted.empty  # whether any reading covers time yet

    def run(self, unique: Sequence[Sample], duplicates: int,
            live_until: datetime | None) -> tuple[Evaluation, Progress]:
        points = [(time, temperature_c) for time, temperature_c, _ in unique if temperature_c is not None]
        self._shock_events(unique)
        progress = self.progress
        self._fold_all_but_last(points)
        if points:
            (first_time, _), (last_time, _) = points[0], points[-1]
            progress.first = progress.first or first_time
            progress.resume_at = last_time
            before_last = sum(1 for time, _, _ in unique if time < last_time)
            progress.readings += before_last
            checkpoint = Progress.from_json(progress.to_json())
            evaluation = self._finish(points[-1], len(unique) - before_last, duplicates, live_until)
            return evaluation, checkpoint
        progress.readings += len(unique)
        return self._evaluation(0, duplicates, end=None), progress

    def _fold_all_but_last(self, points: Sequence[tuple[datetime, float]]) -> None:
        """`_fold` each reading but the last (whose coverage depends on what follows it).

        Most readings lie within the range with no run open and no gap after them: such a quiet reading
        adds only its time to the time in range, and itself to the readings waiting to be weighed, as
        `_fold` adds every reading. This is the hot loop of every evaluation, so quiet readings skip
        `_fold`; both paths keep the readings in their order, so no sum depends on the path taken.
        """
        progress = self.progress
        hold_us, quiet = progress.hold_us, self._quiet_range()
        low, high = quiet if quiet is not None else (math.inf, -math.inf)
        runs, temperatures, weights = progress.runs, self.temperatures, self.weights
        in_range_us = 0
        for (time, temperature), (following, _) in pairwise(points):
            step_us = (following - time) // _MICROSECOND
            if 0 < step_us <= hold_us and low <= temperature <= high and not runs and self.covering:
                in_range_us += step_us
                temperatures.append(temperature)
                weights.append(step_us)
            else:
                held_us = step_us if step_us < hold_us else hold_us
                self._fold(time, temperature, held_us, step_us - held_us, following)
        progress.covered_us[RangeState.IN_RANGE] += in_range_us
        self._weigh_folded()

    def _weigh_folded(self) -> None:
        """Add the readings folded since the last call to the lowest, highest and weighted means."""
        progress, temperatures, weights = self.progress, self.temperatures, self.weights
        if not temperatures:
            return
        lowest, highest = min(temperatures), max(temperatures)
        progress.lowest = lowest if progress.lowest is None else min(progress.lowest, lowest)
        progress.highest = highest if progress.highest is None else max(progress.highest, highest)
        assert progress.weighted is not None
        progress.weighted.extend(temperatures, weights)
        temperatures.clear()
        weights.clear()

    def _quiet_range(self) -> tuple[float, float] | None:
        """Temperatures within the profile's range at which no rule can be beyond its threshold."""
        profile = self.profile
        low = profile.min_c if profile.min_c is not None else -math.inf
        high = profile.max_c if profile.max_c is not None else math.inf
        for rule in profile.rules:
            if rule.kind == ExcursionKind.ABOVE:
                high = min(high, rule.threshold_c)
            else:
                low = max(low, rule.threshold_c)
        return (low, high) if low <= high else None

    def _fold(self, time: datetime, temperature: float, covered_us: int, gap_us: int,
              following: datetime | None) -> None:
        """Account for one temperature reading covering `covered_us`, then `gap_us` without data."""
        progress, profile = self.progress, self.profile
        state = range_state(temperature, profile)
        progress.covered_us[state] += covered_us
        progress.no_data_us += gap_us
        assert progress.counted is not None
        if not self.covering:  # the unweighted means serve only while no reading covers time
            progress.counted.add(temperature, 1)
        self.covering = self.covering or covered_us > 0
        self.temperatures.append(temperature)
        self.weights.append(covered_us)
        end = time + covered_us * _MICROSECOND
        for rule, delay_us in self.single:
            self._single(rule, delay_us, time, end, temperature, covered_us, gap_us)
        for rule, budget_us in self.cumulative:
            self._cumulative(rule, budget_us, time, temperature, covered_us)
        if gap_us > 0 and following is not None:
            self.found.append(Excursion(rule=GAP_RULE_NAME, kind=ExcursionKind.NO_DATA,
                                        mode=ExcursionMode.GAP, severity=profile.gap_severity, start=end,
                                        end=following, duration_s=_seconds(gap_us), peak=None))

    def _single(self, rule: Rule, delay_us: int, time: datetime, end: datetime, temperature: float,
                covered_us: int, gap_us: int) -> None:
        """A run grows while readings stay beyond the threshold; a reading within it or a gap ends it."""
        runs = self.progress.runs
        run = runs.get(rule.name)
        inside = _beyond(rule, temperature)
        if inside:
            if run is None:
                run = runs[rule.name] = _OpenRun(time, end, 0, temperature)
            run.end, run.covered_us = end, run.covered_us + covered_us
            run.peak = _peak(rule.kind, run.peak, temperature)
        if run is not None and (not inside or gap_us > 0):
            del runs[rule.name]
            if run.covered_us >= delay_us:
                self.found.append(_single_excursion(rule, run, end=run.end))

    def _cumulative(self, rule: Rule, budget_us: int, time: datetime, temperature: float,
                    covered_us: int) -> None:
        if not _beyond(rule, temperature):
            return
        budget = self.progress.budgets.setdefault(rule.name, _Budget())
        if budget.reached is None and budget.total_us + covered_us >= budget_us:
            budget.reached = time + (budget_us - budget.total_us) * _MICROSECOND
        budget.total_us += covered_us
        budget.peak = temperature if budget.peak is None else _peak(rule.kind, budget.peak, temperature)

    def _finish(self, last: tuple[datetime, float], tail_readings: int, duplicates: int,
                live_until: datetime | None) -> Evaluation:
        """Fold the last reading with its final coverage; close what is still open."""
        time, temperature = last
        covered_us = _last_coverage_us(time, self.progress, live_until)
        self._fold(time, temperature, covered_us, 0, None)
        self._weigh_folded()
        end = time + covered_us * _MICROSECOND
        for rule, delay_us in self.single:
            run = self.progress.runs.get(rule.name)
            if run is not None and run.covered_us >= delay_us:  # it includes the last reading
                self.found.append(_single_excursion(rule, run, end=None if live_until else run.end))
        for rule, _ in self.cumulative:
            budget = self.progress.budgets.get(rule.name)
            if budget is not None and budget.reached is not None:
                self.found.append(Excursion(rule=rule.name, kind=rule.kind, mode=ExcursionMode.CUMULATIVE,
                                            severity=rule.severity, start=budget.reached, end=None,
                                            duration_s=_seconds(budget.total_us), peak=budget.peak))
        return self._evaluation(tail_readings, duplicates, end=end)

    def _evaluation(self, tail_readings: int, duplicates: int, end: datetime | None) -> Evaluation:
        progress = self.progress
        covered = progress.covered_us
        partition = TimePartition(
            in_range_s=_seconds(covered[RangeState.IN_RANGE]), above_s=_seconds(covered[RangeState.ABOVE]),
            below_s=_seconds(covered[RangeState.BELOW]), no_data_s=_seconds(progress.no_data_us))
        return Evaluation(readings=progress.readings + tail_readings, duplicates=duplicates,
                          start=progress.first, end=end, cadence=progress.cadence, partition=partition,
                          stats=_stats(progress), excursions=tuple(sorted(self.found, key=_listing_order)),
                          since=self.since)

    def _shock_events(self, samples: Iterable[Sample]) -> None:
        """Each reading whose shock magnitude is at or over the threshold, as an instant."""
        threshold_g = self.profile.shock_g
        for time, _, shock_g in samples:
            if shock_g is not None and shock_g >= threshold_g:
                self.found.append(Excursion(rule=shock_rule_name(threshold_g), kind=ExcursionKind.SHOCK,
                                            mode=ExcursionMode.EVENT, severity=SHOCK_SEVERITY, start=time,
                                            end=time, duration_s=0.0, peak=shock_g))


def _last_coverage_us(time: datetime, progress: Progress, live_until: datetime | None) -> int:
    """Finished: min(Δ, H). Live: until min(now, tₙ + H), and nothing if now is before tₙ."""
    if live_until is None:
        return min(progress.interval_us, progress.hold_us)
    return max(0, min((live_until - time) // _MICROSECOND, progress.hold_us))


def _single_excursion(rule: Rule, run: _OpenRun, end: datetime | None) -> Excursion:
    return Excursion(rule=rule.name, kind=rule.kind, mode=ExcursionMode.SINGLE, severity=rule.severity,
                     start=run.start, end=end, duration_s=_seconds(run.covered_us), peak=run.peak)


def _listing_order(excursion: Excursion) -> tuple[datetime, str, str]:
    return excursion.start, excursion.kind, excursion.rule


def _seconds(microseconds: int) -> float:
    return microseconds / _MICROSECONDS_PER_SECOND


def range_state(temperature_c: float, profile: StorageProfile) -> RangeState:
    """above ⇔ T > max, below ⇔ T < min, else in range (limits inclusive)."""
    if profile.max_c is not None and temperature_c > profile.max_c:
        return RangeState.ABOVE
    if profile.min_c is not None and temperature_c < profile.min_c:
        return RangeState.BELOW
    return RangeState.IN_RANGE


_ABOVE = ExcursionKind.ABOVE  # bound once: compared for every reading that is not quiet


def _beyond(rule: Rule, temperature: float) -> bool:
    """A rule "above X" means T > X; "below X" means T < X."""
    if rule.kind == _ABOVE:
        return temperature > rule.threshold_c
    return temperature < rule.threshold_c


def _peak(kind: ExcursionKind, peak: float, temperature: float) -> float:
    return max(peak, temperature) if kind == _ABOVE else min(peak, temperature)


def _minutes_us(minutes: float) -> int:
    return round(minutes * 60 * _MICROSECONDS_PER_SECOND)


def _stats(progress: Progress) -> TemperatureStats | None:
    if progress.lowest is None or progress.highest is None:
        return None
    assert progress.weighted is not None and progress.counted is not None
    means = progress.counted if progress.weighted.empty else progress.weighted
    return TemperatureStats(min_c=progress.lowest, max_c=progress.highest, mean_c=means.mean_c(),
                            mkt_c=means.mkt_c())
