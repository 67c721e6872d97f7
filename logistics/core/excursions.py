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
from itertools import pairwise
from operator import itemgetter
from typing import Any, NamedTuple

from logistics.core.mkt import KELVIN_OFFSET, RunningMeans
from logistics.core.profiles import Rule, StorageProfile

GAP_RULE_NAME = "no_data_gap"
SHOCK_SEVERITY = "major"  # SPEC §2: a shock is an event of severity major
_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_SECOND = 1_000_000


class Sample(NamedTuple):
    """One reading of one logger: a temperature in °C and/or a shock magnitude in g.

    A tuple, so that rows of (time, temperature, shock) from a database can be passed as they are.
    """

    time: datetime
    temperature_c: float | None
    shock_g: float | None = None


@dataclass(frozen=True)
class Excursion:
    """A rule that fired: kind above|below|shock|no_data, mode single|cumulative|event|gap."""

    rule: str
    kind: str
    mode: str
    severity: str
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


@dataclass(frozen=True)
class LoggerSummary:
    """One logger of a shipment judged under one storage profile of its goods."""

    logger: str
    profile: StorageProfile
    evaluation: Evaluation


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
    intervals: tuple[int, int, int]  # differences between readings below, equal to and above Δ
    resume_at: datetime | None = None
    first: datetime | None = None  # the first temperature reading
    readings: int = 0  # readings before resume_at, with or without a temperature
    covered_us: dict[str, int] = field(default_factory=lambda: {"in_range": 0, "above": 0, "below": 0})
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
        return cls(**{**data, **times, "intervals": tuple(data["intervals"]),
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
    return evaluate_with_progress(samples, profile, live_until=live_until, cadence=cadence)[0]


def evaluate_with_progress(samples: Iterable[Sample], profile: StorageProfile, *,
                           live_until: datetime | None = None,
                           cadence: Cadence | None = None) -> tuple[Evaluation, Progress]:
    """`evaluate`, and the progress to `resume` from when more readings come."""
    unique, duplicates = unique_in_time_order(samples)
    times = [sample[0] for sample in unique if sample[1] is not None]
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
    times = [sample[0] for sample in unique if sample[1] is not None]
    if progress.resume_at is not None:
        if not times or times[0] != progress.resume_at or unique[0][0] < progress.resume_at:
            return None
    elif progress.readings:
        return None  # it saw shock-only readings, which `later` may or may not repeat
    below, equal, above = _intervals(times, progress.interval_us)
    counts = (progress.intervals[0] + below, progress.intervals[1] + equal, progress.intervals[2] + above)
    if not _median_is(counts, progress.interval_us):
        return None
    carried = Progress.from_json(progress.to_json())  # a copy: the caller's stays as it was
    carried.intervals = counts
    return _Fold(carried, profile, since=progress.resume_at).run(unique, duplicates, live_until)


def unique_in_time_order(samples: Iterable[Sample]) -> tuple[list[Sample], int]:
    """The samples sorted by time with repeated times dropped (first given kept), and how many were."""
    ordered = sorted(samples, key=itemgetter(0))  # stable: equal times keep the order given
    unique = [sample for index, sample in enumerate(ordered)
              if index == 0 or sample[0] != ordered[index - 1][0]]
    return unique, len(ordered) - len(unique)


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


def _intervals(times: Sequence[datetime], interval_us: int) -> tuple[int, int, int]:
    """How many differences between consecutive `times` fall below, on and above Δ."""
    interval = interval_us * _MICROSECOND
    below = equal = 0
    for earlier, later in pairwise(times):
        difference = later - earlier
        if difference < interval:
            below += 1
        elif difference == interval:
            equal += 1
    return below, equal, max(len(times) - 1, 0) - below - equal


def _median_is(counts: tuple[int, int, int], interval_us: int) -> bool:
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
        self.single = [(rule, minutes) for rule, minutes in timed if rule.mode != "cumulative"]
        self.cumulative = [(rule, minutes) for rule, minutes in timed if rule.mode == "cumulative"]
        if progress.weighted is None:
            progress.weighted = RunningMeans.for_energy(profile.activation_energy_kj)
            progress.counted = RunningMeans.for_energy(profile.activation_energy_kj)

    def run(self, unique: Sequence[Sample], duplicates: int,
            live_until: datetime | None) -> tuple[Evaluation, Progress]:
        points = [(sample[0], sample[1]) for sample in unique if sample[1] is not None]
        self._shock_events(unique)
        progress = self.progress
        self._fold_all_but_last(points)
        if points:
            last_time = points[-1][0]
            progress.first = progress.first or points[0][0]
            progress.resume_at = last_time
            before_last = sum(1 for sample in unique if sample[0] < last_time)
            progress.readings += before_last
            checkpoint = Progress.from_json(progress.to_json())
            evaluation = self._finish(points[-1], len(unique) - before_last, duplicates, live_until)
            return evaluation, checkpoint
        progress.readings += len(unique)
        return self._evaluation(0, duplicates, end=None), progress

    def _fold_all_but_last(self, points: Sequence[tuple[datetime, float]]) -> None:
        """`_fold` each reading but the last (whose coverage depends on what follows it).

        Most readings lie within the range with no run open and no gap after them. Those take a quicker
        path (the hot loop of every evaluation) that updates the same sums, in the same order, as `_fold`
        and `RunningMeans.add` do, so the result does not depend on which path a reading took.
        """
        progress = self.progress
        hold_us, quiet = progress.hold_us, self._quiet_range()
        low, high = quiet if quiet is not None else (math.inf, -math.inf)
        means, covered = progress.weighted, progress.covered_us
        assert means is not None
        ratio_k, largest = means.ratio_k, means.largest_exponent
        for index in range(len(points) - 1):
            time, temperature = points[index]
            following = points[index + 1][0]
            step_us = (following - time) // _MICROSECOND
            held_us = step_us if step_us < hold_us else hold_us
            quiet_here = low <= temperature <= high and temperature > -KELVIN_OFFSET
            exponent = -ratio_k / (temperature + KELVIN_OFFSET) if quiet_here else 0.0
            if (not quiet_here or step_us > held_us or held_us <= 0 or progress.runs
                    or exponent > largest or not means.total_weight > 0 or progress.lowest is None
                    or progress.highest is None):
                self._fold(time, temperature, held_us, step_us - held_us, following)
                largest = means.largest_exponent
                continue
            covered["in_range"] += held_us
            if temperature < progress.lowest:
                progress.lowest = temperature
            elif temperature > progress.highest:
                progress.highest = temperature
            means.scaled_sum += held_us * math.exp(exponent - largest)
            means.total_weight += held_us
            means.weighted_sum += held_us * temperature
            if temperature < means.low:
                means.low = temperature
            elif temperature > means.high:
                means.high = temperature

    def _quiet_range(self) -> tuple[float, float] | None:
        """Temperatures within the profile's range at which no rule can be beyond its threshold."""
        profile = self.profile
        low = profile.min_c if profile.min_c is not None else -math.inf
        high = profile.max_c if profile.max_c is not None else math.inf
        for rule in profile.rules:
            if rule.kind == "above":
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
        progress.lowest = temperature if progress.lowest is None else min(progress.lowest, temperature)
        progress.highest = temperature if progress.highest is None else max(progress.highest, temperature)
        assert progress.weighted is not None and progress.counted is not None
        if progress.weighted.empty:  # the unweighted means serve only while no reading covers time
            progress.counted.add(temperature, 1)
        progress.weighted.add(temperature, covered_us)
        end = time + covered_us * _MICROSECOND
        for rule, delay_us in self.single:
            self._single(rule, delay_us, time, end, temperature, covered_us, gap_us)
        for rule, budget_us in self.cumulative:
            self._cumulative(rule, budget_us, time, temperature, covered_us)
        if gap_us > 0 and following is not None:
            self.found.append(Excursion(rule=GAP_RULE_NAME, kind="no_data", mode="gap",
                                        severity=profile.gap_severity, start=end, end=following,
                                        duration_s=_seconds(gap_us), peak=None))

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
        end = time + covered_us * _MICROSECOND
        for rule, delay_us in self.single:
            run = self.progress.runs.get(rule.name)
            if run is not None and run.covered_us >= delay_us:  # it includes the last reading
                self.found.append(_single_excursion(rule, run, end=None if live_until else run.end))
        for rule, _ in self.cumulative:
            budget = self.progress.budgets.get(rule.name)
            if budget is not None and budget.reached is not None:
                self.found.append(Excursion(rule=rule.name, kind=rule.kind, mode="cumulative",
                                            severity=rule.severity, start=budget.reached, end=None,
                                            duration_s=_seconds(budget.total_us), peak=budget.peak))
        return self._evaluation(tail_readings, duplicates, end=end)

    def _evaluation(self, tail_readings: int, duplicates: int, end: datetime | None) -> Evaluation:
        progress = self.progress
        covered = progress.covered_us
        partition = TimePartition(
            in_range_s=_seconds(covered["in_range"]), above_s=_seconds(covered["above"]),
            below_s=_seconds(covered["below"]), no_data_s=_seconds(progress.no_data_us))
        return Evaluation(readings=progress.readings + tail_readings, duplicates=duplicates,
                          start=progress.first, end=end, cadence=progress.cadence, partition=partition,
                          stats=_stats(progress), excursions=tuple(sorted(self.found, key=_listing_order)),
                          since=self.since)

    def _shock_events(self, samples: Iterable[Sample]) -> None:
        """Each reading whose shock magnitude is at or over the threshold, as an instant."""
        threshold_g = self.profile.shock_g
        for sample in samples:
            shock_g = sample[2]
            if shock_g is not None and shock_g >= threshold_g:
                self.found.append(Excursion(rule=shock_rule_name(threshold_g), kind="shock", mode="event",
                                            severity=SHOCK_SEVERITY, start=sample[0], end=sample[0],
                                            duration_s=0.0, peak=shock_g))


def _last_coverage_us(time: datetime, progress: Progress, live_until: datetime | None) -> int:
    """Finished: min(Δ, H). Live: until min(now, tₙ + H), and nothing if now is before tₙ."""
    if live_until is None:
        return min(progress.interval_us, progress.hold_us)
    return max(0, min((live_until - time) // _MICROSECOND, progress.hold_us))


def _single_excursion(rule: Rule, run: _OpenRun, end: datetime | None) -> Excursion:
    return Excursion(rule=rule.name, kind=rule.kind, mode="single", severity=rule.severity, start=run.start,
                     end=end, duration_s=_seconds(run.covered_us), peak=run.peak)


def _listing_order(excursion: Excursion) -> tuple[datetime, str, str]:
    return excursion.start, excursion.kind, excursion.rule


def _seconds(microseconds: int) -> float:
    return microseconds / _MICROSECONDS_PER_SECOND


def range_state(temperature_c: float, profile: StorageProfile) -> str:
    """above ⇔ T > max, below ⇔ T < min, else in range (limits inclusive)."""
    if profile.max_c is not None and temperature_c > profile.max_c:
        return "above"
    if profile.min_c is not None and temperature_c < profile.min_c:
        return "below"
    return "in_range"


def _beyond(rule: Rule, temperature: float) -> bool:
    """A rule "above X" means T > X; "below X" means T < X."""
    return temperature > rule.threshold_c if rule.kind == "above" else temperature < rule.threshold_c


def _peak(kind: str, peak: float, temperature: float) -> float:
    return max(peak, temperature) if kind == "above" else min(peak, temperature)


def _minutes_us(minutes: float) -> int:
    return round(minutes * 60 * _MICROSECONDS_PER_SECOND)


def _stats(progress: Progress) -> TemperatureStats | None:
    if progress.lowest is None or progress.highest is None:
        return None
    assert progress.weighted is not None and progress.counted is not None
    means = progress.counted if progress.weighted.empty else progress.weighted
    return TemperatureStats(min_c=progress.lowest, max_c=progress.highest, mean_c=means.mean_c(),
                            mkt_c=means.mkt_c())
