"""Per-reading validation rules (SPEC §5): a decoded reading is stored only if none of them objects."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import NamedTuple

from sensors.readings import DecodedReading, ReadingFields

ABSOLUTE_ZERO_C = -273.15
MAX_TEMPERATURE_C = 100.0
# Shock sensors in shipping loggers read up to a few hundred g; a site with other sensors sets its own.
DEFAULT_MAX_SHOCK_G = 500.0
EARLIEST_DEVICE_TIME = datetime(2020, 1, 1, tzinfo=UTC)
MAX_CLOCK_AHEAD = timedelta(days=1)

_MEASUREMENTS = ("temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude", "light_lux")
MAX_LIGHT_LUX = 200_000.0  # direct tropical sunlight is about 120,000 lx
_measurements_of = attrgetter(*_MEASUREMENTS)  # a reading's measurements, read by name
_NOTHING = (None,) * len(_MEASUREMENTS)
# The physical ranges that need no setting.
_FIXED_RANGES = (
    ("humidity", 0.0, 100.0, "%RH"),
    ("battery", 0.0, 100.0, "%"),
    ("latitude", -90.0, 90.0, "°"),
    ("longitude", -180.0, 180.0, "°"),
    ("light_lux", 0.0, MAX_LIGHT_LUX, "lx"),
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
    """`reading_problem` for a reading given as ReadingFields."""
    return _measurement_problem(fields, limits.max_shock_g) or _time_problem(fields.device_time, limits)


def _measurement_problem(fields: ReadingFields, max_shock_g: float) -> str | None:
    temperature, shock, humidity = fields.temperature_c, fields.shock_g, fields.humidity
    battery, latitude, longitude, light = fields.battery, fields.latitude, fields.longitude, fields.light_lux
    # The hot path: one chain of comparisons, false for NaN and infinities as for anything out of range.
    if ((temperature is None or ABSOLUTE_ZERO_C <= temperature <= MAX_TEMPERATURE_C)
            and (shock is None or 0 <= shock <= max_shock_g)
            and (humidity is None or 0 <= humidity <= 100)
            and (battery is None or 0 <= battery <= 100)
            and (latitude is None or -90 <= latitude <= 90)
            and (longitude is None or -180 <= longitude <= 180)
            and (light is None or 0 <= light <= MAX_LIGHT_LUX)):
        if temperature is None and _measurements_of(fields) == _NOTHING and fields.door_open is None:
            return ("no measurement: the reading has no temperature, shock, humidity, battery, position, "
                    "light or door")
        return None
    return _not_finite(fields) or _out_of_range(fields, max_shock_g)


def _out_of_range(fields: ReadingFields, max_shock_g: float) -> str | None:
    temperature, shock = fields.temperature_c, fields.shock_g
    if temperature is not None and not ABSOLUTE_ZERO_C <= temperature <= MAX_TEMPERATURE_C:
        return (f"temperature_c: {temperature:g} °C is outside the physical range "
                f"{ABSOLUTE_ZERO_C:g} to +{MAX_TEMPERATURE_C:g} °C")
    if shock is not None:
        if shock < 0:
            return f"shock_g: {shock:g} g is negative, but a shock magnitude is never below 0"
        if shock > max_shock_g:
            return (f"shock_g: {shock:g} g is above {max_shock_g:g} g, more than a shipping logger "
                    "measures (setting telemetry_max_shock_g)")
    return _range_problem(fields)


def _range_problem(fields: ReadingFields) -> str | None:
    for name, low, high, unit in _FIXED_RANGES:
        value = getattr(fields, name)
        if value is not None and not low <= value <= high:
            return f"{name}: {value:g} {unit} is outside the range {low:g} to {high:g} {unit}"
    return None


def _not_finite(fields: ReadingFields) -> str | None:
    """The first measurement that is NaN or infinite, named."""
    for name, value in zip(_MEASUREMENTS, _measurements_of(fields), strict=True):
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
