"""Raw telemetry values made canonical: numbers, integers, times and unit conversions.

Unit conversions go through pint once per unit pair, which yields an affine factor (scale, offset);
readings are then converted with plain float arithmetic, since building a pint Quantity per reading
would dominate the cost of decoding a large flight-mode backfill.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

import pint

MILLISECONDS_ABOVE = 100_000_000_000  # Unix times above this are milliseconds (1e11 s would be the year 5138)
LARGEST_SEQUENCE = 2**63 - 1  # fits a signed 64-bit database column

_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?\s*", re.ASCII)
_INTEGER = re.compile(r"\s*[+-]?\d{1,19}\s*", re.ASCII)


class BadValue(ValueError):
    """A field value that cannot be used; `path` names the field when it is not the one being read."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class Affine(NamedTuple):
    """A unit conversion as `value * scale + offset`."""

    scale: float
    offset: float


def shown(value: object) -> str:
    """A short rendering of a JSON value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "null"


def as_number(raw: object) -> float:
    """A finite float from a JSON number or numeric string; booleans, NaN and infinities are refused."""
    if type(raw) is float and math.isfinite(raw):  # the common case, checked first for large backfills
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (float, int, str)):
        raise BadValue(f"{shown(raw)} is not a number")
    if isinstance(raw, str) and _NUMBER.fullmatch(raw) is None:
        raise BadValue(f"{shown(raw)} is not a number")
    try:
        number = float(raw)
    except OverflowError:
        raise BadValue(f"{shown(raw)} is too large") from None
    if not math.isfinite(number):
        raise BadValue(f"{shown(raw)} is not a finite number")
    return number


_DOOR_WORDS = {"open": True, "opened": True, "closed": False, "shut": False}


def as_door(raw: object) -> bool:
    """A door or lid contact: JSON true/false, 1/0, or "open"/"closed"."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _DOOR_WORDS:
        return _DOOR_WORDS[raw.strip().lower()]
    raise BadValue(f"{shown(raw)} is not a door state (true or false, 1 or 0, \"open\" or \"closed\")")


def as_sequence_number(raw: object) -> int:
    """A non-negative 64-bit integer from a JSON integer, integral float or numeric string."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and _INTEGER.fullmatch(raw):
        number = int(raw)
    else:
        value = as_number(raw)
        if not value.is_integer():
            raise BadValue(f"{shown(raw)} is not an integer")
        number = int(value)
    if not 0 <= number <= LARGEST_SEQUENCE:
        raise BadValue(f"{shown(raw)} is not a sequence number (0 to 2**63-1)")
    return number


def vector_magnitude(vector: Mapping[str, object], axes: tuple[str, str, str]) -> float:
    """The length of a vector given per axis (numbers or numeric strings)."""
    components = []
    for axis in axes:
        try:
            components.append(as_number(vector.get(axis)))
        except BadValue as error:
            raise BadValue(f"axis {axis}: {error}") from None
    magnitude = math.hypot(*components)
    if not math.isfinite(magnitude):
        raise BadValue("the vector is too large")
    return magnitude


def unix_seconds_to_utc(seconds: float) -> datetime:
    """The UTC moment `seconds` after the Unix epoch."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadValue(f"{shown(seconds)} is out of range for a time") from None


def _iso_to_utc(text: str) -> tuple[datetime, bool]:
    """An ISO 8601 date-time in UTC, and whether it lacked a zone (then taken as UTC)."""
    text = text.strip()
    try:
        if len(text) <= len("2020-01-01"):
            raise ValueError("a date without a time of day")
        # Python 3.11 accepts "Z" (RFC 3339 also allows "z") and truncates fractions beyond microseconds.
        moment = datetime.fromisoformat(text[:-1] + "Z" if text.endswith("z") else text)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC), True
        return moment.astimezone(UTC), False
    except (ValueError, OverflowError):
        raise BadValue(f"{shown(text)} is not a date and time (ISO 8601 or Unix seconds)") from None


def parse_time(raw: object) -> tuple[datetime, bool]:
    """A device time in UTC from ISO 8601 or Unix seconds/milliseconds, and whether it had no zone."""
    if type(raw) is int and 0 <= raw <= MILLISECONDS_ABOVE:  # the common case, checked first
        return datetime.fromtimestamp(raw, UTC), False
    if isinstance(raw, str) and _NUMBER.fullmatch(raw) is None:
        return _iso_to_utc(raw)
    seconds = raw if isinstance(raw, int) and not isinstance(raw, bool) else as_number(raw)
    try:
        return datetime.fromtimestamp(seconds / 1000 if seconds > MILLISECONDS_ABOVE else seconds, UTC), False
    except (OverflowError, OSError, ValueError):
        raise BadValue(f"{shown(raw)} is out of range for a time") from None


@cache
def _registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """pint's unit registry, built on the first conversion that needs it."""
    return pint.UnitRegistry()


@cache
def affine(source: str, target: str) -> Affine:
    """The conversion from pint unit `source` to `target`, computed once with pint."""
    quantity = _registry().Quantity
    at_zero = float(quantity(0.0, source).to(target).magnitude)
    at_one = float(quantity(1.0, source).to(target).magnitude)
    return Affine(scale=at_one - at_zero, offset=at_zero)


def convert(value: float, source: str, target: str) -> float:
    """`value` in pint unit `source`, expressed in `target`."""
    if source == target:
        return value
    scale, offset = affine(source, target)
    # pint's offset units leave float noise (41.9 °F -> 5.4999999999995); no sensor resolves 1e-10.
    return round(value * scale + offset, 10)
