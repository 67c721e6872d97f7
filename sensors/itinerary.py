"""A logger's time laid out along what its shipper went through, as journey phases (sensors.journey).

A shipment's legs (truck, flight, customs, courier) and the waits between them become stretches, each
with its own surroundings: a truck at 29 °C, an apron in the sun, a cold hold in flight mode, a customs
shed. A storage zone is one long stretch. Mishaps then happen to one logger's shipper at a given moment:
it warms until it has spent about so many minutes above its storage limit (left on an apron, dry ice
running low), or it is dropped. From the stretches, `readings_along` gives the logger's readings, the same
ones for the same inputs and seed, so readings recorded earlier and readings sent live fit together.

No I/O, no clock: every time is passed in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sensors.journey import (
    BATTERY_DRAIN_PER_H,
    CLOSED_SHIPPER_COUPLING_PER_H,
    DROP_G,
    PACKOUT_C,
    TARMAC_COUPLING_PER_H,
    Phase,
    Position,
    SimReading,
    excursion_coupling,
    simulate_journey,
)

APRON_HOURS = 1.0  # on the apron beside the aircraft, before loading and after unloading
DROP_MINUTES = 10.0


@dataclass(frozen=True)
class Climate:
    """What surrounds the shipper during a stretch, and whether the logger is silent (flight mode)."""

    ambient_c: float
    coupling_per_h: float = CLOSED_SHIPPER_COUPLING_PER_H
    silent: bool = False
    handled: bool = True  # loaded or unloaded at its start: a small shock


CLIMATES: dict[str, Climate] = {
    "packing": Climate(20.0, handled=False),  # conditioned and packed at the warehouse
    "truck": Climate(29.0),
    "terminal": Climate(26.0),  # an airport's cargo terminal
    "apron": Climate(32.0, TARMAC_COUPLING_PER_H),
    "flight": Climate(15.0, silent=True),
    "customs": Climate(30.0),  # the bonded shed while customs and the Thai FDA check the papers
    "courier": Climate(31.0),
    "receiving": Climate(22.0),  # at the hospital's receiving bay until the pharmacy unpacks it
    "storage": Climate(22.0, handled=False),  # a fridge or freezer at the hospital, its own logger
}
LEG_STRETCHES = {"truck": "truck", "air": "flight", "customs": "customs", "courier": "courier",
                 "storage": "storage"}


@dataclass(frozen=True)
class Stretch:
    """A span of the logger's time in one climate, moving from `start_at` to `end_at` (None: staying)."""

    kind: str  # a key of CLIMATES
    start: datetime
    end: datetime
    start_at: Position | None = None
    end_at: Position | None = None


@dataclass(frozen=True)
class LegTimes:
    """A route leg as the logger lives it: its mode, when it ran (actual, else planned), where it goes."""

    mode: str  # truck, air, customs, courier, storage
    start: datetime
    end: datetime
    start_at: Position | None = None
    end_at: Position | None = None


@dataclass(frozen=True)
class Mishap:
    """Something that happens to one shipper at `at`: it warms until about `minutes` were spent above the
    storage limit ("warm"), or it is dropped ("drop")."""

    kind: str  # warm, drop
    at: datetime
    minutes: float = 40.0


def stretches_along(legs: Sequence[LegTimes], *, start: datetime, end: datetime,
                    origin: Position | None = None, destination: Position | None = None) -> list[Stretch]:
    """The stretches of [start, end) for a shipper travelling `legs`: packing before the first, the legs,
    the waits between them (at an airport: terminal, then an hour on the apron either side of a flight),
    and the receiving bay after the last."""
    laid: list[Stretch] = []
    here, moment = origin, start
    for index, leg in enumerate(legs):
        before = "packing" if index == 0 else _wait_kind(legs[index - 1].mode)
        laid += _wait(before, moment, leg.start, here, leaving_by_air=leg.mode == "air")
        laid.append(Stretch(LEG_STRETCHES.get(leg.mode, "terminal"), max(leg.start, moment), leg.end,
                            leg.start_at or here, leg.end_at))
        here, moment = leg.end_at or leg.start_at or here, max(moment, leg.end)
    laid += _wait("receiving" if legs else "packing", moment, end, destination or here, leaving_by_air=False)
    return _clipped(laid, start, end)


def phases_of(stretches: Sequence[Stretch], mishaps: Sequence[Mishap], profile: str) -> list[Phase]:
    """Journey phases for the stretches, with each mishap cut into the stretch it happens in."""
    phases = [_phase(stretch) for stretch in stretches]
    starts = [stretch.start for stretch in stretches]
    for mishap in sorted(mishaps, key=lambda m: m.at, reverse=True):  # later first: earlier cuts keep places
        index = _index_at(starts, mishap.at)
        if index is None:
            continue
        phases[index:index + 1] = _cut(phases, index, starts[index], mishap, profile)
    return phases


def readings_along(stretches: Sequence[Stretch], *, profile: str, interval_s: float, seed: str,
                   mishaps: Sequence[Mishap] = (), mains_powered: bool = False) -> list[SimReading]:
    """The logger's readings over the stretches, every `interval_s` from the first stretch's start."""
    if not stretches:
        return []
    phases = phases_of(stretches, mishaps, profile)
    drain = 0.0 if mains_powered else BATTERY_DRAIN_PER_H
    return list(simulate_journey(phases, start=stretches[0].start, interval_s=interval_s, profile=profile,
                                 rng=random.Random(seed), battery_drain_per_h=drain))


def shipper_profile(profiles: Sequence[str]) -> str:
    """The profile a shipper is conditioned for: the coldest of the goods it carries (frozen kits ride on
    the vector's dry ice)."""
    known = [name for name in profiles if name in PACKOUT_C]
    return min(known, key=PACKOUT_C.__getitem__) if known else "refrigerated"


def _wait_kind(previous_mode: str) -> str:
    return {"air": "apron", "customs": "terminal", "truck": "terminal"}.get(previous_mode, "terminal")


def _wait(kind: str, start: datetime, end: datetime, at: Position | None, *,
          leaving_by_air: bool) -> list[Stretch]:
    """A wait in one place; an hour of it on the apron after landing (kind "apron") or before take-off."""
    if end <= start:
        return []
    apron = timedelta(hours=APRON_HOURS)
    if kind == "apron" and end - start > apron:  # unloaded onto the apron, then into the terminal
        return [Stretch("apron", start, start + apron, at), *_wait("terminal", start + apron, end, at,
                                                                    leaving_by_air=leaving_by_air)]
    if leaving_by_air and kind != "apron":
        if end - start <= apron:
            return [Stretch("apron", start, end, at)]
        return [Stretch(kind, start, end - apron, at), Stretch("apron", end - apron, end, at)]
    return [Stretch(kind, start, end, at)]


def _clipped(stretches: list[Stretch], start: datetime, end: datetime) -> list[Stretch]:
    kept = []
    for stretch in stretches:
        low, high = max(stretch.start, start), min(stretch.end, end)
        if low < high:
            kept.append(replace(stretch, start=low, end=high))
    return kept


def _phase(stretch: Stretch) -> Phase:
    climate = CLIMATES[stretch.kind]
    return Phase(stretch.kind, (stretch.end - stretch.start).total_seconds() / 3600, climate.ambient_c,
                 climate.coupling_per_h, silent=climate.silent, start_at=stretch.start_at,
                 end_at=stretch.end_at, handled=climate.handled)


def _index_at(starts: list[datetime], moment: datetime) -> int | None:
    earlier = [index for index, start in enumerate(starts) if start <= moment]
    return earlier[-1] if earlier else None


def _cut(phases: list[Phase], index: int, start: datetime, mishap: Mishap, profile: str) -> list[Phase]:
    """The phase at `index` as before / during / after the mishap."""
    phase = phases[index]
    before_h = min((mishap.at - start).total_seconds() / 3600, phase.hours)
    during_h = min(DROP_MINUTES / 60 if mishap.kind == "drop" else mishap.minutes / 60 * 1.5,
                   phase.hours - before_h)
    before = replace(phase, hours=before_h, end_at=None)
    during = replace(phase, hours=during_h, handled=False, start_at=None, end_at=None)
    after = replace(phase, hours=phase.hours - before_h - during_h, handled=False, start_at=None)
    if mishap.kind == "drop":
        during = replace(during, drop_g=DROP_G)
    else:
        trial = [*phases[:index], before, during, after, *phases[index + 1:]]
        coupling = excursion_coupling(trial, index + 1, profile, target_min=mishap.minutes)
        during = replace(during, coupling_per_h=coupling)
    return [part for part in (before, during, after) if part.hours > 0] or [phase]
