"""The excursion engine's state machine (SPEC §2.1): readings folded one at a time, in time order, into a
`Progress`, and the excursions collected as they close."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from logistics.core.excursion_progress import Budget, OpenRun, Progress
from logistics.core.excursion_rules import (
    GAP_RULE_NAME,
    SHOCK_SEVERITY,
    RangeState,
    beyond,
    new_peak,
    quiet_range,
    range_state,
    shock_rule_name,
)
from logistics.core.excursion_types import (
    MICROSECOND,
    Evaluation,
    Excursion,
    Sample,
    Span,
    TemperatureStats,
    TimePartition,
    Window,
)
from logistics.core.mkt import RunningMeans, bulk_extremes
from logistics.core.profiles import ExcursionKind, ExcursionMode, Rule, StorageProfile
from logistics.core.reading_columns import ReadingColumns

_MICROSECONDS_PER_SECOND = 1_000_000


class Fold:
    """Folds readings in time order into a `Progress`, collecting the excursions that close."""

    def __init__(self, progress: Progress, profile: StorageProfile, since: datetime | None,
                 window: Window | None = None) -> None:
        self.progress, self.profile, self.since, self.window = progress, profile, since, window
        self.found: list[Excursion] = []
        self.trailing: Span | None = None  # the window's stretch after the last reading's coverage
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

    def run(self, unique: Sequence[Sample] | ReadingColumns, duplicates: int,
            live_until: datetime | None) -> tuple[Evaluation, Progress]:
        """Fold `unique` (in time order, no time twice); the evaluation, and the progress to resume from."""
        if isinstance(unique, ReadingColumns):
            return self._run_columns(unique, duplicates, live_until)
        points = [(time, temperature_c) for time, temperature_c, _ in unique if temperature_c is not None]
        self._shock_events(unique)
        progress = self.progress
        if points and progress.first is None:
            self._leading_gap(points[0][0])
        self._fold_all_but_last(points)
        if points:
            last_time = points[-1][0]
            before_last = sum(1 for time, _, _ in unique if time < last_time)
            return self._finish_points(points[0][0], points[-1], before_last, len(unique), duplicates,
                                       live_until)
        progress.readings += len(unique)
        return self._without_temperatures(duplicates, live_until), progress

    def _run_columns(self, unique: ReadingColumns, duplicates: int,
                     live_until: datetime | None) -> tuple[Evaluation, Progress]:
        """`run` over columns: the same folds, readings where nothing happens added up in bulk."""
        shocks = np.flatnonzero(unique.shocks_g >= self.profile.shock_g)
        self._shock_events((unique.time_at(index), None, unique.shocks_g[index].item())
                           for index in shocks.tolist())
        points = np.flatnonzero(~np.isnan(unique.temperatures_c))
        if not len(points):
            self.progress.readings += len(unique)
            return self._without_temperatures(duplicates, live_until), self.progress
        first, last = points[0].item(), points[-1].item()
        if self.progress.first is None:
            self._leading_gap(unique.time_at(first))
        self._fold_in_bulk(unique, points)
        # The times are distinct and sorted, so the readings before the last one are those before it.
        return self._finish_points(unique.time_at(first),
                                   (unique.time_at(last), unique.temperatures_c[last].item()),
                                   last, len(unique), duplicates, live_until)

    def _finish_points(self, first_time: datetime, last: tuple[datetime, float], before_last: int,
                       readings: int, duplicates: int,
                       live_until: datetime | None) -> tuple[Evaluation, Progress]:
        progress = self.progress
        progress.first = progress.first or first_time
        progress.resume_at = last[0]
        progress.readings += before_last
        checkpoint = Progress.from_json(progress.to_json())
        evaluation = self._finish(last, readings - before_last, duplicates, live_until)
        return evaluation, checkpoint

    def _leading_gap(self, first: datetime) -> None:
        """[a, t₁) of a window is no data; longer than H, it is a no-data excursion from a to t₁."""
        if self.window is None:
            return
        gap_us = max(0, (first - self.window.start) // MICROSECOND)
        self.progress.no_data_us += gap_us
        if gap_us > self.progress.hold_us:
            self._gap(self.window.start, first, gap_us)

    def _without_temperatures(self, duplicates: int, live_until: datetime | None) -> Evaluation:
        """No temperature reading: a window is no data throughout (an excursion once it is closed)."""
        end = self._window_end(live_until)
        if self.window is None or end is None or end <= self.window.start:
            return self._evaluation(0, duplicates, end=None)
        gap_us = (end - self.window.start) // MICROSECOND
        if self.window.end is not None and gap_us > self.progress.hold_us:
            self._gap(self.window.start, end, gap_us)
        self.trailing = (self.window.start, end)
        return self._evaluation(0, duplicates, end=None, extra_no_data_us=gap_us)

    def _window_end(self, live_until: datetime | None) -> datetime | None:
        """Where the window ends for now: its end, or now while it is open; None without a window."""
        if self.window is None:
            return None
        return self.window.end if self.window.end is not None else live_until

    def _fold_all_but_last(self, points: Sequence[tuple[datetime, float]]) -> None:
        """`_fold` each reading but the last (whose coverage depends on what follows it).

        Most readings lie within the range with no run open and no gap after them: such a quiet reading
        adds only its time to the time in range, and itself to the readings waiting to be weighed, as
        `_fold` adds every reading. This is the hot loop of every evaluation, so quiet readings skip
        `_fold`; both paths keep the readings in their order, so no sum depends on the path taken.
        """
        progress = self.progress
        hold_us, quiet = progress.hold_us, quiet_range(self.profile)
        low, high = quiet if quiet is not None else (math.inf, -math.inf)
        runs, temperatures, weights = progress.runs, self.temperatures, self.weights
        in_range_us = 0
        for (time, temperature), (following, _) in pairwise(points):
            step_us = (following - time) // MICROSECOND
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

    def _fold_in_bulk(self, unique: ReadingColumns, points: NDArray[np.intp]) -> None:
        """`_fold_all_but_last` over columns. A quiet reading (as there) that follows another quiet one
        only adds its time to the time in range, so those are summed at once; every other reading (the
        first, one not quiet, the one after it, which closes its runs) is judged one by one. Then all of
        them are weighed in their order, each covering min(step, H): the sums come out the same."""
        times, temperatures = unique.times_us[points], unique.temperatures_c[points]
        if len(points) < 2:
            return
        progress = self.progress
        hold_us, quiet_limits = progress.hold_us, quiet_range(self.profile)
        low, high = quiet_limits if quiet_limits is not None else (math.inf, -math.inf)
        steps, folded = np.diff(times), temperatures[:-1]
        quiet = (steps > 0) & (steps <= hold_us) & (folded >= low) & (folded <= high)
        judged = ~quiet
        judged[1:] |= ~quiet[:-1]
        judged[0] = True
        progress.covered_us[RangeState.IN_RANGE] += int(steps[~judged].sum())
        held = np.minimum(steps, hold_us)
        for index in np.flatnonzero(judged).tolist():
            step_us, held_us = steps[index].item(), held[index].item()
            self._judge(unique.time_at(points[index]), folded[index].item(), held_us, step_us - held_us,
                        unique.time_at(points[index + 1]))
        lowest, highest = bulk_extremes(folded)
        progress.lowest = lowest if progress.lowest is None else min(progress.lowest, lowest)
        progress.highest = highest if progress.highest is None else max(progress.highest, highest)
        assert progress.weighted is not None
        progress.weighted.extend(folded, held)

    def _fold(self, time: datetime, temperature: float, covered_us: int, gap_us: int,
              following: datetime | None) -> None:
        """Account for one temperature reading covering `covered_us`, then `gap_us` without data."""
        self.temperatures.append(temperature)
        self.weights.append(covered_us)
        self._judge(time, temperature, covered_us, gap_us, following)

    def _judge(self, time: datetime, temperature: float, covered_us: int, gap_us: int,
               following: datetime | None) -> None:
        """`_fold` but for weighing the reading: its time in its state, against each rule, and a gap."""
        progress, profile = self.progress, self.profile
        state = range_state(temperature, profile)
        progress.covered_us[state] += covered_us
        if state is not RangeState.IN_RANGE and covered_us and progress.outside_us is not None:
            key = repr(temperature + 0.0)  # one key for 0.0 and -0.0
            progress.outside_us[key] = progress.outside_us.get(key, 0) + covered_us
        progress.no_data_us += gap_us
        assert progress.counted is not None
        if not self.covering:  # the unweighted means serve only while no reading covers time
            progress.counted.add(temperature, 1)
        self.covering = self.covering or covered_us > 0
        end = time + covered_us * MICROSECOND
        for rule, delay_us in self.single:
            self._single(rule, delay_us, time, end, temperature, covered_us, gap_us)
        for rule, budget_us in self.cumulative:
            self._cumulative(rule, budget_us, time, temperature, covered_us)
        if gap_us > 0 and following is not None:
            self._gap(end, following, gap_us)

    def _gap(self, start: datetime, end: datetime, gap_us: int) -> None:
        self.found.append(Excursion(rule=GAP_RULE_NAME, kind=ExcursionKind.NO_DATA, mode=ExcursionMode.GAP,
                                    severity=self.profile.gap_severity, start=start, end=end,
                                    duration_s=_seconds(gap_us), peak=None))

    def _single(self, rule: Rule, delay_us: int, time: datetime, end: datetime, temperature: float,
                covered_us: int, gap_us: int) -> None:
        """A run grows while readings stay beyond the threshold; a reading within it or a gap ends it."""
        runs = self.progress.runs
        run = runs.get(rule.name)
        inside = beyond(rule, temperature)
        if inside:
            if run is None:
                run = runs[rule.name] = OpenRun(time, end, 0, temperature)
            run.end, run.covered_us = end, run.covered_us + covered_us
            run.peak = new_peak(rule.kind, run.peak, temperature)
        if run is not None and (not inside or gap_us > 0):
            del runs[rule.name]
            if run.covered_us >= delay_us:
                self.found.append(_single_excursion(rule, run, end=run.end))

    def _cumulative(self, rule: Rule, budget_us: int, time: datetime, temperature: float,
                    covered_us: int) -> None:
        if not beyond(rule, temperature):
            return
        budget = self.progress.budgets.setdefault(rule.name, Budget())
        if budget.reached is None and budget.total_us + covered_us >= budget_us:
            budget.reached = time + (budget_us - budget.total_us) * MICROSECOND
        budget.total_us += covered_us
        budget.peak = temperature if budget.peak is None else new_peak(rule.kind, budget.peak, temperature)

    def _finish(self, last: tuple[datetime, float], tail_readings: int, duplicates: int,
                live_until: datetime | None) -> Evaluation:
        """Fold the last reading with its final coverage; close what is still open."""
        time, temperature = last
        window_end = self._window_end(live_until)
        if window_end is None:
            covered_us = _last_coverage_us(time, self.progress, live_until)
            self._fold(time, temperature, covered_us, 0, None)
        else:
            covered_us = self._fold_last_in_window(time, temperature, window_end)
        self._weigh_folded()
        end = time + covered_us * MICROSECOND
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

    def _fold_last_in_window(self, time: datetime, temperature: float, window_end: datetime) -> int:
        """The window's end (or now) stands for the next reading: tₙ covers until min(end, tₙ + H), and
        the rest is no data. A closed window makes that rest a gap like any other; while it is open the
        stretch is still running, so it ends no run and is no excursion yet (a silent logger is the
        silence check's business). Returns the time covered."""
        room_us = max(0, (window_end - time) // MICROSECOND)
        covered_us = min(room_us, self.progress.hold_us)
        gap_us = room_us - covered_us
        if self.window is not None and self.window.end is not None:
            self._fold(time, temperature, covered_us, gap_us, window_end)
        else:
            self._fold(time, temperature, covered_us, 0, None)
            self.progress.no_data_us += gap_us
        if gap_us > 0:
            self.trailing = (time + covered_us * MICROSECOND, window_end)
        return covered_us

    def _evaluation(self, tail_readings: int, duplicates: int, end: datetime | None,
                    extra_no_data_us: int = 0) -> Evaluation:
        progress = self.progress
        covered = progress.covered_us
        partition = TimePartition(
            in_range_s=_seconds(covered[RangeState.IN_RANGE]), above_s=_seconds(covered[RangeState.ABOVE]),
            below_s=_seconds(covered[RangeState.BELOW]),
            no_data_s=_seconds(progress.no_data_us + extra_no_data_us))
        return Evaluation(readings=progress.readings + tail_readings, duplicates=duplicates,
                          start=progress.first, end=end, cadence=progress.cadence, partition=partition,
                          stats=_stats(progress), excursions=tuple(sorted(self.found, key=_listing_order)),
                          since=self.since, edge_gaps=self._edge_gaps(), outside_c=_outside_c(progress))

    def _edge_gaps(self) -> tuple[Span, ...]:
        """The window's stretches without data before the first reading and after the last one's."""
        start, first = self.progress.window_start, self.progress.first
        gaps: list[Span] = []
        if start is not None and first is not None and first > start:
            gaps.append((start, first))
        if self.trailing is not None:
            gaps.append(self.trailing)
        return tuple(gaps)

    def _shock_events(self, samples: Iterable[tuple[datetime, float | None, float | None]]) -> None:
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
    return max(0, min((live_until - time) // MICROSECOND, progress.hold_us))


def _single_excursion(rule: Rule, run: OpenRun, end: datetime | None) -> Excursion:
    return Excursion(rule=rule.name, kind=rule.kind, mode=ExcursionMode.SINGLE, severity=rule.severity,
                     start=run.start, end=end, duration_s=_seconds(run.covered_us), peak=run.peak)


def _listing_order(excursion: Excursion) -> tuple[datetime, str, str]:
    return excursion.start, excursion.kind, excursion.rule


def _seconds(microseconds: int) -> float:
    return microseconds / _MICROSECONDS_PER_SECOND


def _minutes_us(minutes: float) -> int:
    return round(minutes * 60 * _MICROSECONDS_PER_SECOND)


def _stats(progress: Progress) -> TemperatureStats | None:
    if progress.lowest is None or progress.highest is None:
        return None
    assert progress.weighted is not None and progress.counted is not None
    means = progress.counted if progress.weighted.empty else progress.weighted
    return TemperatureStats(min_c=progress.lowest, max_c=progress.highest, mean_c=means.mean_c(),
                            mkt_c=means.mkt_c())


def _outside_c(progress: Progress) -> tuple[tuple[float, float], ...]:
    """The time covered out of range per temperature, as (°C, seconds), coldest first."""
    return tuple(sorted((float(temperature), _seconds(covered_us))
                        for temperature, covered_us in (progress.outside_us or {}).items()))
