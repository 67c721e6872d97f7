"""Per-reading validation rules (SPEC §5): a decoded reading is stored only if none of them objects."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sensors.readings import DecodedReading, ReadingFields

ABSOLUTE_ZERO_C = -273.15
MAX_TEMPERATURE_C = 100.0
# Shock sensors in shipping loggers read up to a few hundred g; a site with other sensors sets its own.
DEFAULT_MAX_SHOCK_G = 500.0
EARLIEST_DEVICE_TIME = datetime(2020, 1, 1, tzinfo=UTC)
MAX_CLOCK_AHEAD = timedelta(days=1)

_MEASUREMENTS = ("temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude")
_NOTHING = (None,) * len(_MEASUREMENTS)
# (field, low, high, unit): the physical ranges that need no setting.
_FIXED_RANGES = (
    (2, "humidity", 0.0, 100.0, "%RH"),
    (3, "battery", 0.0, 100.0, "%"),
    (4, "latitude", -90.0, 90.0, "°"),
    (5, "longitude", -180.0, 180.0, "°"),
)


class ReadingLimits(NamedTuple):
    """What readings received at `now` may hold."""

    now: datetime
    latest: datetime  # later device times mean the logger's clock is wrong
    max_shock_g: float = DEFAULT_MAX_SHOCK_G


def reading_limits(now: datetime, *, max_shock_g: float = DEFAULT_MAX_SHOCK_G) -> ReadingLimits:
    """The limits for readings received at `now` (timezone-aware), worked out once per message."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return ReadingLimits(now, now + MAX_CLOCK_AHEAD, max_shock_g)


def reading_problem(reading: DecodedReading, *, now: datetime,
                    max_shock_g: float = DEFAULT_MAX_SHOCK_G) -> str | None:
    """Why `reading` must be rejected (one sentence naming the field), or None when it is valid."""
    return fields_problem(reading.fields(), reading_limits(now, max_shock_g=max_shock_g))


def fields_problem(fields: ReadingFields, limits: ReadingLimits) -> str | None:
    """`reading_problem` for a reading given as plain fields."""
    return _measurement_problem(fields[1:7], limits.max_shock_g) or _time_problem(fields[0], limits)


def _measurement_problem(values: tuple[float | None, ...], max_shock_g: float) -> str | None:
    temperature, shock, humidity, battery, latitude, longitude = values
    # The hot path: one chain of comparisons, false for NaN and infinities as for anything out of range.
    if ((temperature is None or ABSOLUTE_ZERO_C <= temperature <= MAX_TEMPERATURE_C)
            and (shock is None or 0 <= shock <= max_shock_g)
            and (humidity is None or 0 <= humidity <= 100)
            and (battery is None or 0 <= battery <= 100)
            and (latitude is None or -90 <= latitude <= 90)
            and (longitude is None or -180 <= longitude <= 180)):
        if temperature is None and values == _NOTHING:
            return "no measurement: the reading has no temperature, shock, humidity, battery or position"
        return None
    return _not_finite(values) or _out_of_range(values, max_shock_g)


def _out_of_range(values: tuple[float | None, ...], max_shock_g: float) -> str | None:
    temperature, shock = values[0], values[1]
    if temperature is not None and not ABSOLUTE_ZERO_C <= temperature <= MAX_TEMPERATURE_C:
        return (f"temperature_c: {temperature:g} °C is outside the physical range "
                f"{ABSOLUTE_ZERO_C:g} to +{MAX_TEMPERATURE_C:g} °C")
    if shock is not None:
        if shock < 0:
            return f"shock_g: {shock:g} g is negative, but a shock magnitude is never below 0"
        if shock > max_shock_g:
            return (f"shock_g: {shock:g} g is above {max_shock_g:g} g, more than a shipping logger "
                    "measures (setting telemetry_max_shock_g)")
    return _range_problem(values)


def _range_problem(values: tuple[float | None, ...]) -> str | None:
    for index, name, low, high, unit in _FIXED_RANGES:
        value = values[index]
        if value is not None and not low <= value <= high:
            return f"{name}: {value:g} {unit} is outside the range {low:g} to {high:g} {unit}"
    return None


def _not_finite(values: tuple[float | None, ...]) -> str | None:
    """The first measurement that is NaN or infinite, named."""
    for name, value in zip(_MEASUREMENTS, values, strict=True):
        if value is not None and not math.isfinite(value):
            return f"{name}: {'NaN' if math.isnan(value) else value} is not a finite number"
    return None


def _time_problem(device_time: datetime | None, limits: ReadingLimits) -> str | None:
    if device_time is None:
        return None
    if device_time > limits.latest:
        return (f"device_time: {device_time.isoformat()} is more than 1 day ahead of the receive time "
                f"{limits.now.astimezone(UTC).isoformat()}; the logger's clock is wrong")
    if device_time < EARLIEST_DEVICE_TIME:
        return (f"device_time: {device_time.isoformat()} is before {EARLIEST_DEVICE_TIME.date()}; "
                "the logger's clock was probably never set")
    return None
