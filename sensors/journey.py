"""A reagent shipment's journey from Shenzhen to Siriraj Hospital, as a pure model: phases in, readings out.

The payload sits in a passive shipper. Its refrigerant (phase-change packs, dry ice, a liquid-nitrogen dry
shipper) pulls it toward the pack-out temperature at REFRIGERANT_PULL_PER_H while the surroundings leak
heat in at the phase's `coupling_per_h`, so the logged temperature follows a first-order lag toward the
equilibrium of the two. A closed, shaded shipper couples weakly (0.04/h: a time constant of about a day, so
the refrigerant wins and the payload stays in range for days); a shipper baking on a sunny apron couples
strongly.

No I/O, no clock: the start time and the random generator are passed in, so a seed gives the same journey.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

Position = tuple[float, float]  # latitude, longitude in degrees

SITES: dict[str, Position] = {
    "warehouse": (22.540, 113.950),  # Hemogen warehouse, Nanshan, Shenzhen
    "SZX": (22.639, 113.811),
    "HKG": (22.308, 113.918),
    "BKK": (13.690, 100.750),
    "siriraj": (13.759, 100.485),  # Siriraj Hospital pharmacy, Bangkok Noi
}

# Pre-conditioned pack-out temperatures and the upper limits of the built-in profiles (SPEC §2).
PACKOUT_C: dict[str, float] = {"refrigerated": 5.0, "crt": 20.0, "frozen": -20.0, "dry_ice": -75.0,
                               "ln2_vapour": -180.0}
UPPER_LIMIT_C: dict[str, float] = {"refrigerated": 8.0, "crt": 25.0, "frozen": -15.0, "dry_ice": -60.0,
                                   "ln2_vapour": -150.0}
PROFILES = tuple(PACKOUT_C)

REFRIGERANT_PULL_PER_H = 1.0
CLOSED_SHIPPER_COUPLING_PER_H = 0.04  # keeps every profile in range in a 30 °C warehouse for days
TARMAC_COUPLING_PER_H = 0.08  # in the sun, but not long enough to matter
EXCURSION_TARGET_MIN = 45.0
SENSOR_NOISE_C = 0.1
HANDLING_SHOCK_G = (1.0, 4.0)
DROP_G = 18.0
BATTERY_DRAIN_PER_H = 0.12  # % per hour: a 100-day logger
GPS_JITTER_DEG = 0.0001  # about 10 m

ROUTES: dict[str, tuple[float, float]] = {"HKG": (3.0, 2.75), "SZX": (1.0, 2.9)}  # truck and flight hours


@dataclass(frozen=True)
class Phase:
    """One leg or dwell of a journey; `silent` means flight mode (readings are buffered, not sent)."""

    name: str
    hours: float
    ambient_c: float
    coupling_per_h: float
    silent: bool = False
    start_at: Position | None = None  # where the phase begins; None: wherever the previous one ended
    end_at: Position | None = None  # where it ends; None: where it began
    handled: bool = False  # loaded or unloaded at its start: a small shock
    drop_g: float = 0.0  # when > 0, the shipper is dropped once during the phase, at least this hard


@dataclass(frozen=True)
class SimReading:
    """One simulated logger reading, as the device would record it."""

    time: datetime
    temp_c: float
    shock_g: float | None
    battery: float
    lat: float
    lon: float
    seq: int
    phase: str


def default_journey(*, via: str = "HKG", customs_hours: float = 24.0, inject_excursion: bool = False,
                    inject_shock: bool = False, profile: str = "refrigerated") -> list[Phase]:
    """Shenzhen warehouse → truck → HKG or SZX → flight → BKK → Thai customs → courier → Siriraj Hospital."""
    airport = via.upper()
    if airport not in ROUTES:
        raise ValueError(f"via must be one of {', '.join(ROUTES)}, not {via!r}")
    if customs_hours < 0:
        raise ValueError("customs_hours must not be negative")
    truck_hours, flight_hours = ROUTES[airport]
    closed = CLOSED_SHIPPER_COUPLING_PER_H
    phases = [
        Phase("packout", 0.5, 20.0, closed, start_at=SITES["warehouse"]),
        Phase("truck", truck_hours, 29.0, closed, end_at=SITES[airport], handled=True),
        Phase("tarmac", 1.0, 31.0, TARMAC_COUPLING_PER_H, handled=True),
        Phase("flight", flight_hours, 15.0, closed, silent=True, end_at=SITES["BKK"], handled=True),
        Phase("tarmac", 1.0, 33.0, TARMAC_COUPLING_PER_H, handled=True),
        Phase("customs", customs_hours, 30.0, closed, handled=True),
        Phase("courier", 1.5, 31.0, closed, end_at=SITES["siriraj"], handled=True,
              drop_g=DROP_G if inject_shock else 0.0),
        Phase("delivered", 0.5, 22.0, closed, handled=True),
    ]
    if inject_excursion:
        arrival_tarmac = 4  # left on the apron at Suvarnabhumi after unloading
        coupling = excursion_coupling(phases, arrival_tarmac, profile)
        phases[arrival_tarmac] = _with_coupling(phases[arrival_tarmac], coupling)
    return phases


def journey_duration(phases: Sequence[Phase]) -> timedelta:
    """The total length of a journey: the sum of its phases."""
    return timedelta(hours=sum(phase.hours for phase in phases))


def simulate_journey(phases: Sequence[Phase], *, start: datetime, interval_s: float, profile: str,
                     rng: random.Random, first_seq: int = 1,
                     battery_drain_per_h: float = BATTERY_DRAIN_PER_H) -> Iterator[SimReading]:
    """Readings every `interval_s` seconds from `start` to the end of the journey (a mains-powered logger
    drains no battery)."""
    _check_inputs(phases, start, interval_s, profile)
    schedule = _Schedule(phases)
    offsets = _reading_offsets(schedule.total_s, interval_s)
    # Shocks from a generator of their own (one draw of `rng`): how many phases follow never changes the
    # readings before them, so a journey read further fits onto what was read before.
    shocks = _shocks_per_reading(schedule, offsets, random.Random(rng.random()))
    battery_at_start = 100.0 - rng.uniform(0.0, 3.0)
    temp, previous = PACKOUT_C[profile], 0.0
    for index, offset in enumerate(offsets):
        temp = schedule.advance(temp, PACKOUT_C[profile], previous, offset)
        previous = offset
        lat, lon = schedule.position_at(offset)
        yield SimReading(
            time=start + timedelta(seconds=offset),
            temp_c=round(temp + rng.uniform(-SENSOR_NOISE_C, SENSOR_NOISE_C), 2),
            shock_g=shocks.get(index),
            battery=round(max(0.0, battery_at_start - battery_drain_per_h * offset / 3600), 1),
            lat=round(lat + rng.gauss(0.0, GPS_JITTER_DEG), 5),
            lon=round(lon + rng.gauss(0.0, GPS_JITTER_DEG), 5),
            seq=first_seq + index,
            phase=schedule.phase_at(offset).name,
        )


def excursion_coupling(phases: Sequence[Phase], index: int, profile: str,
                       target_min: float = EXCURSION_TARGET_MIN) -> float:
    """The coupling for phase `index` that keeps the payload above the profile's limit for `target_min`."""
    low, high = 0.0, 50.0
    for _ in range(40):  # bisection: time above the limit grows with the coupling
        middle = (low + high) / 2
        trial = [*phases[:index], _with_coupling(phases[index], middle), *phases[index + 1:]]
        if minutes_above_limit(trial, profile, after_phase=index) < target_min:
            low = middle
        else:
            high = middle
    return round(high, 3)


def minutes_above_limit(phases: Sequence[Phase], profile: str, *, after_phase: int) -> float:
    """Noise-free minutes above the profile's upper limit from the start of a phase until it has cooled."""
    schedule = _Schedule(phases)
    setpoint, limit = PACKOUT_C[profile], UPPER_LIMIT_C[profile]
    offset = schedule.starts[after_phase]
    temp = schedule.advance(setpoint, setpoint, 0.0, offset)
    minutes = 0.0
    while offset < schedule.total_s and (temp > limit or offset < schedule.ends[after_phase]):
        temp = schedule.advance(temp, setpoint, offset, offset + 60.0)
        offset += 60.0
        minutes += temp > limit
    return minutes


class _Schedule:
    """Where each phase starts and ends, in seconds from the start of the journey."""

    def __init__(self, phases: Sequence[Phase]) -> None:
        self.phases = list(phases)
        self.starts: list[float] = []
        self.ends: list[float] = []
        elapsed = 0.0
        for phase in self.phases:
            self.starts.append(elapsed)
            elapsed += phase.hours * 3600
            self.ends.append(elapsed)
        self.total_s = elapsed
        self._places = _phase_places(self.phases)

    def index_at(self, offset: float) -> int:
        """The phase holding `offset`; a boundary belongs to the phase that begins there."""
        return min(max(bisect_right(self.starts, offset) - 1, 0), len(self.phases) - 1)

    def phase_at(self, offset: float) -> Phase:
        return self.phases[self.index_at(offset)]

    def advance(self, temp: float, setpoint: float, from_s: float, to_s: float) -> float:
        """The payload temperature at `to_s`, given `temp` at `from_s`, crossing phases as needed."""
        while from_s < to_s:
            index = self.index_at(from_s)
            # index_at never picks a zero-length phase except the last, so every step moves forward.
            step_end = to_s if index == len(self.phases) - 1 else min(to_s, self.ends[index])
            temp = _relax(temp, self.phases[index], setpoint, (step_end - from_s) / 3600)
            from_s = step_end
        return temp

    def position_at(self, offset: float) -> Position:
        """Where the shipment is: moving in a straight line from the phase's start to its end."""
        index = self.index_at(offset)
        (lat0, lon0), (lat1, lon1) = self._places[index]
        length = self.ends[index] - self.starts[index]
        fraction = min(1.0, (offset - self.starts[index]) / length) if length > 0 else 1.0
        return lat0 + (lat1 - lat0) * fraction, lon0 + (lon1 - lon0) * fraction


def _relax(temp: float, phase: Phase, setpoint: float, hours: float) -> float:
    """Exact first-order step toward the equilibrium between refrigerant and surroundings."""
    rate = REFRIGERANT_PULL_PER_H + phase.coupling_per_h
    equilibrium = (REFRIGERANT_PULL_PER_H * setpoint + phase.coupling_per_h * phase.ambient_c) / rate
    return equilibrium + (temp - equilibrium) * math.exp(-rate * hours)


def _phase_places(phases: Sequence[Phase]) -> list[tuple[Position, Position]]:
    here = SITES["warehouse"]
    places = []
    for phase in phases:
        begin = phase.start_at or here
        here = phase.end_at or begin
        places.append((begin, here))
    return places


def _reading_offsets(total_s: float, interval_s: float) -> list[float]:
    count = math.floor(total_s / interval_s + 1e-9) + 1
    return [index * interval_s for index in range(count)]


def _shocks_per_reading(schedule: _Schedule, offsets: list[float], rng: random.Random) -> dict[int, float]:
    """Peak shock per reading: a logger reports the largest shock since its previous reading."""
    events: list[tuple[float, float]] = []
    for phase, begin, end in zip(schedule.phases, schedule.starts, schedule.ends, strict=True):
        if phase.handled:
            events.append((begin, rng.uniform(*HANDLING_SHOCK_G)))
        if phase.drop_g > 0:
            events.append((rng.uniform(begin, end), phase.drop_g * rng.uniform(1.0, 1.4)))
    peaks: dict[int, float] = {}
    for moment, magnitude in events:
        index = bisect_left(offsets, moment - 1e-6)
        if index < len(offsets):
            peaks[index] = round(max(peaks.get(index, 0.0), magnitude), 2)
    return peaks


def _with_coupling(phase: Phase, coupling: float) -> Phase:
    return replace(phase, coupling_per_h=coupling)


def _check_inputs(phases: Sequence[Phase], start: datetime, interval_s: float, profile: str) -> None:
    if profile not in PACKOUT_C:
        raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    if not interval_s > 0:
        raise ValueError("interval_s must be positive")
    if not phases or any(phase.hours < 0 for phase in phases):
        raise ValueError("a journey needs at least one phase and no negative durations")
    if start.tzinfo is None:
        raise ValueError("start must carry a time zone")
