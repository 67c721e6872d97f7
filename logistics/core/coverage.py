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
from itertools import pairwise

from logistics.core.excursion_rules import RangeState, range_state
from logistics.core.excursion_types import MICROSECOND, Sample, Window
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
    interval_us, hold_us = cadence.interval // MICROSECOND, cadence.hold // MICROSECOND
    covered = [Covered(time, temperature_c, _seconds(min((following - time) // MICROSECOND, hold_us)))
               for (time, temperature_c), (following, _) in pairwise(points)]
    last_time, last_c = points[-1]
    until = live_until if window is None or window.end is None else window.end
    if until is None:
        last_us = min(interval_us, hold_us)
    else:
        last_us = max(0, min((until - last_time) // MICROSECOND, hold_us))
    covered.append(Covered(last_time, last_c, _seconds(last_us)))
    return covered


def outside_range(covered: Sequence[Covered], profile: StorageProfile) -> tuple[Covered, ...]:
    """The readings above or below the profile's range (limits inclusive) that cover some time."""
    return tuple(reading for reading in covered if reading.covered_s > 0
                 and range_state(reading.temperature_c, profile) is not RangeState.IN_RANGE)


def _seconds(microseconds: int) -> float:
    return microseconds / _MICROSECONDS_PER_SECOND
