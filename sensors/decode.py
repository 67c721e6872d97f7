"""Telemetry payloads (native JSON, SenML, vendor shapes) decoded into readings in canonical units.

Pure: no I/O and no clock. A payload's shape is recognised from its JSON structure; each object shape is a
small recogniser plus a field table. A reading that cannot be decoded becomes a ReadingProblem naming the
field, and its valid neighbours are still returned; a message that cannot be decoded at all raises
DecodeError.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sensors.readings import DecodedMessage, DecodedReading, DecodeError, ReadingProblem
from sensors.units import (
    BadValue,
    as_number,
    as_sequence_number,
    convert,
    json_type,
    parse_time,
    shown,
    unix_seconds_to_utc,
    vector_magnitude,
)

MAX_PAYLOAD_BYTES = 1024 * 1024
SENML_CONTENT_TYPE = "application/senml+json"
SENML_VERSION = 10  # RFC 8428 §4.4: the Base Version this decoder understands
SENML_ABSOLUTE_FROM = 2**28  # RFC 8428 §4.5.3: smaller resolved times are relative to "now"

# A converter takes the raw value, and also the whole object when its field says `with_object`.
Converter = Callable[..., Any]
_Step = tuple[int, str, tuple[str, ...] | None, Converter, bool]  # a _Field ready to apply: slot, key, ...
_Plan = tuple[_Step, ...]
_MAX_PLANS = 64  # bounds the per-shape cache when a hostile payload varies its keys


# What a field table can fill: "stamp" is (device_time, time_flagged), the rest are DecodedReading's fields
# in its own order, so that a reading is built positionally (it is built 10,000 times per backfill).
_TARGETS = ("stamp", "temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude", "seq")


class _Field(NamedTuple):
    """Where one reading field sits in an object, and how its raw value becomes canonical."""

    target: str  # one of _TARGETS
    path: tuple[str, ...]
    convert: Converter
    with_object: bool = False  # the converter also needs the object the value came from


@dataclass(frozen=True, slots=True)
class _Shape:
    """A single-reading object format: how to recognise it and where its fields are."""

    name: str
    recognise: Callable[[Mapping[str, object]], bool]
    fields: tuple[_Field, ...]
    logger_key: str | None = None
    # The fields that apply to each key list seen, worked out once: a backfill repeats the same keys.
    plans: dict[tuple[str, ...], _Plan] = field(default_factory=dict, compare=False, repr=False)

    def plan(self, keys: tuple[str, ...]) -> _Plan:
        """The fields (in table order) whose top-level key is among `keys`, as plain tuples."""
        plan = self.plans.get(keys)
        if plan is None:
            present = set(keys)
            plan = tuple(_ready(spec) for spec in self.fields if spec.path[0] in present)
            if len(self.plans) < _MAX_PLANS:
                self.plans[keys] = plan
        return plan


def _ready(spec: _Field) -> _Step:
    """The field as (slot in _TARGETS, top-level key, nested path or None, converter, with_object)."""
    nested = spec.path if len(spec.path) > 1 else None
    return _TARGETS.index(spec.target), spec.path[0], nested, spec.convert, spec.with_object


def decode(payload: bytes, *, content_type: str | None = None) -> DecodedMessage:
    """Decode one telemetry message; raise DecodeError when no part of it can be used."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    document = _parse_json(payload, media_type)
    if isinstance(document, list):
        return _decode_senml(document)
    if not isinstance(document, dict):
        raise DecodeError(f"payload is a JSON {json_type(document)}; expected an object or a SenML array")
    if not document:
        raise DecodeError("payload is an empty JSON object: it holds no reading")
    if media_type == SENML_CONTENT_TYPE or _looks_like_senml_record(document):
        return _decode_senml([document])
    if "readings" in document:
        return _decode_native_batch(document["readings"])
    for shape in _SHAPES:
        if shape.recognise(document):
            return _decode_single(document, shape)
    raise DecodeError(f"payload is a JSON object with keys {_some_keys(document)}, "
                      "which matches no known telemetry format")


def _parse_json(payload: bytes, media_type: str) -> object:
    """The JSON document in `payload`, or DecodeError saying why there is none."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise DecodeError(f"payload is {len(payload)} bytes, over the {MAX_PAYLOAD_BYTES}-byte (1 MiB) limit")
    if "cbor" in media_type:
        raise DecodeError(f"content type {media_type} is not supported; send JSON ({SENML_CONTENT_TYPE})")
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DecodeError(f"payload is not UTF-8 text (invalid byte at offset {error.start})") from None
    if not text.strip():
        raise DecodeError("payload is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise DecodeError(f"payload is not JSON: {error.msg} at {where}") from None
    except ValueError as error:  # e.g. an integer longer than Python will convert
        raise DecodeError(f"payload is not usable JSON: {str(error).split(';')[0]}") from None
    except RecursionError:
        raise DecodeError("payload is not usable JSON: it is nested too deeply") from None


def _some_keys(document: Mapping[str, object]) -> str:
    keys = sorted(document)
    listed = ", ".join(shown(key) for key in keys[:8])
    return listed + (", ..." if len(keys) > 8 else "")


def _reason(prefix: str, error: BadValue) -> str:
    """One sentence naming where the problem is ("readings[3].temp") and what it is."""
    where = ".".join(part for part in (prefix, error.path) if part)
    return f"{where}: {error}" if where else str(error)


# --- Object shapes: one reading per object ---------------------------------------------------------------

def _lookup(item: Mapping[str, object], path: tuple[str, ...]) -> object:
    """The value at `path` inside `item`; None when absent or null (JSON null means "no value")."""
    value: object = item
    for depth, key in enumerate(path):
        if not isinstance(value, dict):
            raise BadValue(f"{shown(value)} is not an object", path=".".join(path[:depth]))
        value = value.get(key)
        if value is None:
            return None
    return value


def _reading(item: Mapping[str, object], shape: _Shape) -> DecodedReading:
    """One reading from an object, following a field table; the first field to yield a value wins."""
    values: list[Any] = [None] * len(_TARGETS)
    for slot, key, path, to_canonical, with_object in shape.plan(tuple(item)):
        if values[slot] is not None:
            continue
        raw = item[key] if path is None else _lookup(item, path)
        if raw is None:
            continue
        try:
            values[slot] = to_canonical(raw, item) if with_object else to_canonical(raw)
        except BadValue as error:
            raise BadValue(str(error), path=error.path or ".".join(path or (key,))) from None
    return _built(values)


def _built(values: list[Any]) -> DecodedReading:
    """A reading from values in _TARGETS order."""
    device_time, flagged = values[0] or (None, True)
    return DecodedReading(device_time, values[1], values[2], values[3], values[4], values[5], values[6],
                          values[7], flagged)


def _decode_single(document: Mapping[str, object], shape: _Shape) -> DecodedMessage:
    logger_id = _logger_id(document, shape.logger_key)
    try:
        return DecodedMessage(logger_id, (_reading(document, shape),), ())
    except BadValue as error:
        return DecodedMessage(logger_id, (), (ReadingProblem(0, _reason("", error)),))


def _logger_id(document: Mapping[str, object], key: str | None) -> str | None:
    raw = document.get(key) if key else None
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise DecodeError(f"{key} must name the logger as text, got {shown(raw)}")
    return raw.strip()


def _decode_native_batch(items: object) -> DecodedMessage:
    if not isinstance(items, list):
        raise DecodeError(f"'readings' must be a list of readings, got a JSON {json_type(items)}")
    readings: list[DecodedReading] = []
    problems: list[ReadingProblem] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            reason = f"readings[{index}]: expected an object, got {shown(item)}"
            problems.append(ReadingProblem(index, reason))
            continue
        try:
            readings.append(_reading(item, _NATIVE))
        except BadValue as error:
            problems.append(ReadingProblem(index, _reason(f"readings[{index}]", error)))
    return DecodedMessage(None, tuple(readings), tuple(problems))


def _fahrenheit(raw: object) -> float:
    return convert(as_number(raw), "degF", "degC")


_NATIVE_TEMPERATURE_UNITS = {"C": "degC", "F": "degF", "K": "kelvin"}


def _native_temperature(raw: object, item: Mapping[str, object]) -> float:
    value = as_number(raw)
    unit = item.get("temp_unit")
    if unit is None or unit == "C":
        return value
    pint_unit = _NATIVE_TEMPERATURE_UNITS.get(unit.strip().upper()) if isinstance(unit, str) else None
    if pint_unit is None:
        raise BadValue(f"{shown(unit)} is not a temperature unit (C, F or K)", path="temp_unit")
    return convert(value, pint_unit, "degC")


def _native_shock(raw: object) -> float:
    if isinstance(raw, dict):
        return vector_magnitude(raw, ("x", "y", "z"))
    return as_number(raw)  # a bare number is already a magnitude in g


def _no_shock_recorded(item: Mapping[str, object]) -> bool:
    """A ShockTime in 1970 (or earlier) is the tracker's placeholder for "no shock since the last report"."""
    try:
        moment, _ = parse_time(item.get("ShockTime"))
    except BadValue:
        return False
    return moment.year <= 1970


def _tracker_shock(raw: object, item: Mapping[str, object]) -> float | None:
    """The tracker's peak shock in g ("G"), else the magnitude of its X, Y, Z components."""
    if _no_shock_recorded(item):
        return None
    if not isinstance(raw, dict):
        raise BadValue(f"{shown(raw)} is not an object")
    if raw.get("G") is None:
        return vector_magnitude(raw, ("X", "Y", "Z"))
    try:
        return as_number(raw["G"])
    except BadValue as error:
        raise BadValue(str(error), path="Shock.G") from None


_NATIVE_KEYS = frozenset({"ts", "seq", "temp", "temp_unit", "shock_g", "shock", "lat", "lon"})
_NATIVE = _Shape(
    name="native",
    recognise=lambda item: not _NATIVE_KEYS.isdisjoint(item),
    fields=(
        _Field("stamp", ("ts",), parse_time),
        _Field("seq", ("seq",), as_sequence_number),
        _Field("temperature_c", ("temp",), _native_temperature, with_object=True),
        _Field("shock_g", ("shock_g",), as_number),
        _Field("shock_g", ("shock",), _native_shock),
        _Field("humidity", ("humidity",), as_number),
        _Field("battery", ("battery",), as_number),
        _Field("latitude", ("lat",), as_number),
        _Field("longitude", ("lon",), as_number),
    ),
)
_CELLULAR_TRACKER = _Shape(
    name="cellular tracker webhook",
    recognise=lambda item: "EntityName" in item or "EntryTimeEpoch" in item,
    fields=(
        _Field("stamp", ("EntryTimeEpoch",), parse_time),
        _Field("stamp", ("EntryTimeUtc",), parse_time),
        _Field("temperature_c", ("Temperature", "Celsius"), as_number),
        _Field("temperature_c", ("Temperature", "Fahrenheit"), _fahrenheit),
        _Field("shock_g", ("Shock",), _tracker_shock, with_object=True),
        _Field("battery", ("Battery", "Percentage"), as_number),
    ),
    logger_key="EntityName",
)
_WIFI_RPC = _Shape(
    name="Wi-Fi sensor Gen2 RPC notification",
    recognise=lambda item: isinstance(item.get("src"), str) and isinstance(item.get("params"), dict),
    fields=(
        _Field("stamp", ("params", "ts"), parse_time),
        _Field("stamp", ("params", "sys", "unixtime"), parse_time),
        _Field("temperature_c", ("params", "temperature:0", "tC"), as_number),
        _Field("temperature_c", ("params", "temperature:0", "tF"), _fahrenheit),
        _Field("humidity", ("params", "humidity:0", "rh"), as_number),
        _Field("battery", ("params", "devicepower:0", "battery", "percent"), as_number),
    ),
    logger_key="src",
)
_ZIGBEE2MQTT = _Shape(
    name="Zigbee2MQTT",
    recognise=lambda item: not {"temperature", "humidity", "battery", "linkquality"}.isdisjoint(item),
    fields=(
        _Field("stamp", ("last_seen",), parse_time),  # only sent when the bridge is configured to add it
        _Field("temperature_c", ("temperature",), as_number),
        _Field("humidity", ("humidity",), as_number),
        _Field("battery", ("battery",), as_number),
    ),
)
# Order matters: the first shape that recognises an object decodes it.
_SHAPES = (_CELLULAR_TRACKER, _WIFI_RPC, _NATIVE, _ZIGBEE2MQTT)


# --- SenML (RFC 8428) ----------------------------------------------------------------------------------

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
_SENML_NAMES = {
    "temp": _TEMPERATURE, "temperature": _TEMPERATURE, "shock": _SHOCK, "acceleration": _SHOCK,
    "humidity": _HUMIDITY, "battery": _BATTERY, "lat": _LATITUDE, "latitude": _LATITUDE,
    "lon": _LONGITUDE, "longitude": _LONGITUDE,
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
    value: float = 0.0


def _looks_like_senml_record(document: Mapping[str, object]) -> bool:
    """A lone SenML record sent as an object instead of a one-record pack."""
    return not _SENML_BASE_KEYS.isdisjoint(document) or ("n" in document and "v" in document)


def _decode_senml(pack: list[object]) -> DecodedMessage:
    """Resolve a SenML pack and merge the records that share a resolved time into one reading each."""
    base = _SenmlBase()
    merged: dict[datetime | None, list[Any]] = {}  # resolved time -> values in _TARGETS order
    problems: list[ReadingProblem] = []
    logger_id: str | None = None
    for index, record in enumerate(pack):
        try:
            resolved = _senml_record(record, base, index)
            logger_id = _same_logger(logger_id, resolved.logger_id)
            if resolved.measure is not None:
                _merge(merged, resolved, resolved.measure)
        except BadValue as error:
            problems.append(ReadingProblem(index, _reason(f"records[{index}]", error)))
    readings = tuple(_built(values) for values in merged.values())
    return DecodedMessage(logger_id, readings, tuple(problems))


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


def _senml_value(record: Mapping[str, object], base: _SenmlBase, measure: _Measure) -> float:
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
    values = merged.setdefault(time, [None if time is None else (time, False)] + [None] * 7)
    slot = _TARGETS.index(measure.target)
    if values[slot] is not None:
        when = time.isoformat() if time else "the receive time"
        raise BadValue(f"a second {measure.kind} for {when} in this pack", path="n")
    values[slot] = resolved.value
