"""Per-reading validation (SPEC §5), each rule on its boundary."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sensors.readings import DecodedReading
from sensors.validate import fields_problem, reading_limits, reading_problem

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
GOOD = DecodedReading(device_time=NOW, temperature_c=5.0, shock_g=None, humidity=None, battery=None,
                      latitude=None, longitude=None, seq=None, time_flagged=False)
NOTHING = replace(GOOD, temperature_c=None)


def problem(**changes: object) -> str | None:
    return reading_problem(replace(GOOD, **changes), now=NOW)


@pytest.mark.parametrize("changes", [
    {"temperature_c": -273.15},
    {"temperature_c": 100.0},
    {"shock_g": 0.0},
    {"shock_g": 500.0},
    {"humidity": 0.0, "battery": 0.0},
    {"humidity": 100.0, "battery": 100.0},
    {"latitude": -90.0, "longitude": -180.0},
    {"latitude": 90.0, "longitude": 180.0},
    {"device_time": NOW + timedelta(days=1)},
    {"device_time": datetime(2020, 1, 1, tzinfo=UTC)},
    {"device_time": None, "time_flagged": True},
    {"temperature_c": None, "battery": 55.0},
    {"temperature_c": None, "humidity": 41.0},
    {"temperature_c": None, "shock_g": 12.0},
    {"temperature_c": None, "latitude": 13.69, "longitude": 100.75},
    {"temperature_c": None, "light_lux": 0.0},
    {"temperature_c": None, "light_lux": 200_000.0},
    {"temperature_c": None, "door_open": True},
    {"temperature_c": None, "door_open": False},
])
def test_valid_at_the_boundary(changes):
    assert problem(**changes) is None


@pytest.mark.parametrize(("changes", "reason"), [
    ({"temperature_c": -273.16},
     "temperature_c: -273.16 °C is outside the physical range -273.15 to +100 °C"),
    ({"temperature_c": 100.01}, "temperature_c: 100.01 °C is outside the physical range -273.15 to +100 °C"),
    ({"temperature_c": float("nan")}, "temperature_c: NaN is not a finite number"),
    ({"temperature_c": float("-inf")}, "temperature_c: -inf is not a finite number"),
    ({"shock_g": float("nan")}, "shock_g: NaN is not a finite number"),
    ({"humidity": float("-inf")}, "humidity: -inf is not a finite number"),
    ({"battery": float("inf")}, "battery: inf is not a finite number"),
    ({"latitude": 13.69, "longitude": float("nan")}, "longitude: NaN is not a finite number"),
    ({"temperature_c": 500.0, "latitude": float("nan")}, "latitude: NaN is not a finite number"),
    ({"shock_g": -0.001}, "shock_g: -0.001 g is negative, but a shock magnitude is never below 0"),
    ({"shock_g": 500.001}, "shock_g: 500.001 g is above 500 g, more than a shipping logger measures "
                           "(setting telemetry_max_shock_g)"),
    ({"shock_g": 1.7e200}, "shock_g: 1.7e+200 g is above 500 g, more than a shipping logger measures "
                           "(setting telemetry_max_shock_g)"),
    ({"humidity": 100.01}, "humidity: 100.01 %RH is outside the range 0 to 100 %RH"),
    ({"humidity": 1e308}, "humidity: 1e+308 %RH is outside the range 0 to 100 %RH"),
    ({"humidity": -0.5}, "humidity: -0.5 %RH is outside the range 0 to 100 %RH"),
    ({"battery": -5.0}, "battery: -5 % is outside the range 0 to 100 %"),
    ({"battery": 100.5}, "battery: 100.5 % is outside the range 0 to 100 %"),
    ({"latitude": 999.0, "longitude": 100.0}, "latitude: 999 ° is outside the range -90 to 90 °"),
    ({"latitude": -90.01, "longitude": 100.0}, "latitude: -90.01 ° is outside the range -90 to 90 °"),
    ({"latitude": 13.7, "longitude": -999.0}, "longitude: -999 ° is outside the range -180 to 180 °"),
    ({"latitude": 13.7, "longitude": 180.5}, "longitude: 180.5 ° is outside the range -180 to 180 °"),
    ({"light_lux": -1.0}, "light_lux: -1 lx is outside the range 0 to 200000 lx"),
    ({"light_lux": 200_001.0}, "light_lux: 200001 lx is outside the range 0 to 200000 lx"),
    ({"light_lux": float("nan")}, "light_lux: NaN is not a finite number"),
    ({"device_time": NOW + timedelta(days=1, seconds=1)},
     "device_time: 2026-03-02T02:00:01+00:00 is more than 1 day ahead of the receive time "
     "2026-03-01T02:00:00+00:00; the logger's clock is wrong"),
    ({"device_time": datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC)},
     "device_time: 2019-12-31T23:59:59+00:00 is before 2020-01-01; "
     "the logger's clock was probably never set"),
    ({"temperature_c": None},
     "no measurement: the reading has no temperature, shock, humidity, battery, position, light or door"),
])
def test_rejected_just_past_the_boundary_with_a_reason_naming_the_field(changes, reason):
    assert problem(**changes) == reason


def test_times_are_compared_as_instants_whatever_the_zone_of_now():
    shenzhen = NOW.astimezone(timezone(timedelta(hours=8)))
    assert reading_problem(replace(GOOD, device_time=NOW + timedelta(days=1)), now=shenzhen) is None


def test_time_is_not_checked_when_the_payload_had_none():
    assert reading_problem(replace(GOOD, device_time=None, time_flagged=True), now=NOW) is None


def test_a_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        reading_problem(GOOD, now=datetime(2026, 3, 1, 2, 0))


def test_no_measurement_is_reported_before_anything_else():
    assert reading_problem(replace(NOTHING, device_time=datetime(2001, 1, 1, tzinfo=UTC)), now=NOW) == (
        "no measurement: the reading has no temperature, shock, humidity, battery, position, light or door")


def test_the_writers_form_takes_the_limits_once_and_gives_the_same_answers():
    limits = reading_limits(NOW)
    too_late = replace(GOOD, device_time=NOW + timedelta(days=2))
    for reading in (GOOD, NOTHING, replace(GOOD, shock_g=-1.0), too_late):
        assert fields_problem(reading.fields(), limits) == reading_problem(reading, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        reading_limits(datetime(2026, 3, 1, 2, 0))


def test_a_site_sets_its_own_shock_limit():
    reading = replace(GOOD, shock_g=800.0)
    assert reading_problem(reading, now=NOW, max_shock_g=1000.0) is None
    assert "above 500 g" in (reading_problem(reading, now=NOW) or "")
