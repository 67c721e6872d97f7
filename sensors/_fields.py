"""What the native and SenML decoders share: the slots a decoder fills, and how a problem is worded."""

from __future__ import annotations

from typing import Any

from sensors.readings import ReadingFields
from sensors.units import BadValue

# What a decoder fills: "stamp" is (device_time, time_flagged), the rest are DecodedReading's fields in
# its own order.
TARGETS = ("stamp", "temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude", "seq",
           "light_lux", "door_open")


def empty_slots() -> list[Any]:
    """One value per TARGETS slot, none filled yet."""
    return [None] * len(TARGETS)


def reading_fields(values: list[Any]) -> ReadingFields:
    """A reading's fields from values in TARGETS order; no stamp means no time, which is flagged."""
    device_time, flagged = values[0] or (None, True)
    # tuple.__new__ skips the named tuple's own __new__, a Python call costing a tenth of decoding a reading.
    return tuple.__new__(ReadingFields, (device_time, values[1], values[2], values[3], values[4], values[5],
                                         values[6], values[7], flagged, values[8], values[9]))


def reason(prefix: str, error: BadValue) -> str:
    """One sentence naming where the problem is ("readings[3].temp") and what it is."""
    where = ".".join(part for part in (prefix, error.path) if part)
    return f"{where}: {error}" if where else str(error)
