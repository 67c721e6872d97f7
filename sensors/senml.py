"""SenML (RFC 8428) packs decoded into readings: base values resolved, records of one moment merged.

Pure: no I/O and no clock. Reached through `sensors.decode.decode`, which tells a SenML pack from the
other payload formats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sensors._fields import TARGETS, empty_slots, reading_fields, reason
from sensors.readings import DecodedFields, ReadingProblem
from sensors.units import BadValue, as_door, as_number, convert, shown, unix_seconds_to_utc

SENML_CONTENT_TYPE = "application/senml+json"
SENML_VERSION = 10  # RFC 8428 §4.4: the Base Version this decoder understands
SENML_ABSOLUTE_FROM = 2**28  # RFC 8428 §4.5.3: smaller resolved times are relative to "now"

_SENML_BASE_KEYS = frozenset({"bn", "bt", "bu", "bv", "bs", "bver"})
_SENML_KEYS = _SENML_BASE_KEYS | {"n", "u", "v", "vs", "vb", "vd", "s", "t", "ut"}


@dataclass(frozen=True, slots=True)
class _Measure:
    """A SenML measurement this decoder stores, with the units it accepts (SenML name -> pint name)."""

    target: str
    kind: str
    units: Mapping[str, str]
    target_unit: str
    default_unit: str | None  # assumed when neither u nor bu is given
    refused: Mapping[str, str] = field(default_factory=dict)  # units that look right but are not


_TEMPERATURE = _Measure("temperature_c", "temperature", {"Cel": "degC", "K": "kelvin", "degF": "degF"},
                        "degC", "Cel")
_SHOCK = _Measure("shock_g", "acceleration", {"m/s2": "meter / second ** 2"}, "standard_gravity", None,
                  {"g": "'g' is grams in SenML, not g-force; send acceleration in m/s2"})
_HUMIDITY = _Measure("humidity", "humidity", {"%RH": "percent", "%": "percent"}, "percent", "%RH")
_BATTERY = _Measure("battery", "battery level", {"%EL": "percent", "%": "percent", "/": "dimensionless"},
                    "percent", "%EL")
_LATITUDE = _Measure("latitude", "latitude", {"lat": "degree"}, "degree", "lat")
_LONGITUDE = _Measure("longitude", "longitude", {"lon": "degree"}, "degree", "lon")
_LIGHT = _Measure("light_lux", "illuminance", {"lx": "lux"}, "lux", "lx")
_DOOR = _Measure("door_open", "door state", {}, "", None)  # a boolean (vb), or v 1 (open) / 0 (closed)
_SENML_NAMES = {
    "temp": _TEMPERATURE, "temperature": _TEMPERATURE, "shock": _SHOCK, "acceleration": _SHOCK,
    "humidity": _HUMIDITY, "battery": _BATTERY, "lat": _LATITUDE, "latitude": _LATITUDE,
    "lon": _LONGITUDE, "longitude": _LONGITUDE, "light": _LIGHT, "illuminance": _LIGHT, "door": _DOOR,
}


@dataclass(slots=True)
class _SenmlBase:
    """Base values in force; RFC 8428 §4.1: they apply to their own record and all records after it."""

    name: str = ""
    time: float = 0.0
    unit: str | None = None
    value: float = 0.0
    unusable: dict[str, str] = field(default_factory=dict)  # base field -> why it cannot be applied


class _Resolved(NamedTuple):
    logger_id: str | None
    measure: _Measure | None  # None for names this decoder does not store (ignored)
    time: datetime | None = None
    value: float | bool = 0.0


def looks_like_senml_record(document: Mapping[str, object]) -> bool:
    """A lone SenML record sent as an object instead of a one-record pack."""
    return not _SENML_BASE_KEYS.isdisjoint(document) or ("n" in document and "v" in document)


def decode_senml(pack: list[object]) -> DecodedFields:
    """Resolve a SenML pack and merge the records that share a resolved time into one reading each."""
    base = _SenmlBase()
    merged: dict[datetime | None, list[Any]] = {}  # resolved time -> values in TARGETS order
    problems: list[ReadingProblem] = []
    logger_id: str | None = None
    for index, record in enumerate(pack):
        try:
            resolved = _senml_record(record, base, index)
            logger_id = _same_logger(logger_id, resolved.logger_id)
            if resolved.measure is not None:
                _merge(merged, resolved, resolved.measure)
        except BadValue as error:
            problems.append(ReadingProblem(index, reason(f"records[{index}]", error)))
    readings = tuple(reading_fields(values) for values in merged.values())
    return DecodedFields(logger_id, readings, tuple(problems))


def _senml_record(record: object, base: _SenmlBase, index: int) -> _Resolved:
    if not isinstance(record, dict):
        raise BadValue(f"expected a SenML record (an object), got {shown(record)}")
    if _SENML_KEYS.isdisjoint(record):
        raise BadValue("not a SenML record (it has none of the RFC 8428 fields n, v, t, bn, bt, ...)")
    _check_version(record)
    _apply_base(record, base, index)
    logger_id, local_name = _split_name(_resolved_name(record, base))
    measure = _SENML_NAMES.get(local_name.lower())
    if measure is None:
        return _Resolved(logger_id, None)
    return _Resolved(logger_id, measure, _senml_time(record, base), _senml_value(record, base, measure))


def _check_version(record: Mapping[str, object]) -> None:
    """RFC 8428 §4.4: a newer version, or a must-understand field ("..._"), means the record is not used."""
    if record.get("bver") is not None:
        try:
            version = as_number(record["bver"])
        except BadValue as error:
            raise BadValue(str(error), path="bver") from None
        if version > SENML_VERSION:
            raise BadValue(f"SenML version {version:g} is newer than {SENML_VERSION}, the version read here",
                           path="bver")
    for key in record:
        if key.endswith("_"):
            raise BadValue("a must-understand field this decoder does not know (RFC 8428 §4.4)", path=key)


def _as_text(raw: object) -> str:
    if not isinstance(raw, str):
        raise BadValue(f"{shown(raw)} is not text")
    return raw


_BASE_FIELDS: tuple[tuple[str, str, Callable[[object], object]], ...] = (
    ("bn", "name", _as_text), ("bt", "time", as_number), ("bu", "unit", _as_text), ("bv", "value", as_number),
)


def _apply_base(record: Mapping[str, object], base: _SenmlBase, index: int) -> None:
    """Take up the record's base fields; a bad one is remembered so that later records can say so."""
    first_error: BadValue | None = None
    for key, attribute, read in _BASE_FIELDS:
        if record.get(key) is None:
            continue
        try:
            setattr(base, attribute, read(record[key]))
            base.unusable.pop(key, None)
        except BadValue as error:
            base.unusable[key] = f"records[{index}].{key}: {error}"
            first_error = first_error or BadValue(str(error), path=key)
    if first_error is not None:
        raise first_error


def _usable_base(base: _SenmlBase, key: str) -> None:
    if key in base.unusable:
        raise BadValue(f"the base field it relies on is unusable ({base.unusable[key]})", path=key)


def _resolved_name(record: Mapping[str, object], base: _SenmlBase) -> str:
    _usable_base(base, "bn")
    name = record.get("n")
    if name is None:
        return base.name
    if not isinstance(name, str):
        raise BadValue(f"{shown(name)} is not a name", path="n")
    return base.name + name


def _split_name(name: str) -> tuple[str | None, str]:
    """The logger a resolved name belongs to, and the measurement it names: "urn:dev:sn:LG-7:temp"."""
    cut = max(name.rfind("/"), name.rfind(":"))
    if cut < 0:
        return None, name
    head, local = name[:cut], name[cut + 1:]
    if head.startswith("urn:dev:"):  # RFC 8428 §4.5.1: urn:dev:<kind>:<id>
        head = head.split(":", 3)[3] if head.count(":") >= 3 else ""
    return head.strip("/:") or None, local


def _same_logger(current: str | None, named: str | None) -> str | None:
    if current is not None and named is not None and named != current:
        raise BadValue(f"names logger {named!r}, but the pack is for logger {current!r}", path="bn")
    return current or named


def _senml_time(record: Mapping[str, object], base: _SenmlBase) -> datetime | None:
    _usable_base(base, "bt")
    key = "t" if record.get("t") is not None else "bt"
    try:
        resolved = base.time + (as_number(record["t"]) if key == "t" else 0.0)
        if resolved == 0:
            return None  # no time at all means "now": the receiver supplies it, and the reading is flagged
        if resolved >= SENML_ABSOLUTE_FROM:
            return unix_seconds_to_utc(resolved)
    except BadValue as error:
        raise BadValue(str(error), path=key) from None
    raise BadValue(f"relative SenML time needs a clock: the resolved time {resolved:g} s is below 2**28, "
                   "so it counts from 'now' (RFC 8428 §4.5.3); send absolute times or a base time (bt)",
                   path=key)


def _senml_value(record: Mapping[str, object], base: _SenmlBase, measure: _Measure) -> float | bool:
    if measure is _DOOR:
        key = "vb" if record.get("vb") is not None else "v"
        try:
            return as_door(record.get(key))
        except BadValue as error:
            raise BadValue(str(error), path=key) from None
    key = "v" if record.get("v") is not None else "vs"
    if record.get(key) is None:
        raise BadValue(f"no numeric value (v) for the {measure.kind}")
    if key == "v":
        _usable_base(base, "bv")
    try:
        number = as_number(record[key]) + (base.value if key == "v" else 0.0)
    except BadValue as error:
        raise BadValue(str(error), path=key) from None
    value = convert(number, _senml_unit(record, base, measure), measure.target_unit)
    if not math.isfinite(value):
        raise BadValue(f"{number:g} is out of range for the {measure.kind}", path=key)
    return value


def _senml_unit(record: Mapping[str, object], base: _SenmlBase, measure: _Measure) -> str:
    """The pint unit of a record's value: its own unit, else the base unit, else the usual one."""
    key = "u" if record.get("u") is not None else "bu"
    if key == "bu":
        _usable_base(base, "bu")
    unit = record["u"] if key == "u" else base.unit or measure.default_unit
    if unit is None:
        raise BadValue(f"the {measure.kind} needs a unit ({', '.join(measure.units)})", path="u")
    if isinstance(unit, str) and unit in measure.refused:
        raise BadValue(measure.refused[unit], path=key)
    pint_unit = measure.units.get(unit) if isinstance(unit, str) else None
    if pint_unit is None:
        accepted = ", ".join(measure.units)
        raise BadValue(f"{shown(unit)} is not a unit of {measure.kind} ({accepted})", path=key)
    return pint_unit


def _merge(merged: dict[datetime | None, list[Any]], resolved: _Resolved, measure: _Measure) -> None:
    """Records with the same resolved time describe one moment: they become one reading."""
    time = resolved.time
    values = merged.get(time)
    if values is None:
        values = merged[time] = empty_slots()
        values[0] = None if time is None else (time, False)
    slot = TARGETS.index(measure.target)
    if values[slot] is not None:
        when = time.isoformat() if time else "the receive time"
        raise BadValue(f"a second {measure.kind} for {when} in this pack", path="n")
    values[slot] = resolved.value
