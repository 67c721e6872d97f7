"""Telemetry payloads (native JSON, SenML, vendor shapes) decoded into readings in canonical units.

Pure: no I/O and no clock. A payload's shape is recognised from its JSON structure; each object shape is a
small recogniser plus a field table, and SenML packs are read by `sensors.senml`. A reading that cannot be
decoded becomes a ReadingProblem naming the field, and its valid neighbours are still returned; a message
that cannot be decoded at all raises DecodeError.
"""

from __future__ import annotations

import codecs
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sensors._fields import TARGETS, empty_slots, reading_fields, reason
from sensors.json_text import parse_json_text
from sensors.plain_batch import decode_plain_batch
from sensors.readings import DecodedFields, DecodedMessage, DecodeError, ReadingFields, ReadingProblem
from sensors.senml import (
    SENML_ABSOLUTE_FROM,
    SENML_CONTENT_TYPE,
    SENML_VERSION,
    decode_senml,
    looks_like_senml_record,
)
from sensors.units import (
    LARGEST_SEQUENCE,
    MILLISECONDS_ABOVE,
    BadValue,
    as_door,
    as_number,
    as_sequence_number,
    convert,
    json_type,
    parse_time,
    shown,
    vector_magnitude,
)

__all__ = ["MAX_PAYLOAD_BYTES", "SENML_ABSOLUTE_FROM", "SENML_CONTENT_TYPE", "SENML_VERSION", "decode",
           "decode_fields"]

MAX_PAYLOAD_BYTES = 1024 * 1024

# A converter takes the raw value, and also the whole object when its field says `with_object`.
Converter = Callable[..., Any]
_Step = tuple[int, str, tuple[str, ...] | None, Converter, bool]  # a _Field ready to apply: slot, key, ...
_Plan = tuple[_Step, ...]
_MAX_PLANS = 64  # bounds the per-shape cache when a hostile payload varies its keys


class _Field(NamedTuple):
    """Where one reading field sits in an object, and how its raw value becomes canonical."""

    target: str  # one of TARGETS
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
    """The field as (slot in TARGETS, top-level key, nested path or None, converter, with_object)."""
    nested = spec.path if len(spec.path) > 1 else None
    return TARGETS.index(spec.target), spec.path[0], nested, spec.convert, spec.with_object


def decode(payload: bytes, *, content_type: str | None = None) -> DecodedMessage:
    """Decode one telemetry message; raise DecodeError when no part of it can be used."""
    return decode_fields(payload, content_type=content_type).message()


def decode_fields(payload: bytes, *, content_type: str | None = None) -> DecodedFields:
    """`decode`, with each reading left as a ReadingFields tuple (the writer's hot path)."""
    media_type = content_type.split(";")[0].strip().lower() if content_type else ""
    if media_type != SENML_CONTENT_TYPE and "cbor" not in media_type and len(payload) <= MAX_PAYLOAD_BYTES:
        usual = decode_plain_batch(payload)  # a backfill of plain readings, in one pass
        if usual is not None:
            return usual
    document = _parse_json(payload, media_type)
    if isinstance(document, list):
        return decode_senml(document)
    if not isinstance(document, dict):
        raise DecodeError(f"payload is a JSON {json_type(document)}; expected an object or a SenML array")
    if not document:
        raise DecodeError("payload is an empty JSON object: it holds no reading")
    if media_type == SENML_CONTENT_TYPE or looks_like_senml_record(document):
        return decode_senml([document])
    if "readings" in document:
        return _decode_native_batch(document["readings"])
    plain = _plain_native(document)
    if plain is not None:
        return DecodedFields(None, (plain,), ())
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
    if payload.startswith(codecs.BOM_UTF8):  # what "utf-8-sig" would drop, without its slower codec
        payload = payload[len(codecs.BOM_UTF8):]
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DecodeError(f"payload is not UTF-8 text (invalid byte at offset {error.start})") from None
    if not text.strip():
        raise DecodeError("payload is empty")
    return parse_json_text(text, payload)


def _some_keys(document: Mapping[str, object]) -> str:
    keys = sorted(document)
    listed = ", ".join(shown(key) for key in keys[:8])
    return listed + (", ..." if len(keys) > 8 else "")


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


def _reading(item: Mapping[str, object], shape: _Shape) -> ReadingFields:
    """One reading from an object, following a field table; the first field to yield a value wins."""
    values = empty_slots()
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
    return reading_fields(values)


def _decode_single(document: Mapping[str, object], shape: _Shape) -> DecodedFields:
    logger_id = _logger_id(document, shape.logger_key)
    try:
        return DecodedFields(logger_id, (_reading(document, shape),), ())
    except BadValue as error:
        return DecodedFields(logger_id, (), (ReadingProblem(0, reason("", error)),))


def _logger_id(document: Mapping[str, object], key: str | None) -> str | None:
    raw = document.get(key) if key else None
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise DecodeError(f"{key} must name the logger as text, got {shown(raw)}")
    return raw.strip()


def _decode_native_batch(items: object) -> DecodedFields:
    if not isinstance(items, list):
        raise DecodeError(f"'readings' must be a list of readings, got a JSON {json_type(items)}")
    readings: list[ReadingFields] = []
    problems: list[ReadingProblem] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            reason_text = f"readings[{index}]: expected an object, got {shown(item)}"
            problems.append(ReadingProblem(index, reason_text))
            continue
        plain = _plain_native(item)
        if plain is not None:
            readings.append(plain)
            continue
        try:
            readings.append(_reading(item, _NATIVE))
        except BadValue as error:
            problems.append(ReadingProblem(index, reason(f"readings[{index}]", error)))
    return DecodedFields(None, tuple(readings), tuple(problems))


# The native measurements whose plain numbers need no conversion, by slot in TARGETS.
_PLAIN_SLOTS = {key: TARGETS.index(target) for key, target in (
    ("temp", "temperature_c"), ("shock_g", "shock_g"), ("humidity", "humidity"), ("battery", "battery"),
    ("lat", "latitude"), ("lon", "longitude"))}
_SEQ_SLOT = TARGETS.index("seq")
_SLOTS = len(TARGETS)
_FLOAT_SAFE = 2**1023  # any integer nearer to 0 than this becomes a float without overflow


def _plain_native(item: dict[str, object]) -> ReadingFields | None:
    """The usual native reading, decoded without the field table, or None when it needs the table.

    Usual means: "ts" in whole Unix seconds, an integer "seq", finite numbers for the measurements, and
    no unit, vector or null. The result is what the _NATIVE table would give (a property test holds the
    two to that).
    """
    ts = item.get("ts")
    if type(ts) is not int or not 0 <= ts <= MILLISECONDS_ABOVE:
        return None
    values: list[Any] = [None] * _SLOTS  # empty_slots and reading_fields inlined: once per reading
    for key, raw in item.items():
        slot = _PLAIN_SLOTS.get(key)
        if slot is not None and type(raw) is float and -math.inf < raw < math.inf:
            values[slot] = raw
        elif slot is not None and type(raw) is int and -_FLOAT_SAFE < raw < _FLOAT_SAFE:
            values[slot] = float(raw)
        elif key == "seq" and type(raw) is int and 0 <= raw <= LARGEST_SEQUENCE:
            values[_SEQ_SLOT] = raw
        elif key != "ts":
            return None
    return tuple.__new__(ReadingFields, (datetime.fromtimestamp(ts, UTC), values[1], values[2], values[3],
                                         values[4], values[5], values[6], values[7], False, values[8],
                                         values[9]))


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
        _Field("light_lux", ("light",), as_number),
        _Field("door_open", ("door",), as_door),
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
