from datetime import UTC, datetime

import pytest

from logistics.core.legs import RouteLeg, change_problem, check_leg, route_warnings


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


TRUCK = RouteLeg(1, "truck", "SZ-WH", "HKG", at(1, 8), at(1, 12))
FLIGHT = RouteLeg(2, "air", "HKG", "BKK", at(1, 16), at(1, 19))
CUSTOMS = RouteLeg(3, "customs", "BKK", "BKK", at(2, 9), at(3, 9))
ROUTE = [TRUCK, FLIGHT, CUSTOMS]


AFTER_CUSTOMS = (at(3, 10), at(3, 14))


def leg(sequence=4, mode="courier", origin="BKK", destination="SIRIRAJ", start=AFTER_CUSTOMS[0],
        end=AFTER_CUSTOMS[1]):
    return RouteLeg(sequence, mode, origin, destination, start, end)


# (the leg, the route it joins) -> refusals by field, and how many warnings
@pytest.mark.parametrize(("candidate", "route", "refused", "warned"), [
    (leg(), ROUTE, {}, 0),  # continues where the route ended, after it
    (leg(start=at(3, 9)), ROUTE, {}, 0),  # starting when the leg before ends is fine
    (leg(start=None, end=None), ROUTE, {}, 0),  # times unknown yet: nothing to compare
    (leg(origin="HKG"), ROUTE, {}, 1),  # a gap: BKK to HKG is not in the route, warned
    (leg(sequence=1, origin="SZ-FACTORY", start=at(1, 6), end=at(1, 7)), [], {}, 1),  # not from the origin
    (leg(start=at(3, 8)), ROUTE,
     {"planned_start": "must not be before 2026-06-03 09:00 UTC, when leg 3 is planned to end"}, 0),
    (leg(start=at(1, 10)), ROUTE,  # before the others started, too
     {"planned_start": "must not be before 2026-06-03 09:00 UTC, when leg 3 is planned to end"}, 0),
    (leg(start=None, end=at(2, 0)), ROUTE,  # only an end, before the leg ahead ends
     {"planned_end": "must not be before 2026-06-03 09:00 UTC, when leg 3 is planned to end"}, 0),
    (leg(end=at(3, 10)), ROUTE, {"planned_end": "must be after the planned start: a leg takes some time"}, 0),
    (leg(end=at(3, 9)), ROUTE, {"planned_end": "must be after the planned start: a leg takes some time"}, 0),
    (leg(destination="BKK"), ROUTE,
     {"destination": "must differ from the origin: a courier leg takes the goods somewhere else"}, 0),
    (RouteLeg(2, "air", "SZ-WH", "BKK", at(1, 16), at(1, 19)), [TRUCK],  # the goods left SZ-WH on leg 1
     {"origin": "leg 1 takes the goods from SZ-WH to HKG: start this leg at HKG, or add first the leg that "
                "brings them back"}, 0),
])
def test_a_new_leg_is_checked_against_the_route(candidate, route, refused, warned):
    found = check_leg(candidate, route, shipment_origin="SZ-WH")
    assert found.refusals == refused
    assert len(found.warnings) == warned


def test_a_gap_is_warned_naming_both_legs_and_sites():
    found = check_leg(leg(origin="HKG"), ROUTE, shipment_origin="SZ-WH")
    assert found.warnings == ["Leg 4 starts at HKG, but leg 3 ends at BKK."]
    first = check_leg(leg(sequence=1, origin="SZX", start=None, end=None), [], shipment_origin="SZ-WH")
    assert first.warnings == ["Leg 1 starts at SZX, but the shipment leaves from SZ-WH."]


# Correcting a leg in the middle: it must still fit between its neighbours.
@pytest.mark.parametrize(("corrected", "refused", "warnings"), [
    (RouteLeg(2, "air", "HKG", "BKK", at(1, 17), at(1, 20)), {}, []),
    (RouteLeg(2, "air", "HKG", "BKK", at(1, 11), at(1, 19)),
     {"planned_start": "must not be before 2026-06-01 12:00 UTC, when leg 1 is planned to end"}, []),
    (RouteLeg(2, "air", "HKG", "BKK", at(1, 16), at(2, 10)),
     {"planned_end": "must not be after 2026-06-02 09:00 UTC, when leg 3 is planned to start"}, []),
    (RouteLeg(2, "air", "HKG", "DMK", at(1, 16), at(1, 19)), {},
     ["Leg 3 starts at BKK, but leg 2 ends at DMK."]),
])
def test_a_corrected_leg_is_checked_against_the_legs_before_and_after_it(corrected, refused, warnings):
    found = check_leg(corrected, [TRUCK, CUSTOMS], shipment_origin="SZ-WH")
    assert found.refusals == refused
    assert found.warnings == warnings


@pytest.mark.parametrize(("legs", "expected"), [
    (ROUTE + [leg(destination="SIRIRAJ")], []),
    ([TRUCK, CUSTOMS, leg()], ["Leg 3 starts at BKK, but leg 1 ends at HKG."]),  # leg 2 deleted
    ([FLIGHT], ["Leg 2 starts at HKG, but the shipment leaves from SZ-WH.",
                "The route ends at BKK, but the shipment goes to SIRIRAJ."]),
    ([TRUCK, RouteLeg(2, "air", "HKG", "SIRIRAJ", at(1, 10), at(1, 9))],  # recorded before these checks
     ["Leg 2 is planned to start before leg 1 ends.", "Leg 2 is planned to end no later than it starts."]),
    ([], []),
])
def test_the_route_as_recorded_says_what_does_not_add_up(legs, expected):
    assert route_warnings(legs, shipment_origin="SZ-WH", shipment_destination="SIRIRAJ") == expected


@pytest.mark.parametrize(("actual_start", "actual_end", "deleting", "expected"), [
    (None, None, True, None),
    (None, None, False, None),
    (at(1, 8), None, True, "leg 1 started at 2026-06-01 08:00 UTC: a leg under way or done cannot be "
                           "deleted, since the goods travelled it"),
    (None, at(1, 12), True, "leg 1 started at 2026-06-01 12:00 UTC: a leg under way or done cannot be "
                            "deleted, since the goods travelled it"),
    (at(1, 8), at(1, 12), False, "leg 1 started at 2026-06-01 08:00 UTC: a leg under way or done cannot be "
                                 "corrected; record its actual times instead"),
])
def test_only_a_leg_that_has_not_started_may_be_corrected_or_deleted(actual_start, actual_end, deleting,
                                                                      expected):
    recorded = RouteLeg(1, "truck", "SZ-WH", "HKG", at(1, 8), at(1, 12), actual_start, actual_end)
    assert change_problem(recorded, deleting=deleting) == expected
