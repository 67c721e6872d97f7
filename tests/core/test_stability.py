"""Stability budgets: a lot's time out of range summed over its shipments, judged against its item."""

from datetime import UTC, datetime, timedelta

import pytest

from logistics.core.excursion_types import Sample
from logistics.core.excursions import evaluate
from logistics.core.mkt import mean_kinetic_temperature
from logistics.core.stability import BudgetState, Exposure, lot_stability, worst
from logistics.readers.config_files import load_profiles

FRIDGE = load_profiles()["refrigerated"]
T0 = datetime(2026, 11, 24, tzinfo=UTC)
HOUR = 3600.0


def exposure(out_h, covered_h=10, max_c=9.0, mkt_c=6.0, shipment="S", logger="L"):
    return Exposure(shipment=shipment, logger=logger, covered_s=covered_h * HOUR, out_of_range_s=out_h * HOUR,
                    min_c=3.0, max_c=max_c, mkt_c=mkt_c)


def test_each_shipment_counts_once_by_its_worst_logger_and_shipments_add_up():
    first = worst([exposure(1, logger="A"), exposure(3, logger="B"), exposure(3, max_c=12, logger="C")])
    assert first is not None and first.logger == "C"  # as long out of range as B, and warmer
    lot = lot_stability([first, exposure(2.5)], budget_s=72 * HOUR, limit_c=25, activation_energy_kj=83.144)
    assert lot.out_of_range_s == 5.5 * HOUR and lot.remaining_s == 66.5 * HOUR
    assert (lot.min_c, lot.max_c, lot.state, lot.limit_exceeded) == (3.0, 12, BudgetState.OK, False)


@pytest.mark.parametrize(("used_h", "state"), [(0, BudgetState.OK), (57.5, BudgetState.OK),
                                              (58, BudgetState.LOW), (72, BudgetState.EXHAUSTED),
                                              (80, BudgetState.EXHAUSTED)])
def test_a_budget_runs_low_under_a_fifth_left_and_out_at_nothing_left(used_h, state):
    lot = lot_stability([exposure(used_h)], budget_s=72 * HOUR, limit_c=None, activation_energy_kj=83.144)
    assert lot.state is state


def test_going_above_the_budgets_limit_is_flagged_and_no_budget_is_no_state():
    hot = lot_stability([exposure(1, max_c=26)], budget_s=None, limit_c=25, activation_energy_kj=83.144)
    assert hot.limit_exceeded and hot.state is BudgetState.NONE and hot.remaining_s is None


def test_the_lots_mkt_is_the_mkt_of_all_its_readings_together():
    legs = [[4.0] * 30 + [12.0] * 10, [6.0] * 50 + [20.0] * 3]
    readings = []
    exposures = []
    for number, temperatures in enumerate(legs):
        start = T0 + timedelta(days=number)
        samples = [Sample(start + timedelta(minutes=m), value) for m, value in enumerate(temperatures)]
        readings += samples
        result = evaluate(samples, FRIDGE)
        covered = result.partition.in_range_s + result.partition.out_of_range_s
        exposures.append(Exposure("S", "L", covered, result.partition.out_of_range_s, result.stats.min_c,
                                  result.stats.max_c, result.stats.mkt_c))
    lot = lot_stability(exposures, budget_s=None, limit_c=None, activation_energy_kj=83.144)
    together = [value for leg in legs for value in leg]
    assert lot.mkt_c == pytest.approx(mean_kinetic_temperature(together, [1] * len(together)), abs=1e-9)
    assert lot.out_of_range_s == 13 * 60
