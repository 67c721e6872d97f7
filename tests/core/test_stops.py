from datetime import UTC, datetime, timedelta

import pytest

from logistics.core.geofence import Crossing
from logistics.core.stops import LegAtStop, LegChange, PlannedLeg, leg_changes, overstayed, planned_dwell_s

T = datetime(2026, 6, 1, tzinfo=UTC)


def hours(value: float) -> datetime:
    return T + timedelta(hours=value)


def route(**recorded):
    """HG-SZ → HKG by truck, → BKK by air, customs at BKK, → SIRIRAJ-CM by courier; `recorded` sets
    actual times as leg1_start=hours, ..."""
    legs = [(1, "HG-SZ", "HKG"), (2, "HKG", "BKK"), (3, "BKK", "BKK"), (4, "BKK", "SIRIRAJ-CM")]
    return [LegAtStop(sequence, origin, destination,
                      recorded.get(f"leg{sequence}_start"), recorded.get(f"leg{sequence}_end"))
            for sequence, origin, destination in legs]


@pytest.mark.parametrize(("legs", "site", "crossing", "at", "expected"), [
    (route(), "HG-SZ", Crossing.LEFT, 1, [(1, "actual_start")]),
    (route(leg1_start=hours(1)), "HKG", Crossing.ENTERED, 5, [(1, "actual_end")]),
    (route(leg1_start=hours(1), leg1_end=hours(5)), "HKG", Crossing.LEFT, 8, [(2, "actual_start")]),
    # landing ends the flight and starts customs; leaving the airport ends customs and starts the courier
    (route(leg2_start=hours(8)), "BKK", Crossing.ENTERED, 11, [(2, "actual_end"), (3, "actual_start")]),
    (route(leg3_start=hours(11)), "BKK", Crossing.LEFT, 40, [(3, "actual_end"), (4, "actual_start")]),
    (route(leg4_start=hours(40)), "SIRIRAJ-CM", Crossing.ENTERED, 42, [(4, "actual_end")]),
    # a person's record stays: only what nobody recorded is filled in
    (route(leg3_start=hours(11), leg3_end=hours(39)), "BKK", Crossing.LEFT, 40, [(4, "actual_start")]),
    (route(leg1_start=hours(0.5)), "HG-SZ", Crossing.LEFT, 1, []),
    # never out of order: an arrival before the recorded start, or a leg the route has gone past
    (route(leg1_start=hours(6)), "HKG", Crossing.ENTERED, 5, []),
    (route(leg2_start=hours(8)), "HKG", Crossing.ENTERED, 5, []),
    (route(leg2_start=hours(8)), "HG-SZ", Crossing.LEFT, 1, []),
    (route(), "SZX", Crossing.ENTERED, 5, []),  # not on the route
])
def test_leg_changes(legs, site, crossing, at, expected):
    assert leg_changes(legs, site, crossing, hours(at)) == [
        LegChange(sequence, field, hours(at)) for sequence, field in expected]


LANE = [PlannedLeg("HG-SZ", "HKG", 0, 4 * 3600), PlannedLeg("HKG", "BKK", 3.5 * 3600, 3 * 3600),
        PlannedLeg("BKK", "BKK", 1 * 3600, 24 * 3600), PlannedLeg("BKK", "SIRIRAJ-PH", 4 * 3600, 2 * 3600)]


@pytest.mark.parametrize(("site", "expected_h"), [
    ("HKG", 3.5), ("BKK", 29.0),  # the wait, customs and the wait for the courier
    ("HG-SZ", None), ("SIRIRAJ-PH", None), ("SZX", None),  # origin, destination, not on the lane
])
def test_planned_dwell(site, expected_h):
    found = planned_dwell_s(LANE, site, origin="HG-SZ", destination="SIRIRAJ-PH")
    assert found == (None if expected_h is None else expected_h * 3600)



@pytest.mark.parametrize(("stayed_h", "planned_h", "expected"), [
    (4.4, 3.5, False), (4.6, 3.5, True),  # an hour's grace
    (31.8, 29, False), (32.0, 29, True),  # or a tenth of the plan
])
def test_overstayed(stayed_h, planned_h, expected):
    assert overstayed(stayed_h * 3600, planned_h * 3600) is expected
