"""Stability budgets: a lot's time out of range summed over its shipments and storage periods, judged
against its item, with its Arrhenius-equivalent time (hand computations written out)."""

from datetime import UTC, datetime, timedelta

import pytest

from logistics.core.coverage import covered_readings, outside_range
from logistics.core.excursion_types import Sample
from logistics.core.excursions import evaluate
from logistics.core.mkt import mean_kinetic_temperature
from logistics.core.stability import (
    BudgetState,
    Exposure,
    Unwatched,
    exposure_of,
    lot_stability,
    use_over_time,
    worst,
)
from logistics.core.storage import Span
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


# --- A lot's passport: shipments and storage periods, flat hours and their equivalent (SPEC §2.3) --------

def window(logger, start, temperatures, *, shipment=None, zone=None, site=None, every_minutes=10):
    """One logger's exposure over readings `every_minutes` apart from `start`."""
    samples = [Sample(start + timedelta(minutes=every_minutes * i), value)
               for i, value in enumerate(temperatures)]
    result = evaluate(samples, FRIDGE)
    outside = outside_range(covered_readings(samples, FRIDGE), FRIDGE)
    return exposure_of(result, outside, logger=logger, shipment=shipment, zone=zone, site=site,
                       window=Span(start, result.end))


def test_a_passport_counts_two_shipments_and_a_storage_period_each_by_its_worst_logger():
    first = worst([window("L1", T0, [5.0] * 6 + [15.0] * 6 + [5.0] * 6, shipment="A"),  # 1 h at 15 °C
                   window("L2", T0, [5.0] * 6 + [12.0] * 3 + [5.0] * 9, shipment="A")])  # 30 min at 12 °C
    second = window("L3", T0 + timedelta(days=3), [5.0] * 3 + [30.0] * 3 + [5.0] * 6, shipment="B")
    stored = window("F1", T0 + timedelta(days=5), [5.0] * 6 + [9.0] * 12 + [1.0] * 6 + [5.0] * 6,
                    zone="SIR-FRIDGE-1", site="SIRIRAJ-PH")  # 2 h at 9 °C, 1 h at 1 °C
    lot = lot_stability([stored, second, first], budget_s=72 * HOUR, limit_c=25.0,
                        activation_energy_kj=83.144)
    assert [(e.shipment, e.zone, e.logger) for e in lot.exposures] == [
        ("A", None, "L1"), ("B", None, "L3"), (None, "SIR-FRIDGE-1", "F1")]
    assert (lot.shipments, lot.storage_periods) == (2, 1)
    assert lot.out_of_range_s == (1 + 0.5 + 2 + 1) * HOUR and lot.remaining_s == 67.5 * HOUR
    # 1 h · 0.31224 + 0.5 h · 1.73880 + 2 h · 0.14927 + 1 h · 0.05307 = 1.53325 h
    # (1/282.15 = 0.00354421: e^(10000 · −0.00019019) = 0.14927; 1/274.15 = 0.00364764: e^−2.93624 = 0.05307)
    assert lot.equivalent_s / HOUR == pytest.approx(1.5333, abs=5e-5)
    assert first.equivalent_s(25.0, 83.144) / HOUR == pytest.approx(0.3122, abs=5e-5)
    assert (lot.min_c, lot.max_c, lot.limit_exceeded) == (1.0, 30.0, True)
    assert lot.mkt_window == (T0, T0 + timedelta(days=5, minutes=300))


def test_a_split_lot_has_one_budget_whichever_part_saw_the_exposure():
    warm_part = window("L1", T0, [5.0] * 3 + [20.0] * 12 + [5.0] * 3, shipment="A")  # 2 h at 20 °C
    cool_part = window("L2", T0, [5.0] * 18, shipment="B")  # the other part, at the same time, in range
    at_the_other_site = window("F2", T0 + timedelta(days=2), [5.0] * 12, zone="SIR-FRIDGE-2",
                               site="SIRIRAJ-CM")
    lot = lot_stability([warm_part, cool_part, at_the_other_site], budget_s=48 * HOUR, limit_c=25.0,
                        activation_energy_kj=83.144)
    assert lot.out_of_range_s == 2 * HOUR and lot.remaining_s == 46 * HOUR
    assert lot.equivalent_s / HOUR == pytest.approx(2 * 0.56436, abs=1e-4)  # e^(10000 · −0.0000572)


def test_without_a_temperature_limit_there_is_no_equivalent_and_unwatched_storage_is_kept():
    gap = Unwatched("SIRIRAJ-CM", (), Span(T0, T0 + timedelta(hours=6)))
    lot = lot_stability([window("L1", T0, [15.0] * 6, shipment="A")], budget_s=None, limit_c=None,
                        activation_energy_kj=83.144, unwatched=[gap])
    assert lot.equivalent_s is None and lot.unwatched == (gap,) and lot.unwatched_s == 6 * HOUR


def test_the_use_over_time_climbs_with_each_reading_out_of_range():
    lot = lot_stability([window("L1", T0, [5.0, 15.0, 15.0, 5.0], shipment="A")], budget_s=72 * HOUR,
                        limit_c=25.0, activation_energy_kj=83.144)
    points = use_over_time(lot)
    assert [(point.at, point.used_s) for point in points] == [
        (T0, 0.0), (T0 + timedelta(minutes=10), 0.0), (T0 + timedelta(minutes=20), 600.0),
        (T0 + timedelta(minutes=30), 1200.0)]
    assert points[-1].equivalent_s == pytest.approx(1200 * 0.31224, abs=0.1)
