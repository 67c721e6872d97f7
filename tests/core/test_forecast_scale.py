"""The reorder forecast at the size of a whole trial: long horizons, a million patients, the memory
budget, progress, and the pieces that make its cost independent of the target."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from statistics import NormalDist

import numpy as np
import pytest

from logistics.core.forecast import forecast
from logistics.core.forecast_demand import (
    MAX_CELLS,
    PoissonTable,
    Streams,
    check_cost,
    simulate_enrolments,
    simulation_steps,
)
from logistics.core.forecast_inputs import ForecastError, LeadTime, Policy, Recruitment, SitePlan, WhatIf
from logistics.core.forecast_reorder import FAN_POINTS, _fan, _order_by
from tests.core.test_forecast import AS_OF, KIT, POLICY, assert_matches, negative_binomial, one_site, poisson


def accrual_example() -> Recruitment:
    """Gajewski, Simon & Carlson (2008): 350 patients planned over 1,095 days, 41 enrolled by day 239,
    prior certainty P = 0.5 (a prior strength of 350 × 0.5 = 175 patients)."""
    activated = AS_OF - timedelta(days=239)
    enrolled = tuple(activated + timedelta(days=5 * number) for number in range(41))
    return Recruitment(target=350, sites=(SitePlan("KUMC", activated, 350 * 30 / 1095, enrolled),),
                       prior_strength=175.0)


def test_the_accrual_example_to_the_end_of_the_trial_is_negative_binomial():
    result = forecast(AS_OF, accrual_example(), [KIT], LeadTime.fixed(21), replace(POLICY, horizon_days=856))
    shape, rate = 175 + 41, 175 / (350 / 1095) + 239  # Gamma(α + k, α/planned + t)
    p = rate / (rate + 856)
    outlook = result.recruitment
    assert outlook.remaining == 309
    assert_matches((outlook.enrolments_mean, outlook.enrolments_p50, outlook.enrolments_p90,
                    outlook.enrolments_p95), negative_binomial(shape, p), shape * (1 - p) / p)


def test_a_million_patients_over_ten_years_run_quickly_and_are_poisson():
    runs = 1000
    result = forecast(AS_OF, one_site(6000.0, target=1_000_000), [KIT], LeadTime.fixed(21),
                      Policy(horizon_days=3650, runs=runs))
    outlook, item = result.recruitment, result.items[0]
    assert outlook.remaining == 1_000_000
    enrolments = (outlook.enrolments_mean, outlook.enrolments_p50, outlook.enrolments_p90,
                  outlook.enrolments_p95)
    demand = (item.demand_mean, item.demand_p50, item.demand_p90, item.demand_p95)
    for (mean, p50, p90, p95), days in ((enrolments, 3650), (demand, 3650 + 21)):
        expected = NormalDist(200 * days, math.sqrt(200 * days))  # Poisson at 730,000: normal within a unit
        assert mean == pytest.approx(expected.mean, abs=4 * expected.stdev / math.sqrt(runs))
        for level, figure in ((0.5, p50), (0.9, p90), (0.95, p95)):  # four standard errors of a quantile
            assert abs(figure - expected.inv_cdf(level)) < 0.3 * expected.stdev
    assert len(item.fan.days) <= FAN_POINTS
    assert item.fan.days[0] == AS_OF and item.fan.days[-1] == AS_OF + timedelta(days=3650)


def test_a_million_patients_recruited_within_the_horizon_stop_at_the_target():
    recruitment = one_site(9000.0, target=1_000_000, enrolled=[AS_OF - timedelta(days=1)] * 10)
    result = forecast(AS_OF, recruitment, [KIT], LeadTime.fixed(21), Policy(horizon_days=3650, runs=200))
    assert result.recruitment.remaining == 999_990
    assert result.recruitment.enrolments_p50 == result.recruitment.enrolments_mean == 999_990
    assert result.items[0].demand_p95 == result.items[0].order_up_to == 999_990


def test_sites_starting_on_different_days_add_up_to_one_poisson_count():
    """A site recruiting 3 a month from today and one recruiting 6 a month from day 30: over 90 days,
    Poisson with mean 0.1 × 90 + 0.2 × 60 = 21."""
    sites = (SitePlan("TH-01", AS_OF - timedelta(days=10), 3.0),
             SitePlan("TH-02", AS_OF + timedelta(days=30), 6.0))
    recruitment = Recruitment(target=10_000, sites=sites, fixed_rate=True)
    outlook = forecast(AS_OF, recruitment, [KIT], LeadTime.fixed(21), POLICY).recruitment
    assert_matches((outlook.enrolments_mean, outlook.enrolments_p50, outlook.enrolments_p90,
                    outlook.enrolments_p95), poisson(21.0), 21.0)


def test_a_forecast_beyond_the_memory_budget_is_refused_naming_its_figures():
    with pytest.raises(ForecastError) as refused:
        forecast(AS_OF, one_site(3.0), [KIT], LeadTime.fixed(21), Policy(horizon_days=3650, runs=100_000))
    message = str(refused.value)
    assert message.startswith("100,000 runs over 3,672 simulated days")
    assert "367,300,000 cells per matrix, more than the budget of 40,000,000 (about 800 MB)" in message
    assert message.endswith("use fewer runs or a shorter horizon")


def test_the_budget_holds_ten_thousand_runs_over_ten_years_and_not_a_cell_more_than_it_says():
    check_cost(10_000, 3650 + 330 + 1)  # ten years, lead times of up to 11 months
    check_cost(10_000, MAX_CELLS // 10_000 - 1)
    with pytest.raises(ForecastError, match="10,001 runs"):
        check_cost(10_001, MAX_CELLS // 10_000 - 1)


def test_progress_is_heard_for_each_chunk_of_runs_and_each_item():
    heard: list[tuple[int, int]] = []
    items = [KIT, replace(KIT, code="SEL-BAG"), replace(KIT, code="SEL-TUBE")]
    forecast(AS_OF, one_site(3.0), items, LeadTime.fixed(21), Policy(runs=2500),
             progress=lambda done, steps: heard.append((done, steps)))
    steps = simulation_steps(2500) + 3
    assert steps > 4 and heard == [(done, steps) for done in range(1, steps + 1)]


@pytest.mark.parametrize("rate", [0.002, 0.3, 5.0, 40.0, 300.0, 30_000.0])
def test_a_poisson_table_gives_each_uniform_its_exact_quantile(rate):
    uniforms = np.array([[1e-9, 0.001, 0.1, 0.37, 0.5, 0.9, 0.999, 1 - 1e-9, 1 - 1e-12]])
    drawn = PoissonTable(np.array([rate])).quantiles(uniforms)[0]
    assert list(drawn) == [poisson_quantile(rate, level) for level in uniforms[0]]


def test_a_rate_far_beyond_the_most_needed_draws_beyond_it_from_a_narrow_table():
    uniforms = np.array([[1e-9, 0.001, 0.5, 0.999], [1e-9, 0.001, 0.5, 0.999]])
    table = PoissonTable(np.array([300.0, 1e9]), most=310)
    drawn = table.quantiles(uniforms)
    assert drawn[0].tolist() == [poisson_quantile(300.0, u) for u in uniforms[0]]
    assert drawn[1].min() > 310 and table._shifted.shape[1] < 1000  # not a billion wide


def poisson_quantile(rate, level):
    """The smallest n with P(N ≤ n) ≥ level, summed from the near end (the lower tail upwards, or the
    upper one downwards: P(N > n) ≤ 1 - level) so that a tail of 1e-12 is not lost in rounding."""
    def pmf(n):
        return math.exp(n * math.log(rate) - rate - math.lgamma(n + 1))
    if level <= 0.5:
        n, below = max(math.floor(rate - 20 * math.sqrt(rate)) - 50, 0), 0.0
        while below + pmf(n) < level:
            below, n = below + pmf(n), n + 1
        return n
    n, above = math.ceil(rate + 20 * math.sqrt(rate)) + 50, 0.0  # above: P(N > n)
    while n > 0 and above + pmf(n) <= 1 - level:
        above, n = above + pmf(n), n - 1
    return n


def test_a_higher_rate_never_draws_fewer_from_the_same_uniforms():
    rates = np.geomspace(0.01, 500, 60)  # across the tables counted step by step and the searched ones
    uniforms = np.broadcast_to(np.random.default_rng(3).random(400), (60, 400))
    drawn = PoissonTable(rates).quantiles(uniforms)
    assert (np.diff(drawn, axis=0) >= 0).all()
    assert drawn[0].max() <= 1 and drawn[-1].min() > 400


def test_faster_recruitment_only_adds_enrolments_in_every_run():
    recruitment = one_site(2.0, target=30, fixed=False, activated=AS_OF - timedelta(days=60))
    planned = simulate_enrolments(AS_OF, recruitment, WhatIf(), 1500, 300, Streams(1))
    faster = simulate_enrolments(AS_OF, recruitment, WhatIf(1.5), 1500, 300, Streams(1))
    assert (faster >= planned).all() and (faster > planned).any()
    assert planned.max() == faster.max() == 30  # the target stops both


def test_a_longer_span_leaves_the_earlier_days_enrolments_as_they_were():
    recruitment = one_site(3.0, fixed=False, activated=AS_OF - timedelta(days=30))
    short = simulate_enrolments(AS_OF, recruitment, WhatIf(), 1500, 100, Streams(1))
    longer = simulate_enrolments(AS_OF, recruitment, WhatIf(), 1500, 250, Streams(1))
    assert np.array_equal(longer[:, :101], short)


def order_by_sorting(as_of, position, cumulative, leads, level, horizon):
    """The order-by date by its definition: each day's reorder point as a quantile over the runs."""
    days = np.arange(horizon + 1)
    runs = np.arange(cumulative.shape[0])[:, None]
    expected = position - cumulative[:, :horizon + 1].mean(axis=0)
    during_lead = cumulative[runs, days[None, :] + leads[:, None]] - cumulative[:, :horizon + 1]
    reorder_points = np.quantile(during_lead, level, axis=0, method="inverted_cdf")
    short = np.flatnonzero(expected < reorder_points - 1e-9)
    return None if short.size == 0 else as_of + timedelta(days=max(int(short[0]) - 1, 0))


@pytest.mark.parametrize("lead_times", [[14], [7, 14, 30]])
def test_the_order_by_date_counts_runs_to_the_same_day_as_sorting_them(lead_times):
    rng = np.random.default_rng(5)
    daily = rng.poisson(rng.gamma(2.0, 0.2, (700, 1)), (700, 230))
    cumulative = np.concatenate([np.zeros((700, 1)), np.cumsum(daily, axis=1)], axis=1)
    leads = rng.choice(lead_times, 700)
    found = []
    for position in (0.0, 3.0, 10.0, 25.0, 40.0, 70.0, 1000.0):
        for level in (0.5, 0.9, 0.95):
            day = _order_by(AS_OF, position, cumulative, leads, level, 180)
            assert day == order_by_sorting(AS_OF, position, cumulative, leads, level, 180)
            found.append(day)
    assert None in found and AS_OF in found and len(set(found)) > 5


def test_a_long_fan_keeps_at_most_its_points_and_each_is_that_days_quantile():
    path = np.cumsum(np.random.default_rng(2).normal(size=(300, 3651)), axis=1)
    fan = _fan(date(2030, 1, 1), path)
    assert 300 < len(fan.days) <= FAN_POINTS
    assert fan.days[0] == date(2030, 1, 1) and fan.days[-1] == date(2030, 1, 1) + timedelta(days=3650)
    shown = [(day - date(2030, 1, 1)).days for day in fan.days]
    assert shown == sorted(set(shown))
    expected = np.quantile(path[:, shown], (0.05, 0.25, 0.5, 0.75, 0.95), axis=0, method="inverted_cdf")
    assert np.array_equal(np.array(fan.bands), expected)
