"""Bad payloads: a DecodeError saying why, or a ReadingProblem naming the reading and field."""

import json
from datetime import UTC, datetime

import pytest

from sensors.decode import MAX_PAYLOAD_BYTES, decode
from sensors.readings import DecodedMessage, DecodedReading, DecodeError, ReadingProblem


def at(minute: int) -> datetime:
    return datetime(2026, 3, 1, 2, minute, tzinfo=UTC)


def temperature(minute: int | None, value: float) -> DecodedReading:
    return DecodedReading(device_time=at(minute) if minute is not None else None, temperature_c=value,
                          shock_g=None, humidity=None, battery=None, latitude=None, longitude=None, seq=None,
                          time_flagged=minute is None)


@pytest.mark.parametrize(("payload", "content_type", "message"), [
    pytest.param(b'{"ts": 1772330400, "temp": ', None,
                 "payload is not JSON: Expecting value at line 1 column 28", id="bad JSON"),
    pytest.param(b'{"temp": "\xff"}', None, "payload is not UTF-8 text (invalid byte at offset 10)",
                 id="not UTF-8"),
    pytest.param(b"", None, "payload is empty", id="empty"),
    pytest.param(b'{"readings": [' + b'{"temp": 5.0},' * 80_000 + b'{}]}', None,
                 "payload is 1120018 bytes, over the 1048576-byte (1 MiB) limit", id="over 1 MiB"),
    pytest.param(b'"hello"', None, "payload is a JSON string; expected an object or a SenML array",
                 id="JSON string"),
    pytest.param(b"42.5", None, "payload is a JSON number; expected an object or a SenML array",
                 id="JSON number"),
    pytest.param(b"null", None, "payload is a JSON null; expected an object or a SenML array",
                 id="JSON null"),
    pytest.param(b"{}", None, "payload is an empty JSON object: it holds no reading", id="empty object"),
    pytest.param(b'{"readings": {"ts": 1772330400, "temp": 5.0}}', None,
                 "'readings' must be a list of readings, got a JSON object", id="readings not a list"),
    pytest.param(b'{"colour": "blue", "size": 3}', None,
                 "payload is a JSON object with keys 'colour', 'size', "
                 "which matches no known telemetry format",
                 id="unknown shape"),
    pytest.param(b"[" * 200_000 + b"]" * 200_000, None,
                 "payload is not usable JSON: nested deeper than 32 levels", id="nested too deeply"),
    pytest.param(b'{"readings": ' + b"[" * 40 + b"]" * 40 + b"}", None,
                 "payload is not usable JSON: nested deeper than 32 levels", id="nested deeper than allowed"),
    pytest.param(b"[" + b"9" * 5000 + b"]", None,
                 "payload is not usable JSON: Exceeds the limit (4300 digits) for integer string conversion: "
                 "value has 5000 digits",
                 id="integer too long"),
    pytest.param(b"\x81\xa1v\xf9", "application/senml+cbor", "content type application/senml+cbor is not "
                 "supported; send JSON (application/senml+json)", id="CBOR"),
    pytest.param(b'{"EntityName": 7, "Temperature": {"Celsius": 3}}', None,
                 "EntityName must name the logger as text, got 7", id="logger id not text"),
])
def test_undecodable_message_raises_decode_error_saying_why(payload, content_type, message):
    with pytest.raises(DecodeError) as raised:
        decode(payload, content_type=content_type)
    assert str(raised.value) == message


def test_payload_of_exactly_1_mib_is_accepted():
    filler = b" " * (MAX_PAYLOAD_BYTES - len(b'{"temp": 5.0}'))
    assert decode(b'{"temp": 5.0}' + filler).readings == (temperature(None, 5.0),)


def test_bad_readings_in_a_batch_are_problems_and_their_neighbours_are_kept():
    batch = b"""{"readings": [
        {"ts": 1772330400, "temp": 4.8},
        {"ts": 1772330460, "temp": NaN},
        {"ts": 1772330520, "temp": "abc"},
        {"ts": 1772330580, "temp": 5.0, "temp_unit": "X"},
        {"ts": 1772330640, "temp": true},
        "not a reading",
        {"ts": 1772330700, "temp": "NaN"},
        {"ts": "yesterday", "temp": 5.1},
        {"ts": 1772330760, "seq": 1.5, "temp": 5.1},
        {"ts": 1772330820, "temp": 5.2, "shock": {"x": 1, "y": "two", "z": 0}},
        {"ts": 1772330880, "temp": 5.2, "shock": {"x": 1, "y": 2}},
        {"ts": 1772330940, "temp": 1e999},
        {"ts": 1772331000, "temp": 5.3}
    ]}"""
    assert decode(batch) == DecodedMessage(None, (temperature(0, 4.8), temperature(10, 5.3)), (
        ReadingProblem(1, "readings[1].temp: NaN is not a finite number"),
        ReadingProblem(2, "readings[2].temp: 'abc' is not a number"),
        ReadingProblem(3, "readings[3].temp_unit: 'X' is not a temperature unit (C, F or K)"),
        ReadingProblem(4, "readings[4].temp: true is not a number"),
        ReadingProblem(5, "readings[5]: expected an object, got 'not a reading'"),
        ReadingProblem(6, "readings[6].temp: 'NaN' is not a number"),
        ReadingProblem(7, "readings[7].ts: 'yesterday' is not a date and time (ISO 8601 or Unix seconds)"),
        ReadingProblem(8, "readings[8].seq: 1.5 is not an integer"),
        ReadingProblem(9, "readings[9].shock: axis y: 'two' is not a number"),
        ReadingProblem(10, "readings[10].shock: axis z: null is not a number"),
        ReadingProblem(11, "readings[11].temp: Infinity is not a finite number"),
    ))


@pytest.mark.parametrize(("payload", "reason"), [
    (b'{"ts": 1772330400, "temp": "abc"}', "temp: 'abc' is not a number"),
    (b'{"ts": 1772330400, "temp": NaN}', "temp: NaN is not a finite number"),
    (b'{"ts": 1772330400, "temp": false}', "temp: false is not a number"),
    (b'{"ts": 1772330400, "temp": 5, "temp_unit": "X"}',
     "temp_unit: 'X' is not a temperature unit (C, F or K)"),
    (b'{"ts": 1772330400, "temp": [5]}', "temp: a list is not a number"),
    (b'{"ts": 1772330400, "seq": -1, "temp": 5}', "seq: -1 is not a sequence number (0 to 2**63-1)"),
    (b'{"EntityName": "VD0001", "Temperature": 23}', "Temperature: 23 is not an object"),
    (b'{"EntityName": "VD0001", "Shock": {"G": "big"}}', "Shock.G: 'big' is not a number"),
])
def test_a_bad_single_reading_is_a_problem_naming_its_field(payload, reason):
    message = decode(payload)
    assert message.readings == ()
    assert message.problems == (ReadingProblem(0, reason),)


def test_numeric_strings_are_numbers_everywhere():
    message = decode(b'{"ts": "1772330400", "seq": "7", "temp": " 5.5 ", "shock_g": "0.25", "humidity": "41",'
                     b' "battery": "100.00", "lat": "22.6", "lon": "113.8"}')
    assert message.readings == (DecodedReading(
        device_time=at(0), temperature_c=5.5, shock_g=0.25, humidity=41.0, battery=100.0, latitude=22.6,
        longitude=113.8, seq=7, time_flagged=False),)


def test_shock_g_is_preferred_to_a_shock_vector():
    message = decode(b'{"ts": 1772330400, "shock_g": 1.5, "shock": {"x": 3, "y": 4, "z": 0}}')
    assert message.readings[0].shock_g == 1.5


# --- SenML -------------------------------------------------------------------------------------------------

SENML_WITH_PROBLEMS = [
    {"bn": "urn:dev:sn:LG-0007:", "bt": 1772330400, "bu": "Cel", "n": "temp", "v": 5.1},
    {"n": "shock", "u": "g", "t": 10, "v": 2.5},
    {"n": "shock", "t": 20, "v": 2.5},
    {"n": "temp", "t": 30, "v": "abc"},
    {"bt": 0, "n": "temp", "t": -60, "v": 5.0},
    {"bt": "soon", "n": "temp", "v": 5.0},
    {"n": "temp", "t": 50, "v": 5.0},
    {"bt": 1772330400, "n": "temp", "t": 0, "v": 5.2},
    {"n": "temp", "v": 5.0, "bver": 11},
    {"n": "temp", "v": 5.0, "t": 90, "crit_": 1},
    7,
    {"ts": 1772330400, "temp": 3},
    {"n": "humidity", "t": 60, "u": "%RH", "v": 40},
    {"n": "temp", "t": 60, "vs": "4.5"},
    {"n": "battery", "t": 60, "vb": True},
    {"n": "firmware", "vs": "1.2.3"},
    {"bn": "urn:dev:sn:LG-0099:", "n": "temp", "t": 120, "v": 5.0},
]


def test_bad_senml_records_are_problems_and_the_rest_still_merge_into_readings():
    message = decode(json.dumps(SENML_WITH_PROBLEMS).encode())
    relative = ("relative SenML time needs a clock: the resolved time -60 s is below 2**28, "
                "so it counts from 'now' (RFC 8428 §4.5.3); send absolute times or a base time (bt)")
    assert message == DecodedMessage("LG-0007", (
        temperature(0, 5.1),
        DecodedReading(device_time=at(1), temperature_c=4.5, shock_g=None, humidity=40.0, battery=None,
                       latitude=None, longitude=None, seq=None, time_flagged=False),
    ), (
        ReadingProblem(1, "records[1].u: 'g' is grams in SenML, not g-force; send acceleration in m/s2"),
        ReadingProblem(2, "records[2].bu: 'Cel' is not a unit of acceleration (m/s2)"),
        ReadingProblem(3, "records[3].v: 'abc' is not a number"),
        ReadingProblem(4, f"records[4].t: {relative}"),
        ReadingProblem(5, "records[5].bt: 'soon' is not a number"),
        ReadingProblem(6, "records[6].bt: the base field it relies on is unusable "
                          "(records[5].bt: 'soon' is not a number)"),
        ReadingProblem(7, "records[7].n: a second temperature for 2026-03-01T02:00:00+00:00 in this pack"),
        ReadingProblem(8, "records[8].bver: SenML version 11 is newer than 10, the version read here"),
        ReadingProblem(9, "records[9].crit_: a must-understand field this decoder does not know "
                          "(RFC 8428 §4.4)"),
        ReadingProblem(10, "records[10]: expected a SenML record (an object), got 7"),
        ReadingProblem(11, "records[11]: not a SenML record (it has none of the RFC 8428 fields n, v, t, bn, "
                           "bt, ...)"),
        ReadingProblem(14, "records[14]: no numeric value (v) for the battery level"),
        ReadingProblem(16, "records[16].bn: names logger 'LG-0099', but the pack is for logger 'LG-0007'"),
    ))


@pytest.mark.parametrize(("pack", "expected"), [
    pytest.param(b'[{"n": "temp", "v": 5}]', DecodedMessage(None, (temperature(None, 5.0),), ()),
                 id="no time at all means now: flagged"),
    pytest.param(b'[{"n": "temp", "t": -5, "v": 5}]', DecodedMessage(None, (), (ReadingProblem(
        0, "records[0].t: relative SenML time needs a clock: the resolved time -5 s is below 2**28, so it "
           "counts from 'now' (RFC 8428 §4.5.3); send absolute times or a base time (bt)"),)),
                 id="relative time without base time"),
    pytest.param(b'[{"n": "temp", "t": 1772330400, "v": 5}]',
                 DecodedMessage(None, (temperature(0, 5.0),), ()), id="absolute time without base time"),
    pytest.param(b'[{"bn": "LG-0003/", "bt": 1772330400, "n": "temperature", "u": "Cel", "v": 5}]',
                 DecodedMessage("LG-0003", (temperature(0, 5.0),), ()), id="plain base name"),
    pytest.param(b'[{"n": "urn:dev:sn:LG-0004:temp", "t": 1772330400, "v": 5}]',
                 DecodedMessage("LG-0004", (temperature(0, 5.0),), ()), id="full name without base name"),
    pytest.param(b'[{"bt": 1772330400, "n": "shock", "v": 5}]', DecodedMessage(None, (), (ReadingProblem(
        0, "records[0].u: the acceleration needs a unit (m/s2)"),)), id="shock without unit"),
    pytest.param(b"[]", DecodedMessage(None, (), ()), id="empty pack"),
])
def test_senml_corner_cases(pack, expected):
    assert decode(pack) == expected


def test_a_lone_senml_record_is_read_with_or_without_the_content_type():
    record = b'{"bn": "urn:dev:sn:LG-0007:", "n": "temp", "t": 1772330400, "v": 5}'
    expected = DecodedMessage("LG-0007", (temperature(0, 5.0),), ())
    assert decode(record) == expected
    assert decode(record, content_type="application/senml+json; charset=utf-8") == expected
