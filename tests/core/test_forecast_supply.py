"""The forecast's stock: expiry cut-offs, lots usable from arrival plus QC release, demand waiting for
stock, and the scenario keys and JSON that carry them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from logistics.core.expiry_cut_offs import Exclusion
from logistics.core.forecast import forecast
from logistics.core.forecast_inputs import (
    Consumption,
    ForecastError,
    ItemSupply,
    LeadTime,
    Policy,
    Recruitment,
    SitePlan,
    StockLot,
    WhatIf,
)
from logistics.core.forecast_scenario import forecast_json, read_scenario
from logistics.core.forecast_stock import NEVER, ExcludedLot, Stock, _timed_left, _untimed_left

AS_OF = date(2026, 6, 1)


def day(days: int) -> date:
    return AS_OF + timedelta(days=days)


# Five patients enrolled already, the target reached: each needs one kit 30 days after enrolment, on days
# 5, 10, 15, 20 and 25, in every run; their slots (30 days after enrolment) fall on the same days.
ENROLLED = tuple(day(-25 + 5 * k) for k in range(5))
PATIENTS = Recruitment(target=5, sites=(SitePlan("S1", day(-60), 1.0, ENROLLED),), fixed_rate=True)
KIT = ItemSupply(
    "KIT", "kit", (Consumption(1.0, offset_days=30),), lead_time_days=21,
    do_not_ship_days=8, do_not_count_days=5, do_not_dispense_days=2,
    on_hand=(StockLot(1, day(7)),  # A: usable through day 5 (DND), serves day 5
             StockLot(2, day(-1)),  # B: expired
             StockLot(1, day(3))),  # C: within DNC of today
    in_transit=(StockLot(1, day(100), arrives=day(8)),  # D: usable from day 12 (4 days' release)
                StockLot(5, day(35), arrives=day(30)),  # E: arrives with 5 days left, under DNS
                StockLot(3, day(24), arrives=day(14))))  # F: usable days 18 to 22; 1 left is waste
POLICY = Policy(horizon_days=30, runs=200, seed=3, release_days=(4,), slot_offset_days=30)


def test_a_known_case_computed_by_hand():
    result = forecast(AS_OF, PATIENTS, [KIT], LeadTime.fixed(21), POLICY)
    (item,) = result.items
    assert item.excluded == (ExcludedLot(2, day(-1), Exclusion.EXPIRED),
                             ExcludedLot(1, day(3), Exclusion.DO_NOT_COUNT),
                             ExcludedLot(5, day(35), Exclusion.DO_NOT_SHIP))
    # A + D + F count (5), less F's kit left on its last usable day (gone on day 23, inside the 51 days)
    assert (item.on_hand, item.in_transit) == (4, 9)
    assert item.expected_waste == 1 and item.position == 4
    assert item.demand_p95 == 5 and item.order_up_to == 5 and item.order_quantity == 1
    assert item.stockout_probability == 1  # day 10's patient waits for D
    # Usable stock less demand waiting, at the start of each day: A; day 5 uses it; day 10 waits until
    # D on day 12; day 15 waits until F on day 18; day 20 uses F; F's last kit goes on day 23; day 25 waits.
    expected = [1] * 6 + [0] * 5 + [-1] + [0] * 4 + [-1] * 2 + [2] * 3 + [1] * 2 + [0] * 3 + [-1] * 5
    for band in item.fan.bands:
        assert list(band) == expected
    assert [(slot.patient, slot.slot_date, slot.probability, slot.limiting_item, slot.enrolled)
            for slot in result.slots] == [
        ("P001", day(5), 1.0, None, True), ("P002", day(10), 0.0, "KIT", True),
        ("P003", day(15), 0.0, "KIT", True), ("P004", day(20), 1.0, None, True),
        ("P005", day(25), 0.0, "KIT", True)]


def test_without_release_time_a_lot_is_usable_on_its_arrival_day():
    result = forecast(AS_OF, PATIENTS, [KIT], LeadTime.fixed(21), replace(POLICY, release_days=()))
    # D arrives on day 8, before day 10's patient; F on day 14, before day 15's.
    assert [slot.probability for slot in result.slots] == [1, 1, 1, 1, 0]


def test_release_times_are_drawn_per_run_and_lot():
    """D arrives on day 8 and is released after 1 or 3 days (usable on day 9 or 11): day 10's patient
    is ready in half the runs."""
    policy = replace(POLICY, release_days=(1, 3), runs=4000)
    p002 = forecast(AS_OF, PATIENTS, [KIT], LeadTime.fixed(21), policy).slots[1]
    assert p002.patient == "P002" and p002.probability == pytest.approx(0.5, abs=0.04)
    assert p002.limiting_item == "KIT"


def test_a_longer_hold_at_customs_holds_the_lots_on_their_way_too():
    held = forecast(AS_OF, PATIENTS, [KIT], LeadTime.fixed(21), replace(POLICY, release_days=()),
                    WhatIf(extra_lead_days=7))
    # D now arrives on day 15 and F on day 21: only day 5's patient is ready by their slot; F (expiring
    # on day 24, last usable day 22) now arrives with 3 days left, under the do-not-ship 8.
    assert [slot.probability for slot in held.slots] == [1, 0, 0, 0, 0]
    assert ExcludedLot(3, day(24), Exclusion.DO_NOT_SHIP) in held.items[0].excluded


def test_an_enrolled_patient_whose_slot_has_passed_is_not_listed():
    policy = replace(POLICY, slot_offset_days=12, slots=2)
    result = forecast(AS_OF, PATIENTS, [KIT], LeadTime.fixed(21), policy)
    # slots on days -13, -8, -3, 2, 7: P004 and P005 are upcoming, and only two are asked for
    assert [(slot.patient, slot.slot_date) for slot in result.slots] == [("P004", day(2)), ("P005", day(7))]


def test_a_lot_released_after_its_last_usable_day_is_all_waste():
    late = replace(KIT, on_hand=(), in_transit=(StockLot(3, day(10), arrives=day(9)),), do_not_ship_days=0)
    (item,) = forecast(AS_OF, PATIENTS, [late], LeadTime.fixed(21), POLICY).items
    # arrives day 9, released day 13, last usable day 8: never usable
    assert item.excluded == () and item.expected_waste == 3 and item.position == 0
    assert set(item.fan.bands[2]) <= {0, -1, -2, -3, -4, -5}


def test_untimed_and_timed_simulations_agree_where_both_apply():
    """Every lot usable from day 0: the vectorised FEFO and the event simulation leave the same waste."""
    rng = np.random.default_rng(5)
    for _ in range(100):
        runs, span, lots = 30, 40, int(rng.integers(1, 6))
        cumulative = _cumulative(rng.poisson(0.6, (runs, span)).astype(float))
        gone = _gone(rng, lots, span)
        quantities = rng.integers(0, 8, lots).astype(float)
        first = np.zeros((runs, lots), dtype=np.int64)
        assert np.allclose(_untimed_left(quantities, gone, cumulative),
                           _timed_left(quantities, first, gone, cumulative))


def test_the_timed_simulation_equals_a_day_by_day_one():
    rng = np.random.default_rng(8)
    for _ in range(60):
        runs, span, lots = 8, 30, int(rng.integers(1, 6))
        daily = rng.poisson(0.6, (runs, span)).astype(float)
        gone = _gone(rng, lots, span)
        quantities = rng.integers(0, 8, lots).astype(float)
        first = rng.integers(0, span + 5, (runs, lots)) * (rng.random((runs, lots)) < 0.7)
        cumulative = _cumulative(daily)
        left = _timed_left(quantities, first, gone, cumulative)
        stock = Stock(cumulative, quantities, np.minimum(first, gone[None, :]), gone, left)
        expected_left, expected_path = _day_by_day(quantities, first, gone, daily)
        assert np.allclose(left, expected_left)
        assert np.allclose(stock.path_at_end, expected_path)


def _cumulative(daily):
    return np.concatenate([np.zeros((daily.shape[0], 1)), np.cumsum(daily, axis=1)], axis=1)


def _gone(rng, lots, span):
    gone = np.sort(rng.integers(0, span + 8, lots))
    return np.where(gone > span, NEVER, gone)


def _day_by_day(quantities, first, gone, daily):
    """The plain reading of the rules: each day, lots gone go, lots released arrive, and the day's demand
    and what waits are met from the lot expiring soonest."""
    runs, span = daily.shape
    left, path = np.zeros(first.shape), np.zeros(daily.shape)
    for run in range(runs):
        remaining, waiting = [0.0] * len(quantities), 0.0
        for today in range(span + 1):
            for lot, quantity in enumerate(quantities):
                if gone[lot] == today:
                    left[run, lot] = remaining[lot] if first[run, lot] < today else quantity
                    remaining[lot] = 0.0
                elif first[run, lot] == today and today < gone[lot]:
                    remaining[lot] = quantity
            if today == span:
                break
            waiting += daily[run, today]
            for lot in range(len(quantities)):
                taken = min(remaining[lot], waiting)
                remaining[lot] -= taken
                waiting -= taken
            path[run, today] = sum(remaining) - waiting
    return left, path


SCENARIO = {
    "as_of": "2026-06-01",
    "recruitment": {"target": 5, "planned_rate": 1.0, "activated": "2026-04-02",
                    "enrolled": [str(day(-25 + 5 * k)) for k in range(5)]},
    "items": [{"code": "KIT", "unit": "kit", "uses": [{"quantity": 1, "offset_days": 30}],
               "lead_time_days": 21,
               "do_not_ship_days": 8, "do_not_count_days": 5, "do_not_dispense_days": 2,
               "on_hand": [{"quantity": 1, "expiry": "2026-06-08"}, {"quantity": 2, "expiry": "2026-05-31"},
                           {"quantity": 1, "expiry": "2026-06-04"}],
               "in_transit": [{"quantity": 1, "expiry": "2026-09-09", "arrives": "2026-06-09"},
                              {"quantity": 5, "expiry": "2026-07-06", "arrives": "2026-07-01"},
                              {"quantity": 3, "expiry": "2026-06-25", "arrives": "2026-06-15"}]}],
    "forecast": {"horizon_days": 30, "runs": 200, "seed": 3, "release_days": [4], "slot_offset_days": 30,
                 "slots": 10},
}


def test_the_scenario_keys_are_read_and_the_answer_carries_slots_and_exclusions():
    scenario = read_scenario(SCENARIO)
    assert scenario.items == (KIT,)
    policy = scenario.policy
    assert (policy.release_days, policy.slot_offset_days, policy.slots) == ((4,), 30, 10)
    result = forecast(scenario.as_of, scenario.recruitment, scenario.items, scenario.lead_time, policy)
    answer = forecast_json(result)
    assert answer["items"][0]["excluded"] == [
        {"quantity": 2.0, "expiry": "2026-05-31", "reason": "expired"},
        {"quantity": 1.0, "expiry": "2026-06-04", "reason": "do-not-count"},
        {"quantity": 5.0, "expiry": "2026-07-06", "reason": "do-not-ship"}]
    assert answer["slots"][:2] == [
        {"patient": "P001", "slot_date": "2026-06-06", "probability": 1.0, "limiting_item": None,
         "enrolled": True},
        {"patient": "P002", "slot_date": "2026-06-11", "probability": 0.0, "limiting_item": "KIT",
         "enrolled": True}]
    default = read_scenario({**SCENARIO, "forecast": {}}).policy
    assert (default.release_days, default.slot_offset_days, default.slots) == ((), 0, 10)


@pytest.mark.parametrize(("where", "key", "value", "problem"), [
    ("lot", "arrive", "2026-06-09", "in_transit #1: unknown key arrive"),
    ("forecast", "slot_offset", 7, "[forecast]: unknown key slot_offset"),
    ("item", "do_not_dispense", 2, "unknown key do_not_dispense"),
    ("lot", "arrives", "soon", "item KIT in_transit #1 arrives: a date such as 2026-06-01 is expected"),
    ("forecast", "release_days", 3, "[forecast] release_days: a list of whole days"),
    ("forecast", "release_days", [2, 2.5], "[forecast] release_days: a whole number is expected, not 2.5"),
    ("forecast", "slots", "ten", "[forecast] slots: a whole number is expected"),
    ("item", "do_not_ship_days", 1.5, "item KIT do_not_ship_days: a whole number is expected"),
])
def test_scenario_keys_misspelt_or_mistyped_are_refused_by_name(where, key, value, problem):
    document = _with(where, key, value)
    with pytest.raises(ForecastError) as refused:
        read_scenario(document)
    assert problem in str(refused.value)


@pytest.mark.parametrize(("where", "key", "value", "problem"), [
    ("item", "do_not_ship_days", -1, "item KIT: do_not_ship_days: between 0 and 3,650 days"),
    ("item", "do_not_count_days", 3651, "item KIT: do_not_count_days: between 0 and 3,650 days"),
    ("item", "do_not_dispense_days", 4000, "item KIT: do_not_dispense_days: between 0 and 3,650 days"),
    ("forecast", "release_days", [3, 366], "release_days: each between 0 and 365"),
    ("forecast", "release_days", [-1], "release_days: each between 0 and 365"),
    ("forecast", "slot_offset_days", -3651, "slot_offset_days: between -3650 and 3650"),
    ("forecast", "slots", 1001, "slots: between 0 and 1,000"),
    ("forecast", "slots", -1, "slots: between 0 and 1,000"),
])
def test_figures_out_of_range_are_refused_by_name(where, key, value, problem):
    scenario = read_scenario(_with(where, key, value))
    with pytest.raises(ForecastError) as refused:
        forecast(scenario.as_of, scenario.recruitment, scenario.items, scenario.lead_time, scenario.policy)
    assert problem in str(refused.value)


def _with(where, key, value):
    import copy

    document = copy.deepcopy(SCENARIO)
    table = {"item": document["items"][0], "lot": document["items"][0]["in_transit"][0],
             "forecast": document["forecast"]}[where]
    table[key] = value
    return document
