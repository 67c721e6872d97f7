"""Lane analytics on a small history with answers worked out by hand (see the comments)."""

from datetime import UTC, datetime, timedelta

import pytest

from logistics.core.lane_analytics import (
    FoundExcursion,
    Journey,
    LegKey,
    OutsideReading,
    TravelledLeg,
    counted_excursions,
    lane_figures,
    lead_days,
    percentile,
    season_of,
)

H = 3600.0
TRUCK, AIR = LegKey(1, "truck", "HG-SZ", "HKG"), LegKey(2, "air", "HKG", "BKK")


def journey(reference, departed, legs, arrived_h, excursions=(), outside=()):
    """Legs planned truck [0, 4) h and air [6, 9) h after `departed`; `legs` are the actual (start, end)."""
    def at(hours):
        return departed + timedelta(hours=hours)

    return Journey(
        reference, planned_departure=departed, planned_arrival=at(9), actual_departure=departed,
        actual_arrival=at(arrived_h),
        legs=(TravelledLeg(1, "truck", "HG-SZ", "HKG", "SZ Cold Express", at(0), at(4), at(legs[0][0]),
                           at(legs[0][1])),
              TravelledLeg(2, "air", "HKG", "BKK", "Cathay Cargo", at(6), at(9), at(legs[1][0]),
                           at(legs[1][1]))),
        excursions=tuple(FoundExcursion(logger, rule, kind, at(start), None if end is None else at(end))
                         for logger, rule, kind, start, end in excursions),
        outside=tuple(OutsideReading(source, at(start), seconds) for source, start, seconds in outside))


APRIL = datetime(2026, 4, 1, tzinfo=UTC)
MAY_IN_SHENZHEN = datetime(2026, 4, 30, 20, tzinfo=UTC)  # 1 May, 04:00 in Shenzhen
HISTORY = [
    journey("J1", APRIL, [(0, 4), (6, 9)], 9),
    journey("J2", MAY_IN_SHENZHEN, [(0, 5), (8, 20)], 20,
            excursions=[("L1", "above 8", "above", 10, 11), ("L2", "above 8", "above", 10.5, 11.5),
                        ("L1", "gap", "no_data", 12, 13)],
            outside=[("L1", 10, 1800), ("L1", 10.5, 1800), ("L2", 10.5, 1800)]),
    journey("J3", datetime(2026, 7, 1, tzinfo=UTC), [(0, 4), (10, 30)], 30,
            excursions=[("L1", "shock", "shock", 5, 5)]),
    journey("J4", datetime(2026, 12, 1, tzinfo=UTC), [(0, 6), (16, 40)], 40,
            excursions=[("L1", "above 8", "above", 2, 3), ("L1", "above 8", "above", 30, 31)],
            outside=[("L1", 5.5, 3600)]),  # half on the truck, half at the stop in Hong Kong
]


def test_percentiles_interpolate_between_ranks():
    assert percentile([40, 10, 30, 20], 0.5) == 25
    assert percentile([10, 20, 30, 40], 0.9) == pytest.approx(37)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


def test_door_to_door_transit_planned_and_actual():
    figures = lane_figures(HISTORY, "Asia/Shanghai")
    assert figures.shipments == 4
    assert (figures.planned_transit_s.p50, figures.planned_transit_s.p90) == (9 * H, 9 * H)
    # 9, 20, 30, 40 h: p50 between 20 and 30, p90 at 2.7 ranks: 30 + 0.7 × 10
    assert figures.actual_transit_s.p50 == 25 * H
    assert figures.actual_transit_s.p90 == pytest.approx(37 * H)
    assert figures.on_time == 1


def test_each_leg_planned_against_actual():
    truck, air = lane_figures(HISTORY, "Asia/Shanghai").legs
    assert (truck.key, air.key) == (TRUCK, AIR)
    assert truck.carriers == ("SZ Cold Express",)
    assert truck.planned_s.p50 == 4 * H
    assert truck.actual_s.p50 == 4.5 * H  # 4, 4, 5, 6 h
    assert truck.actual_s.p90 == pytest.approx(5.7 * H)
    assert truck.late == 2
    assert air.actual_s.p50 == 16 * H  # 3, 12, 20, 24 h
    assert air.actual_s.p90 == pytest.approx(22.8 * H)
    assert air.late == 3


def test_dwell_at_the_stop_between_legs():
    [stop] = lane_figures(HISTORY, "Asia/Shanghai").stops
    assert (stop.after, stop.site) == (1, "HKG")
    assert stop.planned_s.p50 == 2 * H
    assert stop.actual_s.p50 == 4.5 * H  # 2, 3, 6, 10 h
    assert stop.actual_s.p90 == pytest.approx(8.8 * H)


def test_excursions_per_100_shipments_by_leg_stop_and_carrier():
    figures = lane_figures(HISTORY, "Asia/Shanghai")
    # J2's two loggers saw one event; its data gap does not count; J3's shock was at the stop.
    assert figures.exposure.excursions == 4 and figures.exposure.per_100 == 100
    truck, air = figures.legs
    assert (truck.exposure.excursions, truck.exposure.per_100) == (1, 25)
    assert (air.exposure.excursions, air.exposure.per_100) == (2, 50)
    assert figures.stops[0].exposure.per_100 == 25
    carriers = {carrier.carrier: carrier for carrier in figures.carriers}
    assert carriers["Cathay Cargo"].exposure.per_100 == 50
    assert carriers["SZ Cold Express"].exposure.per_100 == 25
    assert carriers["SZ Cold Express"].legs == 4


def test_time_out_of_range_by_leg_counts_the_worst_logger():
    figures = lane_figures(HISTORY, "Asia/Shanghai")
    truck, air = figures.legs
    assert air.exposure.outside_s == 3600  # L1's hour, not L2's half hour
    assert truck.exposure.outside_s == 1800 and truck.exposure.outside_mean_s == 450
    assert figures.stops[0].exposure.outside_s == 1800
    assert figures.exposure.outside_s == 7200 and figures.exposure.outside_mean_s == 1800


def test_months_in_the_origins_zone_and_bangkoks_seasons():
    figures = lane_figures(HISTORY, "Asia/Shanghai")
    assert [month.period for month in figures.months] == ["2026-04", "2026-05", "2026-07", "2026-12"]
    may = figures.months[1]
    assert may.season == "hot_season" and may.outside_by_leg_s == (0.0, 3600.0)
    assert may.exposure.per_100 == 100
    hot, rainy, cool = figures.seasons
    assert (hot.period, rainy.period, cool.period) == ("hot_season", "rainy_season", "cool_season")
    assert hot.exposure.shipments == 2 and hot.exposure.per_100 == 50
    assert hot.transit_s.p50 == 14.5 * H and hot.transit_s.p90 == pytest.approx(18.9 * H)
    assert [season_of(month) for month in (2, 3, 5, 6, 10, 11)] == [
        "cool_season", "hot_season", "hot_season", "rainy_season", "rainy_season", "cool_season"]


def test_an_empty_lane_has_no_figures():
    figures = lane_figures([], "Asia/Bangkok")
    assert figures.shipments == 0 and figures.legs == () and figures.exposure.per_100 is None
    assert figures.actual_transit_s.p50 is None


def test_overlapping_excursions_of_one_rule_are_one_event():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    found = [FoundExcursion("A", "above 8", "above", start, start + timedelta(hours=1)),
             FoundExcursion("B", "above 8", "above", start + timedelta(minutes=50), None),
             FoundExcursion("B", "below 2", "below", start, start + timedelta(hours=1))]
    assert [(e.logger, e.rule, e.end) for e in counted_excursions(found)] == [
        ("A", "above 8", None), ("B", "below 2", start + timedelta(hours=1))]


def test_lead_days_round_up_to_whole_days():
    assert lead_days([0, 86400, 86401, 2.5 * 86400]) == [0, 1, 2, 3]
