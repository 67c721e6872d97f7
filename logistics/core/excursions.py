"""The excursion engine: one logger's readings judged by one storage profile, exactly as SPEC §2.1 says.

Pure and deterministic: no clock (a live evaluation is given its `live_until`), no I/O. The same readings
give the same `Evaluation` whatever order they arrive in, and evaluating twice gives the same result, so a
scheduled or incremental evaluator may re-run it on any window. Δ and H are measured from the readings
given; an evaluator re-running a window can pass the `Cadence` of the whole record instead, so that a
backfilled reading changes only the excursions its own stretch of time touches.

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

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from operator import attrgetter
from typing import NamedTuple

from logistics.core.mkt import mean_kinetic_temperature, time_weighted_mean
from logistics.core.profiles import Rule, StorageProfile

GAP_RULE_NAME = "no_data_gap"
SHOCK_SEVERITY = "major"  # SPEC §2: a shock is an event of severity major
_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class Sample:
    """One reading of one logger: a temperature in °C and/or a shock magnitude in g."""

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


@dataclass(frozen=True)
class TemperatureStats:
    """Lowest and highest reading, time-weighted mean and mean kinetic temperature, all in °C."""

    min_c: float
    max_c: float
    mean_c: float
    mkt_c: float


@dataclass(frozen=True)
class Evaluation:
    """Everything SPEC §2.1 derives from one logger's readings under one profile."""

    readings: int
    duplicates: int
    start: datetime | None
    end: datetime | None
    cadence: Cadence
    partition: TimePartition
    stats: TemperatureStats | None
    excursions: tuple[Excursion, ...]

    @property
    def alarm(self) -> bool:
        """Whether any excursion of any kind was found."""
        return bool(self.excursions)


class _Covered(NamedTuple):
    """A temperature reading with the time it covers and the no-data time that follows it."""

    time: datetime
    temperature_c: float
    covered_us: int
    gap_us: int


def evaluate(samples: Iterable[Sample], profile: StorageProfile, *, live_until: datetime | None = None,
             cadence: Cadence | None = None) -> Evaluation:
    """Judge one logger's readings by `profile`; `live_until` (now) for a shipment still travelling."""
    unique, duplicates = unique_in_time_order(samples)
    points = [(sample.time, sample.temperature_c) for sample in unique if sample.temperature_c is not None]
    if cadence is None:
        cadence = cadence_of([time for time, _ in points], profile)
    timeline = _timeline(points, cadence, live_until)
    found = [*_rule_excursions(profile.rules, timeline, live=live_until is not None),
             *_gap_excursions(timeline, profile.gap_severity), *_shock_events(unique, profile.shock_g)]
    return Evaluation(
        readings=len(unique), duplicates=duplicates,
        start=timeline[0].time if timeline else None,
        end=_coverage_end(timeline[-1]) if timeline else None,
        cadence=cadence, partition=_partition(timeline, profile), stats=_stats(timeline, profile),
        excursions=tuple(sorted(found, key=_listing_order)),
    )


def _listing_order(excursion: Excursion) -> tuple[datetime, str, str]:
    return excursion.start, excursion.kind, excursion.rule


def unique_in_time_order(samples: Iterable[Sample]) -> tuple[list[Sample], int]:
    """The samples sorted by time with repeated times dropped (first given kept), and how many were."""
    ordered = sorted(samples, key=attrgetter("time"))  # stable: equal times keep the order given
    unique = [sample for index, sample in enumerate(ordered)
              if index == 0 or sample.time != ordered[index - 1].time]
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


def shock_rule_name(threshold_g: float) -> str:
    """The rule name shock events carry, e.g. `shock_10g`."""
    return f"shock_{threshold_g:g}g"


def _timeline(points: Sequence[tuple[datetime, float]], cadence: Cadence,
              live_until: datetime | None) -> list[_Covered]:
    """Each reading covers [tᵢ, tᵢ + min(tᵢ₊₁ − tᵢ, H)); the rest up to tᵢ₊₁ is no data (SPEC §2.1)."""
    if not points:
        return []
    hold_us = cadence.hold // _MICROSECOND
    origin = points[0][0]
    offsets_us = [(time - origin) // _MICROSECOND for time, _ in points]
    steps_us = [later - earlier for earlier, later in pairwise(offsets_us)]
    timeline = []
    for (time, temperature), step_us in zip(points[:-1], steps_us, strict=True):
        held_us = step_us if step_us < hold_us else hold_us
        timeline.append(_Covered(time, temperature, held_us, step_us - held_us))
    time, temperature = points[-1]
    timeline.append(_Covered(time, temperature, _last_coverage_us(time, cadence, live_until), 0))
    return timeline


def _last_coverage_us(time: datetime, cadence: Cadence, live_until: datetime | None) -> int:
    """Finished: min(Δ, H). Live: until min(now, tₙ + H), and nothing if now is before tₙ."""
    if live_until is None:
        return min(cadence.interval, cadence.hold) // _MICROSECOND
    return max(0, min(live_until - time, cadence.hold) // _MICROSECOND)


def _coverage_end(point: _Covered) -> datetime:
    return point.time + point.covered_us * _MICROSECOND


def _seconds(microseconds: int) -> float:
    return microseconds / _MICROSECONDS_PER_SECOND


def _state(temperature_c: float, profile: StorageProfile) -> str:
    """above ⇔ T > max, below ⇔ T < min, else in range (limits inclusive)."""
    if profile.max_c is not None and temperature_c > profile.max_c:
        return "above"
    if profile.min_c is not None and temperature_c < profile.min_c:
        return "below"
    return "in_range"


def _partition(timeline: Sequence[_Covered], profile: StorageProfile) -> TimePartition:
    covered_us = {"in_range": 0, "above": 0, "below": 0}
    for point in timeline:
        covered_us[_state(point.temperature_c, profile)] += point.covered_us
    return TimePartition(in_range_s=_seconds(covered_us["in_range"]), above_s=_seconds(covered_us["above"]),
                         below_s=_seconds(covered_us["below"]),
                         no_data_s=_seconds(sum(point.gap_us for point in timeline)))


def _beyond(rule: Rule) -> Callable[[float], bool]:
    """A rule "above X" means T > X; "below X" means T < X."""
    threshold = rule.threshold_c
    if rule.kind == "above":
        return lambda temperature: temperature > threshold
    return lambda temperature: temperature < threshold


def _peak(kind: str, temperatures: Iterable[float]) -> float:
    return max(temperatures) if kind == "above" else min(temperatures)


def _rule_excursions(rules: Iterable[Rule], timeline: Sequence[_Covered], *,
                     live: bool) -> Iterator[Excursion]:
    for rule in rules:
        if rule.mode == "cumulative":
            reached = _cumulative_excursion(rule, timeline)
            if reached is not None:
                yield reached
        else:
            yield from _single_excursions(rule, timeline, live=live)


def _runs(timeline: Sequence[_Covered], beyond: Callable[[float], bool]) -> Iterator[list[_Covered]]:
    """Maximal runs of consecutive readings beyond a threshold; a no-data gap ends a run."""
    run: list[_Covered] = []
    for point in timeline:
        inside = beyond(point.temperature_c)
        if inside:
            run.append(point)
        if run and (not inside or point.gap_us > 0):
            yield run
            run = []
    if run:
        yield run


def _single_excursions(rule: Rule, timeline: Sequence[_Covered], *, live: bool) -> Iterator[Excursion]:
    """One excursion per run whose covered time reaches the rule's delay (SPEC §2.1 single event)."""
    delay_us = _minutes_us(rule.minutes)
    for run in _runs(timeline, _beyond(rule)):
        covered_us = sum(point.covered_us for point in run)
        if covered_us < delay_us:
            continue
        still_running = live and run[-1] is timeline[-1]
        yield Excursion(rule=rule.name, kind=rule.kind, mode="single", severity=rule.severity,
                        start=run[0].time, end=None if still_running else _coverage_end(run[-1]),
                        duration_s=_seconds(covered_us),
                        peak=_peak(rule.kind, (point.temperature_c for point in run)))


def _cumulative_excursion(rule: Rule, timeline: Sequence[_Covered]) -> Excursion | None:
    """Fires when the summed covered time beyond the threshold reaches the budget, at that moment."""
    budget_us = _minutes_us(rule.minutes)
    beyond = _beyond(rule)
    total_us = 0
    reached: datetime | None = None
    for point in (point for point in timeline if beyond(point.temperature_c)):
        if reached is None and total_us + point.covered_us >= budget_us:
            reached = point.time + (budget_us - total_us) * _MICROSECOND
        total_us += point.covered_us
    if reached is None:
        return None
    peak = _peak(rule.kind, (point.temperature_c for point in timeline if beyond(point.temperature_c)))
    return Excursion(rule=rule.name, kind=rule.kind, mode="cumulative", severity=rule.severity,
                     start=reached, end=None, duration_s=_seconds(total_us), peak=peak)


def _minutes_us(minutes: float) -> int:
    return round(minutes * 60 * _MICROSECONDS_PER_SECOND)


def _gap_excursions(timeline: Sequence[_Covered], severity: str) -> Iterator[Excursion]:
    """Each gap longer than H, from tᵢ + H to tᵢ₊₁ (SPEC §2.1 no-data)."""
    for point, following in pairwise(timeline):
        if point.gap_us > 0:
            yield Excursion(rule=GAP_RULE_NAME, kind="no_data", mode="gap", severity=severity,
                            start=_coverage_end(point), end=following.time,
                            duration_s=_seconds(point.gap_us), peak=None)


def _shock_events(samples: Iterable[Sample], threshold_g: float) -> Iterator[Excursion]:
    """Each reading whose shock magnitude is at or over the threshold, as an instant."""
    for sample in samples:
        if sample.shock_g is not None and sample.shock_g >= threshold_g:
            yield Excursion(rule=shock_rule_name(threshold_g), kind="shock", mode="event",
                            severity=SHOCK_SEVERITY, start=sample.time, end=sample.time,
                            duration_s=0.0, peak=sample.shock_g)


def _stats(timeline: Sequence[_Covered], profile: StorageProfile) -> TemperatureStats | None:
    if not timeline:
        return None
    temperatures = [point.temperature_c for point in timeline]
    weights = [point.covered_us for point in timeline]
    if not any(weights):
        weights = [1] * len(timeline)
    return TemperatureStats(
        min_c=min(temperatures), max_c=max(temperatures),
        mean_c=time_weighted_mean(temperatures, weights),
        mkt_c=mean_kinetic_temperature(temperatures, weights, profile.activation_energy_kj),
    )
