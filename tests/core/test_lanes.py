from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.lanes import Coolant, LaneLeg, LanePlan, check_lane, plan_legs, transit_s

H = 3600.0
TRUCK = LaneLeg("truck", "HG-SZ", "HKG", 4 * H, carrier="SZ Cold Express")
FLIGHT = LaneLeg("air", "HKG", "BKK", 3 * H, wait_s=3.5 * H, carrier="Cathay Cargo")
CUSTOMS = LaneLeg("customs", "BKK", "BKK", 24 * H, wait_s=1 * H)
COURIER = LaneLeg("courier", "BKK", "SIRIRAJ-PH", 2 * H, wait_s=4 * H)
ROUTE = (TRUCK, FLIGHT, CUSTOMS, COURIER)


def lane(legs=ROUTE, **fields):
    return LanePlan(**{"origin": "HG-SZ", "destination": "SIRIRAJ-PH", "legs": legs, "hold_s": 96 * H,
                       "coolant": Coolant.GEL_PACKS} | fields)


def test_a_lane_that_joins_up_and_holds_is_accepted_without_a_word():
    found = check_lane(lane())
    assert (found.refusals, found.warnings) == ({}, [])


@pytest.mark.parametrize(("legs", "refused"), [
    ((), {"legs": "a lane needs at least one leg"}),
    ((LaneLeg("truck", "SZX", "HKG", H), FLIGHT, CUSTOMS, COURIER),
     {"legs.0.origin": "must be HG-SZ, the lane's origin"}),
    ((TRUCK, LaneLeg("air", "SZX", "BKK", H), CUSTOMS, COURIER),
     {"legs.1.origin": "must be HKG, where the leg before arrives"}),
    ((TRUCK, FLIGHT, CUSTOMS), {"legs.2.destination": "the last leg must arrive at the lane's destination, "
                                                      "SIRIRAJ-PH"}),
    ((TRUCK, LaneLeg("air", "HKG", "BKK", 0.0), CUSTOMS, COURIER),
     {"legs.1.duration_hours": "must be more than 0: a leg takes some time"}),
    ((TRUCK, LaneLeg("air", "HKG", "BKK", H, wait_s=-1.0), CUSTOMS, COURIER),
     {"legs.1.wait_hours": "must not be negative"}),
    ((TRUCK, FLIGHT, CUSTOMS, LaneLeg("courier", "BKK", "BKK", H), COURIER),
     {"legs.3.destination": "must differ from the origin: a courier leg takes the goods somewhere else"}),
    ((LaneLeg("boat", "HG-SZ", "HKG", H), FLIGHT, CUSTOMS, COURIER),
     {"legs.0.mode": "choose one of truck, air, customs, courier, storage"}),
])
def test_legs_that_do_not_join_up_or_take_no_time_are_refused_by_field(legs, refused):
    found = check_lane(lane(legs))
    assert found.refusals == refused
    assert found.warnings == []


def test_dry_ice_needs_its_net_kg_and_an_unknown_coolant_is_refused():
    assert check_lane(lane(coolant=Coolant.DRY_ICE)).refusals == {
        "coolant_kg": "give the net kg of dry ice (it goes on the box and the air waybill)"}
    assert check_lane(lane(coolant=Coolant.DRY_ICE, coolant_kg=12.0)).refusals == {}
    assert list(check_lane(lane(coolant="ice")).refusals) == ["coolant"]
    assert check_lane(lane(coolant_kg=-1.0)).refusals == {"coolant_kg": "must not be negative"}
    assert check_lane(lane(destination="HG-SZ", legs=(TRUCK,))).refusals["destination"] == (
        "must differ from the origin")


def test_a_packaging_qualified_for_less_than_the_planned_transit_is_warned_about():
    assert transit_s(ROUTE) == 41.5 * H
    short = check_lane(lane(hold_s=40 * H))
    assert short.refusals == {}
    assert short.warnings == ["The packaging is qualified for 40 h, but the lane is planned to take 41.5 h "
                              "from departure to arrival: a delay would leave the goods without their range."]
    assert check_lane(lane(hold_s=41.5 * H)).warnings == []  # exactly enough
    assert check_lane(lane(hold_s=None)).warnings == []  # unknown: nothing to compare


def test_planned_times_follow_from_the_departure_with_each_legs_wait():
    departure = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    placed = plan_legs(ROUTE, departure)
    hours = [((leg.planned_start - departure) / timedelta(hours=1), (leg.planned_end - departure) /
              timedelta(hours=1)) for leg in placed]
    assert hours == [(0, 4), (7.5, 10.5), (11.5, 35.5), (39.5, 41.5)]
    assert [leg.sequence for leg in placed] == [1, 2, 3, 4]


@given(st.lists(st.tuples(st.floats(0.01, 500), st.floats(0, 100)), min_size=1, max_size=8))
def test_planned_legs_never_overlap_and_end_after_the_whole_transit(durations):
    legs = [LaneLeg("storage", "X", "X", hours * H, wait_s=wait * H) for hours, wait in durations]
    departure = datetime(2026, 1, 1, tzinfo=UTC)
    placed = plan_legs(legs, departure)
    for before, after in zip(placed, placed[1:], strict=False):
        assert before.planned_end <= after.planned_start
    assert all(leg.planned_end > leg.planned_start for leg in placed)
    assert abs((placed[-1].planned_end - departure).total_seconds() - transit_s(legs)) < 1e-3
