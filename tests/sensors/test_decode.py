"""Payload decoders: each case is a captured payload and the whole expected DecodedMessage."""

import json
import math
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sensors.decode import decode
from sensors.readings import DecodedMessage, DecodedReading, ReadingProblem
from sensors.units import affine

PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads"
STANDARD_GRAVITY = 9.80665


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def reading(time: str | None, *, flagged: bool = False, **fields: object) -> DecodedReading:
    values: dict[str, object] = dict.fromkeys(
        ("temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude", "seq", "light_lux",
         "door_open"))
    values.update(fields)
    return DecodedReading(device_time=utc(time) if time else None, time_flagged=flagged, **values)


def assert_same_reading(actual: DecodedReading, expected: DecodedReading) -> None:
    """Equal field by field; floats to 1e-9, since converted values are rounded to 10 decimals."""
    got, want = asdict(actual), asdict(expected)
    floats = {name for name, value in want.items() if isinstance(value, float)}
    assert {name: got[name] for name in floats} == pytest.approx({name: want[name] for name in floats},
                                                                  rel=1e-9, abs=1e-9)
    assert {name: value for name, value in got.items() if name not in floats} == {
        name: value for name, value in want.items() if name not in floats}


def assert_same_message(actual: DecodedMessage, expected: DecodedMessage) -> None:
    assert actual.logger_id == expected.logger_id
    assert actual.problems == expected.problems
    assert len(actual.readings) == len(expected.readings)
    for got, want in zip(actual.readings, expected.readings, strict=True):
        assert_same_reading(got, want)
        assert got.device_time is None or got.device_time.tzinfo is UTC


CAPTURED = {
    "native-single.json": DecodedMessage(None, (
        reading("2026-03-01T02:00:00", seq=1042, temperature_c=5.1, shock_g=0.3, humidity=41.5, battery=87.0,
                latitude=22.639, longitude=113.811),
    ), ()),
    "native-batch-flight-mode.json": DecodedMessage(None, (
        reading("2026-03-01T02:00:00", seq=2001, temperature_c=4.8),
        reading("2026-03-01T02:10:00", seq=2002, temperature_c=4.9),
        reading("2026-03-01T02:20:00", seq=2003, temperature_c=5.6,
                shock_g=math.sqrt(10.23**2 + 0.19**2 + 2.98**2)),
        reading("2026-03-01T02:30:00", seq=2004, temperature_c=5.5),  # "41.9" °F, Unix milliseconds
    ), ()),
    "senml-pack.json": DecodedMessage("LG-0007", (
        reading("2026-03-01T02:00:00", temperature_c=5.1),
        reading("2026-03-01T02:05:00", temperature_c=5.3),
        reading("2026-03-01T02:10:00", temperature_c=8.4, battery=86.0),  # same resolved time: merged
        reading("2026-03-01T02:10:12", shock_g=107.9 / STANDARD_GRAVITY),
    ), ()),
    "senml-base-values.json": DecodedMessage("LG-0012", (
        reading("2026-03-01T21:20:00", temperature_c=5.0),  # 278.15 K from the base unit
        reading("2026-03-01T21:21:00", temperature_c=5.5, humidity=63.5, latitude=13.69, longitude=100.75),
        reading("2026-03-01T21:22:00", temperature_c=1.5, shock_g=2.0),  # bv 273.15 + v 1.5 K; then bv 0
    ), ()),
    "cellular-tracker-no-shock.json": DecodedMessage("VD0001", (
        # EntryTimeEpoch (ms) wins over the zone-less EntryTimeUtc; a 1970 ShockTime means no shock.
        reading("2021-02-04T18:57:36.823000", temperature_c=23.0, battery=55.0),
    ), ()),
    "cellular-tracker-shock.json": DecodedMessage("VD0001", (
        reading("2021-02-04T18:57:36.822940", flagged=True, temperature_c=23.0, battery=55.0,
                shock_g=math.sqrt(10.23**2 + 0.19**2 + 2.98**2)),
    ), ()),
    "zigbee2mqtt.json": DecodedMessage(None, (
        reading(None, flagged=True, temperature_c=22.75, humidity=55.43, battery=86.0),
    ), ()),
    "zigbee2mqtt-old-firmware.json": DecodedMessage(None, (
        reading(None, flagged=True, temperature_c=21.5, humidity=100.0, battery=100.0),
    ), ()),
    "native-batch-light-door.json": DecodedMessage(None, (  # light in lux; the door as a flag, word or 0/1
        reading("2026-03-01T02:00:00", seq=310, temperature_c=5.2, light_lux=0.0, door_open=False,
                latitude=13.69, longitude=100.75),
        reading("2026-03-01T02:05:00", seq=311, temperature_c=5.4, light_lux=412.5, door_open=True),
        reading("2026-03-01T02:10:00", seq=312, temperature_c=5.6, light_lux=3.0, door_open=False),
    ), ()),
    "senml-light-door.json": DecodedMessage("LG-0020", (
        reading("2026-03-01T02:00:00", temperature_c=5.2, light_lux=0.0, door_open=False),
        reading("2026-03-01T02:05:00", temperature_c=5.4, light_lux=412.5, door_open=True),
    ), ()),
    "wifi-sensor-gen2.json": DecodedMessage("shellyplusht-b8d61a8b17cc", (
        reading("2023-04-08T14:07:59.620000", temperature_c=19.8, humidity=42.2, battery=76.0),
    ), ()),
}


@pytest.mark.parametrize("name", sorted(CAPTURED))
def test_captured_payload_decodes_to_the_whole_expected_message(name):
    assert_same_message(decode((PAYLOADS / name).read_bytes()), CAPTURED[name])


def test_every_fixture_has_an_expected_message():
    assert sorted(path.name for path in PAYLOADS.glob("*.json")) == sorted(CAPTURED)


@pytest.mark.parametrize(("payload", "problem"), [
    (b'{"readings": [{"ts": 1772330400, "temp": 5, "door": "ajar"}]}', "readings[0].door: "),
    (b'{"readings": [{"ts": 1772330400, "temp": 5, "light": "bright"}]}', "readings[0].light: "),
    (b'[{"bn": "LG-1:", "bt": 1772330400, "n": "door", "vb": "maybe"}]', "records[0].vb: "),
])
def test_a_door_or_light_that_cannot_be_read_is_named(payload, problem):
    message = decode(payload)
    assert message.readings == () and message.problems[0].reason.startswith(problem)


def test_senml_pack_decodes_the_same_with_its_content_type():
    payload = (PAYLOADS / "senml-pack.json").read_bytes()
    assert decode(payload, content_type="application/senml+json") == decode(payload)


# --- Conversions checked by hand ----------------------------------------------------------------------------

def test_fahrenheit_41_9_is_5_5_celsius():
    message = decode(b'{"ts": 1772330400, "temp": "41.9", "temp_unit": "F"}')
    assert message.readings[0].temperature_c == pytest.approx(5.5, abs=1e-9)


def test_kelvin_is_converted_to_celsius():
    message = decode(b'{"ts": 1772330400, "temp": 278.65, "temp_unit": "K"}')
    assert message.readings[0].temperature_c == pytest.approx(5.5, abs=1e-9)


def test_shock_vector_magnitude_is_10_657_g():
    message = decode(b'{"ts": 1772330400, "shock": {"x": -10.23, "y": 0.19, "z": -2.98}}')
    assert round(message.readings[0].shock_g, 3) == 10.657


def test_senml_acceleration_107_9_m_s2_is_11_0027_g():
    message = decode(b'[{"bt": 1772330400, "n": "shock", "u": "m/s2", "v": 107.9}]')
    assert round(message.readings[0].shock_g, 4) == 11.0027


def test_senml_base_time_plus_record_time_resolves_to_absolute_utc():
    message = decode(b'[{"bn": "urn:dev:sn:LG-0007:", "bt": 1772330400, "n": "shock", "u": "m/s2", "t": 612,'
                     b' "v": 9.80665}]')
    assert message.readings[0].device_time == datetime(2026, 3, 1, 2, 10, 12, tzinfo=UTC)
    assert message.readings[0].shock_g == pytest.approx(1.0)


def test_unit_factors_are_computed_once_not_per_reading():
    batch = {"readings": [{"ts": 1772330400 + i, "temp": 40 + i / 10, "temp_unit": "F"} for i in range(200)]}
    payload = json.dumps(batch).encode()
    decode(payload)
    misses = affine.cache_info().misses
    decode(payload)
    assert affine.cache_info().misses == misses


# --- Times --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ts", "expected", "flagged"), [
    ('"2026-03-01T02:00:00Z"', "2026-03-01T02:00:00", False),
    ('"2026-03-01t02:00:00z"', "2026-03-01T02:00:00", False),  # RFC 3339 allows lower case
    ('"2026-03-01 02:00:00.5+00:00"', "2026-03-01T02:00:00.500000", False),
    ('"2026-03-01T10:00:00+08:00"', "2026-03-01T02:00:00", False),  # Shenzhen local time with its offset
    ('"2026-03-01T02:00:00"', "2026-03-01T02:00:00", True),  # no zone: taken as UTC, flagged
    ('"2021-02-04T18:57:36.8229403"', "2021-02-04T18:57:36.822940", True),  # 7 digits truncated to 6
    ("1772330400", "2026-03-01T02:00:00", False),
    ("1772330400.25", "2026-03-01T02:00:00.250000", False),
    ("1772330400250", "2026-03-01T02:00:00.250000", False),  # milliseconds
    ('"1772330400"', "2026-03-01T02:00:00", False),  # numeric string
    ("null", None, True),
])
def test_device_time_forms(ts, expected, flagged):
    message = decode(f'{{"ts": {ts}, "temp": 5.0}}'.encode())
    assert message.problems == ()
    assert message.readings == (reading(expected, flagged=flagged, temperature_c=5.0),)


def test_missing_ts_gives_no_time_and_a_flag():
    assert decode(b'{"temp": 5.0}').readings == (reading(None, flagged=True, temperature_c=5.0),)


@pytest.mark.parametrize(("ts", "reason"), [
    ('"yesterday"', "ts: 'yesterday' is not a date and time (ISO 8601 or Unix seconds)"),
    ('"2026-03-01"', "ts: '2026-03-01' is not a date and time (ISO 8601 or Unix seconds)"),
    ('"0001-01-01T00:00:00+01:00"',
     "ts: '0001-01-01T00:00:00+01:00' is not a date and time (ISO 8601 or Unix seconds)"),
    ("1e300", "ts: 1e+300 is out of range for a time"),
    ("true", "ts: true is not a number"),
])
def test_unusable_time_is_a_problem_naming_ts(ts, reason):
    message = decode(f'{{"ts": {ts}, "temp": 5.0}}'.encode())
    assert message == DecodedMessage(None, (), (ReadingProblem(0, reason),))
