"""The Arrhenius-equivalent exposure of SPEC §2.3, against hand computations.

ΔH/R = 83,144 J/mol ÷ 8.3144 J/(mol·K) = 10,000 K; T_ref = 25 °C = 298.15 K, 1/298.15 = 0.00335402.
"""

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.arrhenius import acceleration, equivalent_s
from logistics.core.coverage import Covered

T0 = datetime(2026, 3, 14, 2, tzinfo=UTC)
HOUR = 3600.0


def readings(*hours_at):
    """(hours, °C) pairs as consecutive covered readings."""
    found, at = [], T0
    for hours, temperature_c in hours_at:
        found.append(Covered(at, temperature_c, hours * HOUR))
        at += timedelta(hours=hours)
    return found


def test_an_hour_at_15_c_is_0_3122_h_at_25_c():
    # 1/288.15 = 0.00347041; 10000 · (0.00335402 − 0.00347041) = −1.16391; e^−1.16391 = 0.31224
    assert equivalent_s(readings((1, 15.0)), 25.0) / HOUR == pytest.approx(0.3122, abs=5e-5)


def test_time_at_the_reference_counts_one_for_one_and_warmer_counts_more():
    assert equivalent_s(readings((2, 25.0)), 25.0) == 2 * HOUR
    # 1/303.15 = 0.00329870; 10000 · (0.00335402 − 0.00329870) = 0.55319; e^0.55319 = 1.73880
    assert acceleration(30.0, 25.0) == pytest.approx(1.7388, abs=5e-5)


def test_mixed_readings_add_up_each_by_its_own_factor():
    # 30 min at 30 °C, 2 h at 15 °C, 1 h at 25 °C: 0.5 · 1.73880 + 2 · 0.31224 + 1 = 2.49388 h
    assert equivalent_s(readings((0.5, 30.0), (2, 15.0), (1, 25.0)), 25.0) / HOUR == pytest.approx(
        2.4939, abs=5e-5)


def test_three_hours_at_20_c_against_ten_hours_at_12_c_on_one_scale():
    # 1/293.15 = 0.00341122: e^(10000 · −0.0000572) = e^−0.57206 = 0.56436; 3 h → 1.6931 h
    # 1/285.15 = 0.00350693: e^(10000 · −0.0001529) = e^−1.52907 = 0.21673; 10 h → 2.1673 h
    assert equivalent_s(readings((3, 20.0)), 25.0) / HOUR == pytest.approx(1.6931, abs=5e-5)
    assert equivalent_s(readings((10, 12.0)), 25.0) / HOUR == pytest.approx(2.1673, abs=5e-5)


def test_another_activation_energy_changes_the_scale():
    # ΔH = 120 kJ/mol: ΔH/R = 14,432.8 K; e^(14432.8 · −0.00011639) = e^−1.67986 = 0.18638
    assert equivalent_s(readings((1, 15.0)), 25.0, 120.0) / HOUR == pytest.approx(0.1864, abs=5e-5)


def test_nothing_out_of_range_is_nothing_and_bad_inputs_are_refused():
    assert equivalent_s([], 25.0) == 0.0
    with pytest.raises(ValueError, match="activation energy"):
        acceleration(15.0, 25.0, 0.0)
    with pytest.raises(ValueError, match="absolute zero"):
        acceleration(-300.0, 25.0)


@given(st.floats(-80, 60), st.floats(-80, 60), st.floats(0.01, 100))
def test_it_grows_with_temperature_and_is_one_at_the_reference(low, high, hours):
    low, high = sorted((low, high))
    assert acceleration(low, 25.0) <= acceleration(high, 25.0)
    assert math.isclose(equivalent_s(readings((hours, 25.0)), 25.0), hours * HOUR)
