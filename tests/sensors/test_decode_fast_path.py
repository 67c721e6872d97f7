"""The usual native reading skips the field table; what it takes, it must decode exactly as the table does.

Also: the plain-tuple form the writer uses is the same message as the public one, and the names other
modules import from `sensors.decode` are still there after SenML moved to its own module.
"""

import json
import math
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sensors import decode as decode_module
from sensors.decode import _NATIVE, _plain_native, _reading, decode, decode_fields
from sensors.plain_batch import decode_plain_batch
from sensors.readings import DecodedFields, DecodedReading
from sensors.units import BadValue

PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads"
NATIVE_KEYS = ["ts", "seq", "temp", "temp_unit", "shock_g", "shock", "humidity", "battery", "lat", "lon"]

numbers = (st.integers() | st.floats() | st.integers(0, 10**11) | st.integers(min_value=2**1022)
           | st.floats(-300, 300) | st.sampled_from([0, -0.0, 1772330400, 1772330400250, 2**63 - 1, 2**63]))
values = numbers | st.booleans() | st.none() | st.text(max_size=6) | st.sampled_from(["5.5", "C", "F"]) | \
    st.dictionaries(st.sampled_from(["x", "y", "z"]), numbers, max_size=3)
items = st.dictionaries(st.sampled_from(NATIVE_KEYS + ["other"]), values, max_size=7)
usual_items = st.fixed_dictionaries(
    {"ts": st.integers(0, 10**11)},
    optional={"seq": st.integers(0, 2**63 - 1), "temp": st.floats(allow_nan=False, allow_infinity=False),
              "shock_g": st.floats(0, 50), "humidity": st.integers(0, 100), "battery": st.floats(0, 100),
              "lat": st.floats(-90, 90), "lon": st.floats(-180, 180)},
)


def table_reading(item):
    try:
        return _reading(item, _NATIVE)
    except BadValue:
        return None


def same_fields(fast, table) -> bool:
    """Equal value by value and of the same types (5 and 5.0 are equal, but would be stored differently)."""
    return fast == table and [type(value) for value in fast] == [type(value) for value in table]


@settings(max_examples=1000)
@given(items)
@example({"ts": 1772330400, "temp": 5})
@example({"ts": 1772330400, "temp": 10**400})
@example({"ts": 1772330400, "temp": math.nan})
@example({"ts": 1772330400, "seq": True, "temp": 5.0})
@example({"ts": 1772330400.5, "temp": 5.0})
@example({"ts": 100_000_000_001, "temp": 5.0})
@example({"ts": 1772330400, "shock_g": 1.5, "shock": {"x": 3, "y": 4, "z": 0}})
def test_whatever_the_quick_path_decodes_it_decodes_as_the_field_table_does(item):
    fast = _plain_native(item)
    if fast is not None:
        table = table_reading(item)
        assert table is not None and same_fields(fast, table)


@settings(max_examples=300)
@given(usual_items)
def test_the_usual_native_reading_takes_the_quick_path(item):
    fast = _plain_native(item)
    assert fast is not None and same_fields(fast, table_reading(item))


@pytest.mark.parametrize("item", [
    {"temp": 5.0}, {"ts": None, "temp": 5.0}, {"ts": "2026-03-01T02:00:00Z", "temp": 5.0},
    {"ts": 1772330400, "temp": 41.9, "temp_unit": "F"}, {"ts": 1772330400, "temp": "5.5"},
    {"ts": 1772330400, "shock": {"x": 3, "y": 4, "z": 0}}, {"ts": 1772330400, "temp": None},
])
def test_anything_unusual_is_left_to_the_field_table(item):
    assert _plain_native(item) is None


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.json")), ids=lambda path: path.name)
def test_the_writers_plain_fields_are_the_same_message(path):
    payload = path.read_bytes()
    assert decode_fields(payload).message() == decode(payload)
    for reading in decode(payload).readings:
        assert DecodedReading(*reading.fields()) == reading


def test_a_byte_order_mark_is_ignored_and_bad_bytes_after_it_are_placed_as_before():
    bom = b"\xef\xbb\xbf"
    assert decode(bom + b'{"ts": 1772330400, "temp": 5.0}') == decode(b'{"ts": 1772330400, "temp": 5.0}')
    with pytest.raises(ValueError, match="invalid byte at offset 10"):
        decode(bom + b'{"temp": "\xff"}')


def test_names_other_modules_import_from_sensors_decode_are_still_there():
    for name in ("MAX_PAYLOAD_BYTES", "SENML_CONTENT_TYPE", "SENML_VERSION", "SENML_ABSOLUTE_FROM", "decode"):
        assert name in decode_module.__all__ and hasattr(decode_module, name)
    assert decode_module.SENML_CONTENT_TYPE == "application/senml+json"


# --- The usual batch, parsed by msgspec (sensors/plain_batch.py) -------------------------------------------

def full_decoder(payload: bytes):
    """What decode_fields gives a batch without the msgspec pass: json, then the per-reading decoding."""
    return decode_module._decode_native_batch(json.loads(payload)["readings"])


def same_message(fast, full) -> bool:
    return (fast.logger_id == full.logger_id and fast.problems == full.problems
            and len(fast.readings) == len(full.readings)
            and all(same_fields(a, b) for a, b in zip(fast.readings, full.readings, strict=True)))


@settings(max_examples=500)
@given(st.lists(items | usual_items, max_size=5))
@example([{"ts": 1772330400, "temp": 10**400}])
@example([{"ts": 1772330400, "temp": 2**1023}])
@example([{"ts": 1772330400, "temp": -(2**1024) + 2**970}])
@example([{"ts": 1772330400, "temp": math.inf}])
@example([{"ts": 1772330400, "seq": 2**63}])
@example([{"ts": 1772330400.0, "temp": 5}])
@example([])
def test_whatever_the_batch_pass_decodes_it_decodes_as_the_full_decoder_does(readings):
    payload = json.dumps({"readings": readings}).encode()
    fast = decode_plain_batch(payload)
    if fast is not None:
        assert same_message(fast, full_decoder(payload))
        assert decode_fields(payload) == fast


@settings(max_examples=200)
@given(st.lists(usual_items, min_size=1, max_size=5))
def test_a_batch_of_usual_readings_takes_the_batch_pass(readings):
    payload = json.dumps({"readings": readings}).encode()
    fast = decode_plain_batch(payload)
    assert fast is not None and same_message(fast, full_decoder(payload))


@pytest.mark.parametrize("payload", [
    b'{"readings": [{"ts": 1772330400, "temp": null}]}', b'{"readings": [{"ts": 1772330400, "temp": NaN}]}',
    b'{"readings": [{"ts": 1772330400, "temp": "5.5"}]}', b'{"readings": [{"ts": 1772330400, "temp": true}]}',
    b'{"readings": [{"ts": "2026-03-01T02:00:00Z"}]}', b'{"readings": [{"temp": 5.0}]}',
    b'{"readings": [{"ts": 1772330400, "temp": 5.0}], "logger": "LG-1"}', b'{"readings": {}}',
    b'\xef\xbb\xbf{"readings": [{"ts": 1772330400, "temp": 5.0}]}',
    b'{"readings": [{"ts": 1772330400, "temp": 1e400}]}',
    b'{"readings": [{"ts": 1772330400, "temp": 41.9, "temp_unit": "F"}]}', b'[{"n": "temp", "v": 5}]',
    b'{"readings": [{"ts": 1772330400, "temp": 5.0}]} x', b'{"ts": 1772330400, "temp": 5.0}',
])
def test_anything_unusual_is_left_to_the_full_decoder(payload):
    assert decode_plain_batch(payload) is None


def test_a_repeated_key_counts_as_json_counts_it_the_last_one():
    payload = b'{"readings": [{"ts": 1772330400, "temp": 5.0, "temp": 6.0}], "readings": []}'
    assert decode_fields(payload) == full_decoder(payload) == DecodedFields(None, (), ())
    payload = b'{"readings": [{"ts": 1772330400, "temp": 5.0, "temp": 6.0}]}'
    assert same_message(decode_plain_batch(payload), full_decoder(payload))


def test_a_senml_batch_is_never_read_as_native():
    payload = b'{"readings": [{"ts": 1772330400, "temp": 5.0}]}'
    as_senml = decode_fields(payload, content_type="application/senml+json")
    assert as_senml == decode_module.decode_senml([json.loads(payload)]) != decode_plain_batch(payload)
