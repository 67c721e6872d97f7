"""The excursion engine: one logger's readings judged by one storage profile, exactly as SPEC §2.1 says.

Pure and deterministic: no clock (a live evaluation is given its `live_until`), no I/O. The same readings
give the same `Evaluation` whatever order they arrive in, and evaluating twice gives the same result.

The readings are folded one at a time, in time order, into a `Progress`: the time partition, the running
means, the runs still open and the cumulative totals. An evaluation returns the progress made up to its
last temperature reading, and `resume` carries it on with only the readings from that one on: the same
result as evaluating the whole window again, at the cost of the new readings. When the new readings would
change Δ (the median interval), `resume` declines and the whole window must be evaluated.

This module orders the readings, finds Δ and H, and starts or resumes the fold. The rest of the engine:
excursion_types.py (what goes in and comes out), excursion_rules.py (a temperature against the profile's
range and rules), excursion_progress.py (what is kept between scans), excursion_fold.py (the fold itself),
reading_columns.py (many readings as arrays: the fold sums the quiet ones in bulk and judges the others
one at a time, with every sum added in the same order, so the result is the same to the last bit).

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
- A logger's assignment window [a, b) (`Window`; b is None while it is open, and `live_until`, now, ends
  it for the time being) is what it answers for. Readings outside it are left out, and time in it that no
  reading covers is no data; Δ and H still come from the readings alone. The edges, exactly:
  - leading: [a, t₁) is no data; when it is longer than H it is a no-data excursion (`no_data_gap`) from a
    to t₁, so its identity (rule, start = a) stays put when an earlier first reading is backfilled;
  - trailing: b (or now) stands for the next reading, so tₙ covers until min(b, tₙ + H) and the rest,
    [tₙ + H, b), is no data: once the window is closed that is a gap like any other, a no-data excursion
    from tₙ + H to b that ends a run. While the window is open the stretch up to now counts as no data,
    but it is still running: it ends no run and is no excursion yet (as in a live evaluation above);
  - no temperature reading at all: the whole window is no data, a no-data excursion from a to b once
    it is closed (H is then the profile's hold, or 0).
  `Evaluation.edge_gaps` lists those stretches, for the charts. Without a window (`logistics analyze`)
  the readings' own span is judged, as before.
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

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise

import numpy as np

from logistics.core import reading_columns as columns
from logistics.core.excursion_fold import Fold
from logistics.core.excursion_progress import Intervals, Progress, profile_key
from logistics.core.excursion_types import MICROSECOND, Cadence, Evaluation, Sample, Window, time_of
from logistics.core.profiles import StorageProfile
from logistics.core.reading_columns import ReadingColumns, Times

BULK_FROM = 512  # fewer readings are folded one by one: making arrays of them costs more than it saves


def evaluate(samples: Iterable[Sample] | ReadingColumns, profile: StorageProfile, *,
             live_until: datetime | None = None,
             window: Window | None = None, cadence: Cadence | None = None) -> Evaluation:
    """Judge one logger's readings by `profile`: over its `window` if given, else over their own span;
    `live_until` (now) while the window is open, or for readings of a shipment still travelling."""
    evaluation, _ = evaluate_with_progress(samples, profile, live_until=live_until, window=window,
                                           cadence=cadence)
    return evaluation


def evaluate_with_progress(samples: Iterable[Sample] | ReadingColumns, profile: StorageProfile, *,
                           live_until: datetime | None = None, window: Window | None = None,
                           cadence: Cadence | None = None) -> tuple[Evaluation, Progress]:
    """`evaluate`, and the progress to `resume` from when more readings come."""
    _check_window(window, live_until)
    unique, duplicates = _unique_within(samples, window)
    times = _temperature_times_us(unique)
    if cadence is None:
        cadence = _cadence(columns.median_difference_us(times), profile)
    interval_us = cadence.interval // MICROSECOND
    progress = Progress(profile_key=profile_key(profile), interval_us=interval_us,
                        hold_us=cadence.hold // MICROSECOND, intervals=_intervals(times, interval_us),
                        window_start=window.start if window else None)
    return Fold(progress, profile, since=None, window=window).run(unique, duplicates, live_until)


def resume(progress: Progress, later: Iterable[Sample] | ReadingColumns, profile: StorageProfile, *,
           live_until: datetime | None = None,
           window: Window | None = None) -> tuple[Evaluation, Progress] | None:
    """Carry `progress` on with the readings from its `resume_at` on (that reading included).

    None when that cannot give what evaluating the whole window would: another profile or window start,
    a reading before `resume_at`, the reading at `resume_at` missing, or the new readings changing Δ.
    """
    _check_window(window, live_until)
    if progress.profile_key != profile_key(profile) or progress.outside_us is None:
        return None
    if progress.window_start != (window.start if window else None):
        return None
    unique, duplicates = _unique_within(later, window)
    times = _temperature_times_us(unique)
    if progress.resume_at is not None:
        if not len(times) or _first_temperature_time(unique) != progress.resume_at \
                or _time_at(unique, 0) < progress.resume_at:
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
    return Fold(carried, profile, since=progress.resume_at, window=window).run(unique, duplicates,
                                                                                live_until)


def _check_window(window: Window | None, live_until: datetime | None) -> None:
    if window is not None and (window.end is None) != (live_until is not None):
        raise ValueError("an open window runs until live_until (now); a closed one has its own end")


def _unique_within(samples: Iterable[Sample] | ReadingColumns,
                   window: Window | None) -> tuple[list[Sample] | ReadingColumns, int]:
    """The readings in `window` in time order, each time once, and how many repeated ones were dropped.

    Many readings are taken as columns, which the fold adds up in bulk; a few are folded one by one."""
    readings = _as_columns(samples)
    if isinstance(readings, ReadingColumns):
        return columns.unique_in_time_order(readings if window is None else
                                            columns.within(readings, (window.start, window.end)))
    return unique_in_time_order(_within(readings, window))


def _as_columns(samples: Iterable[Sample] | ReadingColumns) -> list[Sample] | ReadingColumns:
    if isinstance(samples, ReadingColumns):
        return samples
    rows = samples if isinstance(samples, list) else list(samples)
    if len(rows) < BULK_FROM:
        return rows
    return ReadingColumns.from_samples(rows) or rows


def _within(samples: list[Sample], window: Window | None) -> list[Sample]:
    """The samples the logger answers for in `window`: all of them when there is none."""
    if window is None:
        return samples
    return [sample for sample in samples if window.holds(time_of(sample))]


def unique_in_time_order(samples: Iterable[Sample]) -> tuple[list[Sample], int]:
    """The samples sorted by time with repeated times dropped (first given kept), and how many were."""
    ordered = sorted(samples, key=time_of)  # stable: equal times keep the order given
    times = list(map(time_of, ordered))
    earlier = [None, *times]  # the time before each one (and an unused last)
    unique = [sample for sample, time, previous in zip(ordered, times, earlier, strict=False)
              if time != previous]
    return unique, len(ordered) - len(unique)


def _temperature_times_us(unique: list[Sample] | ReadingColumns) -> Times:
    """The times of the readings with a temperature, in microseconds from the first reading's."""
    if isinstance(unique, ReadingColumns):
        return unique.times_us[~np.isnan(unique.temperatures_c)]
    times = [time for time, temperature_c, _ in unique if temperature_c is not None]
    if not times:
        return np.zeros(0, dtype=np.int64)
    origin = times[0]
    return np.array([(time - origin) // MICROSECOND for time in times], dtype=np.int64)


def _first_temperature_time(unique: list[Sample] | ReadingColumns) -> datetime:
    if isinstance(unique, ReadingColumns):
        return unique.time_at(int(np.argmax(~np.isnan(unique.temperatures_c))))
    return next(time for time, temperature_c, _ in unique if temperature_c is not None)


def _time_at(unique: list[Sample] | ReadingColumns, index: int) -> datetime:
    if isinstance(unique, ReadingColumns):
        return unique.time_at(index)
    moment: datetime = time_of(unique[index])
    return moment


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
    return _cadence(interval // MICROSECOND, profile)


def _cadence(interval_us: int, profile: StorageProfile) -> Cadence:
    interval = interval_us * MICROSECOND
    if profile.max_hold_minutes is None:
        return Cadence(interval=interval, hold=2 * interval)
    return Cadence(interval=interval, hold=timedelta(minutes=profile.max_hold_minutes))


def _intervals(times_us: Times, interval_us: int) -> Intervals:
    """How many differences between consecutive times fall below, on and above Δ."""
    return Intervals(*columns.interval_counts(times_us, interval_us))


def _median_is(counts: Intervals, interval_us: int) -> bool:
    """Whether the median of differences counted this way is certainly Δ (both middles on it)."""
    below, equal, above = counts
    total = below + equal + above
    if total == 0:
        return interval_us == 0
    low_middle, high_middle = (total - 1) // 2, total // 2
    return below <= low_middle and high_middle < below + equal
