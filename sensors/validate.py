"""Per-reading validation rules (SPEC §5): a decoded reading is stored only if none of them objects."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sensors.readings import DecodedReading

ABSOLUTE_ZERO_C = -273.15
MAX_TEMPERATURE_C = 100.0
EARLIEST_DEVICE_TIME = datetime(2020, 1, 1, tzinfo=UTC)
MAX_CLOCK_AHEAD = timedelta(days=1)

_MEASUREMENTS = ("temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude")
_NOTHING = (None,) * len(_MEASUREMENTS)


def reading_problem(reading: DecodedReading, *, now: datetime) -> str | None:
    """Why `reading` must be rejected (one sentence naming the field), or None when it is valid."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _measurement_problem(reading) or _time_problem(reading.device_time, now)


def _measurement_problem(reading: DecodedReading) -> str | None:
    values = (reading.temperature_c, reading.shock_g, reading.humidity, reading.battery,
              reading.latitude, reading.longitude)
    if values == _NOTHING:
        return "no measurement: the reading has no temperature, shock, humidity, battery or position"
    for name, value in zip(_MEASUREMENTS, values, strict=True):
        if value is not None and not math.isfinite(value):
            return f"{name}: {'NaN' if math.isnan(value) else value} is not a finite number"
    temperature = reading.temperature_c
    if temperature is not None and not ABSOLUTE_ZERO_C <= temperature <= MAX_TEMPERATURE_C:
        return (f"temperature_c: {temperature:g} °C is outside the physical range "
                f"{ABSOLUTE_ZERO_C:g} to +{MAX_TEMPERATURE_C:g} °C")
    if reading.shock_g is not None and reading.shock_g < 0:
        return f"shock_g: {reading.shock_g:g} g is negative, but a shock magnitude is never below 0"
    return None


def _time_problem(device_time: datetime | None, now: datetime) -> str | None:
    if device_time is None:
        return None
    if device_time > now + MAX_CLOCK_AHEAD:
        return (f"device_time: {device_time.isoformat()} is more than 1 day ahead of the receive time "
                f"{now.astimezone(UTC).isoformat()}; the logger's clock is wrong")
    if device_time < EARLIEST_DEVICE_TIME:
        return (f"device_time: {device_time.isoformat()} is before {EARLIEST_DEVICE_TIME.date()}; "
                "the logger's clock was probably never set")
    return None
