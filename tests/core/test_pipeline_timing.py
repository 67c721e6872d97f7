from datetime import UTC, date, datetime

from logistics.core.pipeline_timing import expected_arrival, release_days

AS_OF = date(2027, 1, 10)
BANGKOK = "Asia/Bangkok"


def arrival(**given):
    facts = {"arrived": False, "planned_arrival": None, "departure": None, "lane_days": None,
             "lead_time_days": 21, "zone": BANGKOK}
    return expected_arrival(AS_OF, **(facts | given))


def test_the_planned_arrival_is_its_day_in_the_destinations_zone():
    late_evening_utc = datetime(2027, 1, 14, 20, 0, tzinfo=UTC)  # 03:00 on the 15th in Bangkok
    assert arrival(planned_arrival=late_evening_utc) == date(2027, 1, 15)
    assert arrival(planned_arrival=late_evening_utc, zone="UTC") == date(2027, 1, 14)


def test_without_a_planned_arrival_the_departure_plus_the_lanes_median_counts():
    departed = datetime(2027, 1, 9, 6, 0, tzinfo=UTC)
    assert arrival(departure=departed, lane_days=3.5) == date(2027, 1, 13)  # 18:00 UTC: 01:00 in Bangkok
    assert arrival(departure=departed) == date(2027, 1, 31)  # no lane history: the shared lead time


def test_arrived_or_late_shipments_are_expected_today():
    assert arrival(arrived=True, planned_arrival=datetime(2027, 2, 1, tzinfo=UTC)) == AS_OF
    assert arrival(planned_arrival=datetime(2027, 1, 2, tzinfo=UTC)) == AS_OF
    assert arrival(lead_time_days=0) == AS_OF


def test_release_times_round_up_to_whole_days():
    assert release_days([0, 3600, 86400, 86401, 2.5 * 86400, -5]) == [0, 1, 1, 2, 3, 0]
