"""Patient slots against closed forms: with recruitment a Poisson process of known rate λ, the k-th
future enrolment comes at T_k ~ Gamma(k, λ), and P(T_k ≥ a) = P(Poisson(λa) ≤ k - 1)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from logistics.core.forecast import forecast
from logistics.core.forecast_demand import Streams, simulate_enrolments
from logistics.core.forecast_inputs import (
    Consumption,
    ItemSupply,
    LeadTime,
    Policy,
    Recruitment,
    SitePlan,
    StockLot,
    WhatIf,
)
from logistics.core.forecast_slots import _enrolment_days

AS_OF = date(2026, 6, 1)
RATE = 0.5  # patients per day
RECRUITMENT = Recruitment(target=500, sites=(SitePlan("S1", AS_OF, RATE * 30),), fixed_rate=True)
POLICY = Policy(horizon_days=90, runs=10_000, seed=11, release_days=(3,), slots=10)


def day(days: int) -> date:
    return AS_OF + timedelta(days=days)


def poisson(mean: float, count: int) -> float:
    return math.exp(count * math.log(mean) - mean - math.lgamma(count + 1)) if mean else float(count == 0)


def at_most(mean: float, count: int) -> float:
    """P(Poisson(mean) ≤ count)."""
    return sum(poisson(mean, n) for n in range(count + 1))


def ready(k: int, stock: int, released: int) -> float:
    """P(patient k's slot day has every demand up to and including it met), `stock` kits on hand and
    plenty from day `released`: k enrols on day m = floor(T_k); ready if m ≥ released, or if no more than
    `stock` patients enrol by the end of day m (i of them before day m, the rest on it)."""
    before = sum(poisson(RATE * m, i) * poisson(RATE, j - i)
                 for m in range(released) for i in range(k) for j in range(k, stock + 1))
    return at_most(RATE * released, k - 1) + before


def kit(on_hand: float, arrives: int) -> ItemSupply:
    """`on_hand` kits, and plenty for everyone on their way, arriving on day `arrives`."""
    return ItemSupply("KIT", "kit", (Consumption(1.0),), lead_time_days=21,
                      on_hand=(StockLot(on_hand),) if on_hand else (),
                      in_transit=(StockLot(1000, day(400), arrives=day(arrives)),))


@pytest.mark.parametrize("stock", [0, 2])
def test_a_slot_is_ready_when_stock_on_hand_or_the_released_lot_covers_every_need_up_to_it(stock):
    """A lot arriving on day 9 and released 3 days later: patient k > stock is ready iff they enrol on
    day 12 or later, P(T_k ≥ 12); patients within the stock on hand unless more enrol on their day
    than it holds (patients enrolled on one day count together)."""
    result = forecast(AS_OF, RECRUITMENT, [kit(stock, 9)], LeadTime.fixed(21), POLICY)
    assert [slot.patient for slot in result.slots] == [f"P{k:03d}" for k in range(1, 11)]
    for k, slot in enumerate(result.slots, start=1):
        expected = ready(k, stock, 12)
        assert slot.probability == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / 1e4)
                                                 + 1e-3), k
        assert not slot.enrolled and slot.limiting_item == "KIT"
        # the median of floor(T_k): the first day m with P(T_k < m + 1) ≥ 1/2
        median = next(m for m in range(200) if 1 - at_most(RATE * (m + 1), k - 1) >= 0.5)
        assert abs((slot.slot_date - AS_OF).days - median) <= 1, k


def test_the_limiting_item_is_the_one_least_often_ready():
    scarce = replace(kit(0, 9), code="SCARCE")
    plenty = replace(kit(1000, 400), code="PLENTY")
    result = forecast(AS_OF, RECRUITMENT, [plenty, scarce], LeadTime.fixed(21), replace(POLICY, runs=2000))
    alone = forecast(AS_OF, RECRUITMENT, [scarce], LeadTime.fixed(21), replace(POLICY, runs=2000))
    assert [slot.limiting_item for slot in result.slots] == ["SCARCE"] * 10
    assert [slot.probability for slot in result.slots] == [slot.probability for slot in alone.slots]
    only_plenty = forecast(AS_OF, RECRUITMENT, [plenty], LeadTime.fixed(21), replace(POLICY, runs=2000))
    assert {(slot.probability, slot.limiting_item) for slot in only_plenty.slots} == {(1.0, None)}


def test_enrolled_patients_come_first_then_the_predicted_ones_in_order():
    enrolled = (day(-30), day(-9), day(-2))  # slots 7 days on: day -23 (passed), day -2 (passed), day 5
    recruitment = replace(RECRUITMENT, target=6, sites=(SitePlan("S1", day(-40), RATE * 30, enrolled),))
    policy = replace(POLICY, slot_offset_days=7, runs=2000)
    result = forecast(AS_OF, recruitment, [kit(10, 0)], LeadTime.fixed(21), policy)
    assert [(slot.patient, slot.enrolled) for slot in result.slots] == [
        ("P003", True), ("P004", False), ("P005", False), ("P006", False)]  # the target is 6
    assert result.slots[0].slot_date == day(5) and result.slots[0].probability == 1.0
    assert result.slots[1].slot_date > day(7)  # enrolled on day 1 at the earliest, median on day ~1-2
    none = forecast(AS_OF, recruitment, [kit(10, 0)], LeadTime.fixed(21), replace(policy, slots=0))
    assert none.slots == ()


def test_faster_recruitment_brings_slots_earlier_and_makes_them_riskier():
    planned = forecast(AS_OF, RECRUITMENT, [kit(2, 9)], LeadTime.fixed(21), replace(POLICY, runs=2000))
    faster = forecast(AS_OF, RECRUITMENT, [kit(2, 9)], LeadTime.fixed(21), replace(POLICY, runs=2000),
                      WhatIf(recruitment_factor=1.5))
    assert all(fast.slot_date <= slow.slot_date
               for fast, slow in zip(faster.slots, planned.slots, strict=True))
    assert all(fast.probability <= slow.probability
               for fast, slow in zip(faster.slots, planned.slots, strict=True))


def test_enrolment_days_are_the_days_the_counts_reach_each_patient():
    runs, span = 500, 60
    enrolled = simulate_enrolments(AS_OF, RECRUITMENT, WhatIf(), runs, span, Streams(4))
    days = _enrolment_days(enrolled, 40)
    # The k-th enrolment falls on the first day by the end of which k have enrolled: after every day
    # whose count is still below k (span where the run never gets there).
    expected = np.stack([(enrolled[:, 1:] < k).sum(axis=1) for k in range(1, 41)], axis=1)
    assert np.array_equal(days, expected)
    assert (days == span).any() and (days < span).any()  # some runs reach 40 patients within 60 days
