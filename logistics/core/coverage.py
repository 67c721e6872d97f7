"""The time each temperature reading covers (SPEC §2.1), reading by reading.

The excursion engine sums these durations into its time partition as it folds; what needs them one by
one (the Arrhenius-equivalent exposure of SPEC §2.3, a lot's use of its budget over time) takes them
from here. The same rules, so the same numbers: reading i covers min(tᵢ₊₁ − tᵢ, H); the last one
min(Δ, H), or while live until min(now, tₙ + H), or in a closed window until min(b, tₙ + H) (as the
engine's window evaluation counts it); readings without a temperature cover nothing;
time is counted in whole microseconds. tests/core/test_coverage.py checks the sums against the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from logistics.core.excursion_rules import RangeState, range_state
from logistics.core.excursion_types import MICROSECOND, Cadence, Sample, Window
from logistics.core.excursions import cadence_of, unique_in_time_order
from logistics.core.profiles import StorageProfile

_MICROSECONDS_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class Covered:
    """One temperature reading and the time it covers."""

    time: datetime
    temperature_c: float
    covered_s: float

    @property
    def end(self) -> datetime:
        return self.time + round(self.covered_s * _MICROSECONDS_PER_SECOND) * MICROSECOND


def covered_readings(samples: Iterable[Sample], profile: StorageProfile, *,
                     live_until: datetime | None = None, window: Window | None = None) -> list[Covered]:
    """Each temperature reading in time order (repeated times dropped, first kept) with its coverage;
    over a logger's `window` only its readings in the window count (SPEC §2.1)."""
    unique, _ = unique_in_time_order(samples)
    points = [(time, temperature_c) for time, temperature_c, _ in unique
              if temperature_c is not None and (window is None or window.holds(time))]
    if not points:
        return []
    cadence = cadence_of([time for time, _ in points], profile)
    until = live_until if window is None or window.end is None else window.end
    followers = [following for following, _ in points[1:]] + [None]
    return [Covered(time, temperature_c, covered_s(time, following, cadence, until))
            for (time, temperature_c), following in zip(points, followers, strict=True)]


def covered_s(time: datetime, following: datetime | None, cadence: Cadence, until: datetime | None) -> float:
    """What one reading covers (SPEC §2.1): up to the next reading, at most H; the last one (no
    `following`) min(Δ, H), or up to `until` (now, or its window's end), at most H."""
    hold_us = cadence.hold // MICROSECOND
    if following is not None:
        return _seconds(min((following - time) // MICROSECOND, hold_us))
    if until is None:
        return _seconds(min(cadence.interval // MICROSECOND, hold_us))
    return _seconds(max(0, min((until - time) // MICROSECOND, hold_us)))


def covered_outside(rows: Iterable[tuple[datetime, float, datetime | None]], profile: StorageProfile,
                    cadence: Cadence, until: datetime | None) -> tuple[Covered, ...]:
    """`outside_range(covered_readings(...))` from the out-of-range readings alone, each with the time of
    the logger's next temperature reading (None for its last), under the evaluation's cadence: what a
    database hands over without reading every reading of a long window into Python."""
    covered = (Covered(time, temperature_c, covered_s(time, following, cadence, until))
               for time, temperature_c, following in rows)
    return outside_range(tuple(covered), profile)


def outside_range(covered: Sequence[Covered], profile: StorageProfile) -> tuple[Covered, ...]:
    """The readings above or below the profile's range (limits inclusive) that cover some time."""
    return tuple(reading for reading in covered if reading.covered_s > 0
                 and range_state(reading.temperature_c, profile) is not RangeState.IN_RANGE)


def _seconds(microseconds: int) -> float:
    return microseconds / _MICROSECONDS_PER_SECOND
