"""When a shipper was opened, from a logger's light sensor or door (lid) contact.

Inside a closed shipper it is dark; opening it lets light onto the sensor. The shipper counts as opened
when a reading shows `LIGHT_OPEN_LUX` or more and as closed again below `LIGHT_CLOSED_LUX` (readings in
between change nothing, so a flickering sensor does not open it twice); a door contact, where the
logger has one, says it outright and wins over the light. An opening is said once, at the first reading
that showed it. Readings are taken in time order; one not later than the last taken is skipped.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

LIGHT_OPEN_LUX = 50.0  # an office or warehouse is lit at 300-500 lx
LIGHT_CLOSED_LUX = 10.0


@dataclass(frozen=True)
class LightReading:
    at: datetime
    light_lux: float | None = None
    door_open: bool | None = None


@dataclass(frozen=True)
class Opening:
    """The shipper was opened at `at`, as this reading showed."""

    at: datetime
    light_lux: float | None
    door_open: bool | None


@dataclass(frozen=True)
class OpenState:
    opened: bool = False
    last: datetime | None = None  # the newest reading taken


def openings(state: OpenState, readings: Iterable[LightReading]) -> tuple[OpenState, list[Opening]]:
    """Carry `state` on over `readings`: the state after them and the openings they show."""
    opened, last, found = state.opened, state.last, []
    for reading in sorted(readings, key=lambda reading: reading.at):
        if last is not None and reading.at <= last:
            continue
        now_open = _open(reading, opened)
        if now_open is None:
            continue
        if now_open and not opened:
            found.append(Opening(reading.at, reading.light_lux, reading.door_open))
        opened, last = now_open, reading.at
    return OpenState(opened, last), found


def _open(reading: LightReading, opened: bool) -> bool | None:
    """Whether the reading shows the shipper open; None when it says nothing about it."""
    if reading.door_open is not None:
        return reading.door_open
    if reading.light_lux is None:
        return None
    if reading.light_lux >= LIGHT_OPEN_LUX:
        return True
    return False if reading.light_lux < LIGHT_CLOSED_LUX else opened
