"""Per-reading validation rules (SPEC §5): a decoded reading is stored only if none of them objects."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sensors.readings import DecodedReading, ReadingFields

ABSOLUTE_ZERO_C = -273.15
MAX_TEMPERATURE_C = 100.0
EARLIEST_DEVICE_TIME = datetime(2020, 1, 1, tzinfo=UTC)
MAX_CLOCK_AHEAD = timedelta(days=1)

_MEASUREMENTS = ("temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude")
_NOTHING = (None,) * len(_MEASUREMENTS)


class TimeLimits(NamedTuple):
    """The device times acceptable in readings received at `now`."""

    now: datetime
    latest: datetime  # later device times mean the logger's clock is wrong


def time_limits(now: datetime) -> TimeLimits:
    """The limits for readings received at `now` (timezone-aware), worked out once per message."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return TimeLimits(now, now + MAX_CLOCK_AHEAD)


def reading_problem(reading: DecodedReading, *, now: datetime) -> str | None:
    """Why `reading` must be rejected (one sentence naming the field), or None when it is valid."""
    return fields_problem(reading.fields(), time_limits(now))


def fields_problem(fields: ReadingFields, limits: TimeLimits) -> str | None:
    """`reading_problem` for a reading given as plain fields."""
    return _measurement_problem(fields[1:7]) or _time_problem(fields[0], limits)


def _measurement_problem(values: tuple[float | None, ...]) -> str | None:
    if values == _NOTHING:
        return "no measurement: the reading has no temperature, shock, humidity, battery or position"
    for value in values:
        if value is not None and not -math.inf < value < math.inf:
            return _not_finite(values)
    temperature, shock = values[0], values[1]
    if temperature is not None and not ABSOLUTE_ZERO_C <= temperature <= MAX_TEMPERATURE_C:
        return (f"temperature_c: {temperature:g} °C is outside the physical range "
                f"{ABSOLUTE_ZERO_C:g} to +{MAX_TEMPERATURE_C:g} °C")
    if shock is not None and shock < 0:
        return f"shock_g: {shock:g} g is negative, but a shock magnitude is never below 0"
    return None


def _not_finite(values: tuple[float | None, ...]) -> str | None:
    """The first measurement that is NaN or infinite, named."""
    for name, value in zip(_MEASUREMENTS, values, strict=True):
        if value is not None and not math.isfinite(value):
            return f"{name}: {'NaN' if math.isnan(value) else value} is not a finite number"
    return None


def _time_problem(device_time: datetime | None, limits: TimeLimits) -> str | None:
    if device_time is None:
        return None
    if device_time > limits.latest:
        return (f"device_time: {device_time.isoformat()} is more than 1 day ahead of the receive time "
                f"{limits.now.astimezone(UTC).isoformat()}; the logger's clock is wrong")
    if device_time < EARLIEST_DEVICE_TIME:
        return (f"device_time: {device_time.isoformat()} is before {EARLIEST_DEVICE_TIME.date()}; "
                "the logger's clock was probably never set")
    return None
