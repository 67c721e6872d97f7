"""The reorder forecast against closed forms (SPEC §8), and its policy's properties."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.core.forecast import forecast
from logistics.core.forecast_inputs import (
    Basis,
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
from logistics.core.forecast_reorder import order_quantity

AS_OF = date(2026, 6, 1)
KIT = ItemSupply("SEL-KIT", "kit", (Consumption(1.0),), lead_time_days=21)
POLICY = Policy(horizon_days=90, service_level=0.95, runs=10_000, seed=1)


def quantile(pmf, level):
    """The smallest n with P(N ≤ n) ≥ level."""
    total, n = 0.0, 0
    while True:
        total += pmf(n)
        if total >= level - 1e-12:
            return n
        n += 1


def poisson(mean):
    return lambda n: math.exp(n * math.log(mean) - mean - math.lgamma(n + 1))


def negative_binomial(shape, p):
    """Failures before the shape-th success with success probability p."""
    return lambda n: math.exp(math.lgamma(n + shape) - math.lgamma(shape) - math.lgamma(n + 1)
                              + shape * math.log(p) + n * math.log1p(-p))


def one_site(rate, *, target=10_000, prior_strength=2.0, fixed=True, activated=AS_OF, enrolled=()):
    return Recruitment(target=target, sites=(SitePlan("S1", activated, rate, tuple(enrolled)),),
                       prior_strength=prior_strength, fixed_rate=fixed)


def assert_matches(figures, pmf, mean):
    """Quantiles within one unit and the mean within 2 % (SPEC §8)."""
    p50, p90, p95 = figures[1:]
    assert abs(p50 - quantile(pmf, 0.5)) <= 1
    assert abs(p90 - quantile(pmf, 0.9)) <= 1
    assert abs(p95 - quantile(pmf, 0.95)) <= 1
    assert figures[0] == pytest.approx(mean, rel=0.02)


def test_with_a_known_rate_demand_is_poisson():
    result = forecast(AS_OF, one_site(3.0), [KIT], LeadTime.fixed(21), POLICY)
    item = result.items[0]
    window_mean = 3.0 / 30 * (21 + 90)
    assert item.window_days == 111
    assert_matches((item.demand_mean, item.demand_p50, item.demand_p90, item.demand_p95),
                   poisson(window_mean), window_mean)
    assert abs(item.reorder_point - quantile(poisson(3.0 / 30 * 21), 0.95)) <= 1
    assert abs(item.order_up_to - quantile(poisson(window_mean), 0.95)) <= 1
    outlook = result.recruitment
    assert outlook.rate_per_30d == pytest.approx(3.0)
    assert_matches((outlook.enrolments_mean, outlook.enrolments_p50, outlook.enrolments_p90,
                    outlook.enrolments_p95), poisson(9.0), 9.0)


def test_with_a_gamma_prior_demand_is_negative_binomial():
    activated = AS_OF - timedelta(days=150)
    enrolled = [activated + timedelta(days=days) for days in (19, 45, 91)]
    recruitment = one_site(1.5, fixed=False, activated=activated, enrolled=enrolled)
    item = forecast(AS_OF, recruitment, [KIT], LeadTime.fixed(21), POLICY).items[0]
    shape, rate = 2.0 + 3, 2.0 / (1.5 / 30) + 150  # Gamma(α + k, α/planned + t)
    p = rate / (rate + 111)
    assert_matches((item.demand_mean, item.demand_p50, item.demand_p90, item.demand_p95),
                   negative_binomial(shape, p), shape * (1 - p) / p)


def test_enrolments_stop_at_the_target():
    recruitment = one_site(30.0, target=5, enrolled=[AS_OF - timedelta(days=3)] * 3)
    result = forecast(AS_OF, recruitment, [KIT], LeadTime.fixed(21), POLICY)
    assert result.recruitment.remaining == 2
    assert result.recruitment.enrolments_p95 == 2 and result.recruitment.enrolments_mean <= 2
    assert result.items[0].demand_p95 == 2 and result.items[0].order_up_to == 2


def test_the_same_seed_gives_the_same_answer_and_another_seed_another():
    recruitment = one_site(1.5, fixed=False, activated=AS_OF - timedelta(days=60))
    first = forecast(AS_OF, recruitment, [KIT], LeadTime.fixed(21), POLICY)
    again = forecast(AS_OF, recruitment, [KIT], LeadTime.fixed(21), POLICY)
    other = forecast(AS_OF, recruitment, [KIT], LeadTime.fixed(21), replace(POLICY, seed=2))
    assert first == again
    assert first.items[0].demand_mean != other.items[0].demand_mean


def test_patients_enrolled_already_consume_at_their_later_offsets():
    """Past enrolments are certain: a kit 30 days after enrolment, for a patient enrolled 10 days ago,
    is needed on day 20 in every run."""
    item = ItemSupply("VEC-BAG", "bag", (Consumption(2.0, offset_days=30),), lead_time_days=21)
    recruitment = one_site(0.0, target=2, enrolled=[AS_OF - timedelta(days=10)])
    result = forecast(AS_OF, recruitment, [item], LeadTime.fixed(21), POLICY).items[0]
    assert result.reorder_point == 2 and result.demand_p50 == 2 and result.demand_mean == 2
    assert result.order_by == AS_OF  # no stock and the need falls inside the first lead time


def test_screen_failures_batches_and_overage_scale_demand():
    recruitment = replace(one_site(3.0), screen_failure_ratio=0.5, batches_per_patient=2.0)
    uses = (Consumption(1.0, basis=Basis.SCREENED), Consumption(1.0, basis=Basis.BATCH))
    item = ItemSupply("QC", "test", uses, overage=1.1, lead_time_days=21)
    plain = forecast(AS_OF, one_site(3.0), [replace(item, uses=(Consumption(1.0),), overage=1.0)],
                     LeadTime.fixed(21), POLICY).items[0]
    scaled = forecast(AS_OF, recruitment, [item], LeadTime.fixed(21), POLICY).items[0]
    assert scaled.demand_mean == pytest.approx(plain.demand_mean * (2 + 2) * 1.1)


def test_stock_expiring_before_it_is_used_is_not_counted():
    """Ten kits that expire in a week, at a patient a month: most will be thrown away."""
    short_dated = replace(KIT, on_hand=(StockLot(10, AS_OF + timedelta(days=6)),))
    item = forecast(AS_OF, one_site(1.0), [short_dated], LeadTime.fixed(21), POLICY).items[0]
    demand_in_a_week = 1.0 / 30 * 7
    assert item.expected_waste == pytest.approx(10 - demand_in_a_week, abs=0.05)
    assert item.position == pytest.approx(demand_in_a_week, abs=0.05)
    long_dated = replace(KIT, on_hand=(StockLot(10, AS_OF + timedelta(days=400)),))
    kept = forecast(AS_OF, one_site(1.0), [long_dated], LeadTime.fixed(21), POLICY).items[0]
    assert kept.expected_waste == 0 and kept.position == 10 and kept.order_quantity == 0


def test_first_expiry_first_out_uses_the_short_lot_before_the_long_one():
    lots = (StockLot(5, AS_OF + timedelta(days=500)), StockLot(5, AS_OF + timedelta(days=60)))
    item = forecast(AS_OF, one_site(6.0), [replace(KIT, on_hand=lots)], LeadTime.fixed(21), POLICY).items[0]
    # about 12 patients by day 60: the short lot is used up before it expires, nothing is wasted
    assert item.expected_waste < 0.05 and item.position == pytest.approx(10, abs=0.05)


def test_an_expired_lot_counts_for_nothing():
    stale = replace(KIT, on_hand=(StockLot(4, AS_OF - timedelta(days=1)),))
    item = forecast(AS_OF, one_site(1.0), [stale], LeadTime.fixed(21), POLICY).items[0]
    assert item.position == 0 and item.on_hand == 4


def test_the_fan_starts_from_the_stock_and_falls_with_demand():
    item = forecast(AS_OF, one_site(3.0), [replace(KIT, on_hand=(StockLot(20),))], LeadTime.fixed(21),
                    POLICY).items[0]
    assert len(item.fan.days) == 91 and item.fan.days[0] == AS_OF
    p5, _, p50, _, p95 = item.fan.bands
    assert p5[0] == p50[0] == p95[0] == 20
    assert p5[-1] <= p50[-1] <= p95[-1] < 20
    assert all(later <= earlier for earlier, later in zip(p50, p50[1:], strict=False))


def test_learned_lead_times_are_resampled():
    item = replace(KIT, lead_time_days=None)
    result = forecast(AS_OF, one_site(3.0), [item], LeadTime((10, 20, 30), learned=True), POLICY).items[0]
    assert result.lead_time_days == 20
    held = forecast(AS_OF, one_site(3.0), [item], LeadTime((10, 20, 30), learned=True), POLICY,
                    WhatIf(extra_lead_days=14)).items[0]
    assert held.lead_time_days == 34 and held.reorder_point > result.reorder_point


def test_order_quantities_are_whole_packs_and_at_least_the_minimum():
    assert order_quantity(0.0, 10, 20) == 0
    assert order_quantity(3, 10, 0) == 10
    assert order_quantity(3, 10, 25) == 30
    assert order_quantity(40, 10, 25) == 40


def test_inputs_the_model_cannot_use_are_named():
    with pytest.raises(ForecastError, match="service_level") as refused:
        forecast(AS_OF, one_site(1.0), [replace(KIT, pack_size=0)], LeadTime.fixed(21),
                 replace(POLICY, service_level=1.0))
    assert "pack_size" in str(refused.value)
    with pytest.raises(ForecastError, match="listed twice"):
        forecast(AS_OF, one_site(1.0), [KIT, KIT], LeadTime.fixed(21), POLICY)


SMALL = Policy(horizon_days=60, service_level=0.9, runs=400, seed=7)


@settings(max_examples=40, deadline=None)
@given(stock=st.integers(0, 40), more=st.integers(1, 40), rate=st.floats(0.1, 10), fixed=st.booleans())
def test_more_stock_never_raises_the_order_quantity(stock, more, rate, fixed):
    recruitment = one_site(rate, fixed=fixed, activated=AS_OF - timedelta(days=30))
    item = replace(KIT, pack_size=5, minimum_order=10)

    def ordered(on_hand):
        result = forecast(AS_OF, recruitment, [replace(item, on_hand=(StockLot(on_hand),))],
                          LeadTime.fixed(21), SMALL)
        return result.items[0].order_quantity
    assert ordered(stock + more) <= ordered(stock)


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(0.1, 10), faster=st.floats(1.0, 3.0), stock=st.integers(0, 30), fixed=st.booleans(),
       target=st.integers(1, 60))
def test_faster_recruitment_never_lowers_the_order_quantity(rate, faster, stock, fixed, target):
    item = replace(KIT, on_hand=(StockLot(stock),), pack_size=2)

    def ordered(planned, factor=1.0):
        recruitment = one_site(planned, target=target, fixed=fixed, activated=AS_OF - timedelta(days=45))
        result = forecast(AS_OF, recruitment, [item], LeadTime.fixed(21), SMALL, WhatIf(factor))
        return result.items[0].order_quantity
    assert ordered(rate * faster) >= ordered(rate)
    assert ordered(rate, faster) >= ordered(rate)


def test_offsets_beyond_the_simulated_days_consume_nothing_in_them():
    for offset in (-500, 500):
        item = replace(KIT, uses=(Consumption(1.0, offset_days=offset),))
        result = forecast(AS_OF, one_site(3.0), [item], LeadTime.fixed(21), POLICY).items[0]
        assert result.demand_p95 == 0 and result.order_quantity == 0


def test_a_simulation_too_large_for_memory_is_refused_with_advice():
    with pytest.raises(ForecastError, match="use fewer runs or a shorter horizon"):
        forecast(AS_OF, one_site(9000.0), [KIT], LeadTime.fixed(21), replace(POLICY, runs=100_000,
                                                                             horizon_days=3650))
