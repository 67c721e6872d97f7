"""Whatever arrives on the wire, decode() raises nothing but DecodeError, and every time is aware UTC."""

import json
from datetime import UTC
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.decode import decode
from sensors.readings import DecodedMessage, DecodeError

PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads"
CAPTURED = [path.read_bytes() for path in sorted(PAYLOADS.glob("*.json"))]

# Keys and values the recognisers and field tables look for, so that fuzzing reaches past shape detection.
KNOWN_KEYS = [
    "ts", "seq", "temp", "temp_unit", "shock_g", "shock", "humidity", "battery", "lat", "lon", "readings",
    "x", "y", "z", "EntityName", "EntryTimeEpoch", "EntryTimeUtc", "Temperature", "Celsius", "Fahrenheit",
    "Shock", "G", "X", "Y", "Z", "ShockTime", "Battery", "Percentage", "src", "params", "temperature:0", "tC",
    "tF", "humidity:0", "rh", "sys", "unixtime", "temperature", "linkquality", "last_seen",
    "bn", "bt", "bu", "bv", "bver", "n", "u", "v", "vs", "vb", "s", "t", "ut", "crit_",
]
KNOWN_VALUES = [
    "C", "F", "K", "X", "Cel", "degF", "m/s2", "g", "%RH", "%EL", "%", "/", "lat", "lon", "temp", "shock",
    "battery", "humidity", "urn:dev:sn:LG-0001:", "urn:dev:sn:", "LG-1/", "2026-03-01T02:00:00Z",
    "2021-02-04T18:57:36.8229403", "1970-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "41.9", "NaN", "1e400", "1772330400", "-0", "",
]

scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.sampled_from(KNOWN_VALUES) | st.integers(min_value=2**28, max_value=2**45))
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (st.lists(children, max_size=6)
                      | st.dictionaries(st.text(max_size=8), children, max_size=6)),
    max_leaves=40,
)
shaped_json = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=8) | st.dictionaries(st.sampled_from(KNOWN_KEYS), children,
                                                                      max_size=10),
    max_leaves=60,
)


def decodes_cleanly(payload: bytes) -> None:
    try:
        message = decode(payload)
    except DecodeError as error:
        assert str(error)
        return
    assert isinstance(message, DecodedMessage)
    for reading in message.readings:
        assert reading.device_time is None or reading.device_time.tzinfo is UTC
        assert reading.time_flagged or reading.device_time is not None
    for problem in message.problems:
        assert problem.reason and (problem.index is None or problem.index >= 0)


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_arbitrary_bytes(payload):
    decodes_cleanly(payload)


@settings(max_examples=300)
@given(any_json)
def test_arbitrary_json_values(value):
    decodes_cleanly(json.dumps(value).encode())


@settings(max_examples=500)
@given(shaped_json)
def test_json_built_from_the_known_fields(value):
    decodes_cleanly(json.dumps(value).encode())


@settings(max_examples=300)
@given(st.sampled_from(CAPTURED), st.data())
def test_captured_payloads_with_a_slice_replaced_by_random_bytes(payload, data):
    start = data.draw(st.integers(0, len(payload)))
    end = data.draw(st.integers(start, min(len(payload), start + 16)))
    decodes_cleanly(payload[:start] + data.draw(st.binary(max_size=16)) + payload[end:])
