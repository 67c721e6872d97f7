"""A logger's time along a shipment's legs: the stretches between and around them, the readings they give,
and mishaps at the moment they are placed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sensors.itinerary import LegTimes, Mishap, Stretch, readings_along, shipper_profile, stretches_along
from sensors.journey import SITES, UPPER_LIMIT_C

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
FIVE_MINUTES = 300.0


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# Shenzhen → HKG by truck, the flight to Bangkok, customs, the courier: hours from T0.
LEGS = [LegTimes("truck", at(1), at(5), SITES["warehouse"], SITES["HKG"]),
        LegTimes("air", at(8), at(11), SITES["HKG"], SITES["BKK"]),
        LegTimes("customs", at(12), at(30), SITES["BKK"], SITES["BKK"]),
        LegTimes("courier", at(32), at(34), SITES["BKK"], SITES["siriraj"])]


def laid(stretches: list[Stretch]) -> list[tuple[str, float, float]]:
    hour = timedelta(hours=1)
    return [(s.kind, (s.start - T0) / hour, (s.end - T0) / hour) for s in stretches]


def test_the_legs_and_the_waits_between_them():
    stretches = stretches_along(LEGS, start=at(0), end=at(36), origin=SITES["warehouse"])
    assert laid(stretches) == [
        ("packing", 0, 1), ("truck", 1, 5), ("terminal", 5, 7), ("apron", 7, 8), ("flight", 8, 11),
        ("apron", 11, 12), ("customs", 12, 30), ("terminal", 30, 32), ("courier", 32, 34),
        ("receiving", 34, 36)]


def test_a_window_takes_only_its_part():
    assert laid(stretches_along(LEGS, start=at(9), end=at(13))) == [
        ("flight", 9, 11), ("apron", 11, 12), ("customs", 12, 13)]


def runs_above(readings, limit):
    runs, current = [], []
    for reading in readings:
        if reading.temp_c > limit:
            current.append(reading)
        elif current:
            runs, current = [*runs, current], []
    return runs + ([current] if current else [])


@pytest.mark.parametrize("profile", ["refrigerated", "frozen", "dry_ice", "crt"])
def test_without_mishaps_the_goods_stay_in_their_range(profile):
    stretches = stretches_along(LEGS, start=at(0), end=at(48), origin=SITES["warehouse"])
    readings = readings_along(stretches, profile=profile, interval_s=FIVE_MINUTES, seed="calm")
    assert len(readings) == 48 * 12 + 1 and runs_above(readings, UPPER_LIMIT_C[profile]) == []
    assert {reading.phase for reading in readings if at(8) <= reading.time < at(11)} == {"flight"}


@pytest.mark.parametrize("profile", ["refrigerated", "dry_ice"])
def test_a_warm_mishap_keeps_the_goods_above_their_limit_for_about_its_minutes(profile):
    stretches = stretches_along(LEGS, start=at(0), end=at(48), origin=SITES["warehouse"])
    mishap = Mishap("warm", at(11.25), minutes=40)
    readings = readings_along(stretches, profile=profile, interval_s=FIVE_MINUTES, seed="apron",
                              mishaps=[mishap])
    [run] = runs_above(readings, UPPER_LIMIT_C[profile])
    assert run[0].time >= mishap.at and run[0].time < mishap.at + timedelta(hours=1)
    assert 30 <= len(run) * 5 <= 50  # about 40 minutes, read every 5


def test_a_drop_is_one_strong_shock_right_after_it_happens():
    stretches = stretches_along(LEGS, start=at(0), end=at(36), origin=SITES["warehouse"])
    drop = Mishap("drop", at(33))
    readings = readings_along(stretches, profile="crt", interval_s=FIVE_MINUTES, seed="drop", mishaps=[drop])
    strong = [reading for reading in readings if (reading.shock_g or 0) >= 10]
    assert len(strong) == 1 and drop.at <= strong[0].time <= drop.at + timedelta(minutes=15)


def test_the_same_journey_read_longer_begins_with_the_same_readings():
    """What was recorded up to a moment and what is simulated afterwards fit: a longer window changes
    nothing before the end of the shorter one."""
    short = stretches_along(LEGS, start=at(0), end=at(20), origin=SITES["warehouse"])
    longer = stretches_along(LEGS, start=at(0), end=at(60), origin=SITES["warehouse"])
    mishaps = [Mishap("warm", at(11.25))]
    first = readings_along(short, profile="refrigerated", interval_s=FIVE_MINUTES, seed="s", mishaps=mishaps)
    again = readings_along(longer, profile="refrigerated", interval_s=FIVE_MINUTES, seed="s", mishaps=mishaps)
    assert again[:len(first) - 1] == first[:-1]


def test_a_storage_zone_on_mains_power_keeps_its_battery():
    fridge = [Stretch("storage", at(0), at(24 * 30))]
    readings = readings_along(fridge, profile="refrigerated", interval_s=1800, seed="fridge",
                              mains_powered=True)
    assert readings[0].battery == readings[-1].battery and all(2 <= r.temp_c <= 8 for r in readings)


def test_a_shipper_is_conditioned_for_its_coldest_goods():
    assert shipper_profile(["frozen", "dry_ice"]) == "dry_ice"
    assert shipper_profile(["refrigerated"]) == "refrigerated" and shipper_profile([]) == "refrigerated"
