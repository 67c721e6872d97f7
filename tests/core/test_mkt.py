"""Mean kinetic temperature (USP <1079.2>) and the time-weighted mean, against hand computations."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.mkt import RunningMeans, mean_kinetic_temperature, time_weighted_mean


def test_a_constant_temperature_is_its_own_mkt_and_mean():
    assert mean_kinetic_temperature([5.0, 5.0, 5.0], [60, 120, 30]) == 5.0
    assert time_weighted_mean([5.0, 5.0, 5.0], [60, 120, 30]) == 5.0


def test_two_equal_weights_at_0_and_20_c():
    # ΔH/R = 83144 / 8.3144 = 10000 K; 10000/273.15 = 36.60992, 10000/293.15 = 34.11223.
    # (e^−36.60992 + e^−34.11223) / 2 = e^−34.11223 · (1 + e^−2.49769) / 2 = e^−34.11223 · 0.541137
    # −ln(...) = 34.11223 + 0.61408 = 34.72631, MKT = 10000 / 34.72631 = 287.966 K = 14.816 °C
    assert mean_kinetic_temperature([0.0, 20.0], [1, 1]) == pytest.approx(14.816, abs=0.001)
    assert time_weighted_mean([0.0, 20.0], [1, 1]) == 10.0


def test_weights_are_covered_durations():
    # 0 °C for 3 h and 20 °C for 1 h: (3·e^−36.60992 + e^−34.11223) / 4 = e^−34.11223 · (3·0.082274 + 1) / 4
    # = e^−34.11223 · 0.311706; −ln = 34.11223 + 1.16569 = 35.27792; 10000 / 35.27792 = 283.463 K = 10.313 °C
    assert mean_kinetic_temperature([0.0, 20.0], [3 * 3600, 3600]) == pytest.approx(10.313, abs=0.001)
    # (3·0 + 1·20) / 4 = 5
    assert time_weighted_mean([0.0, 20.0], [3 * 3600, 3600]) == 5.0


def test_a_zero_weight_reading_does_not_count():
    assert mean_kinetic_temperature([5.0, 40.0], [600, 0]) == 5.0
    assert time_weighted_mean([5.0, 40.0], [600, 0]) == 5.0


def test_a_larger_activation_energy_pulls_mkt_towards_the_warmest_reading():
    default = mean_kinetic_temperature([0.0, 20.0], [1, 1])
    steeper = mean_kinetic_temperature([0.0, 20.0], [1, 1], activation_energy_kj=120.0)
    assert 10.0 < default < steeper < 20.0


def test_liquid_nitrogen_vapour_temperatures_do_not_underflow():
    # e^(−10000/77.15) ≈ 1e−57 and e^(−10000/13.15) underflows: summed in log space both work.
    assert mean_kinetic_temperature([-196.0, -196.0], [1, 1]) == -196.0
    assert -260.0 < mean_kinetic_temperature([-260.0, -250.0], [1, 1]) < -250.0


@pytest.mark.parametrize(("temperatures", "weights", "message"), [
    ([5.0], [], "differ in length"),
    ([5.0, 6.0], [1, -1], "must not be negative"),
    ([5.0], [0], "add up to nothing"),
    ([], [], "add up to nothing"),
    ([-273.15], [1], "absolute zero"),
])
def test_unusable_input_is_refused(temperatures, weights, message):
    with pytest.raises(ValueError, match=message):
        mean_kinetic_temperature(temperatures, weights)


temperatures = st.floats(min_value=-200.0, max_value=60.0, allow_nan=False)
weighted = st.lists(st.tuples(temperatures, st.integers(min_value=1, max_value=10**9)), min_size=1,
                    max_size=50)


@given(weighted)
def test_mkt_lies_between_the_lowest_and_highest_temperature(pairs):
    values, weights = [value for value, _ in pairs], [weight for _, weight in pairs]
    mkt = mean_kinetic_temperature(values, weights)
    assert min(values) <= mkt <= max(values)
    assert min(values) <= time_weighted_mean(values, weights) <= max(values)


@given(weighted)
def test_mkt_is_never_below_the_time_weighted_mean(pairs):
    # e^(−ΔH/RT) is convex below ΔH/2R = 5000 K, so by Jensen's inequality MKT ≥ the arithmetic mean.
    values, weights = [value for value, _ in pairs], [weight for _, weight in pairs]
    assert mean_kinetic_temperature(values, weights) >= time_weighted_mean(values, weights) - 1e-9


@given(weighted, st.integers(min_value=2, max_value=1000))
def test_scaling_every_weight_changes_nothing(pairs, factor):
    values, weights = [value for value, _ in pairs], [weight for _, weight in pairs]
    assert math.isclose(mean_kinetic_temperature(values, weights),
                        mean_kinetic_temperature(values, [weight * factor for weight in weights]),
                        abs_tol=1e-9)


@given(weighted, st.data())
def test_running_means_agree_with_the_formulas_however_the_readings_are_batched(pairs, data):
    values, weights = [value for value, _ in pairs], [weight for _, weight in pairs]
    cuts = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=len(pairs)), max_size=4)))
    batched, one_by_one = RunningMeans.for_energy(), RunningMeans.for_energy()
    for start, end in zip([0, *cuts], [*cuts, len(pairs)], strict=True):
        batched.extend(values[start:end], weights[start:end])
    for value, weight in pairs:
        one_by_one.add(value, weight)
    assert batched == one_by_one  # the same sums, in the same order
    assert math.isclose(batched.mkt_c(), mean_kinetic_temperature(values, weights), abs_tol=1e-6)
    assert math.isclose(batched.mean_c(), time_weighted_mean(values, weights), abs_tol=1e-6)


def test_running_means_add_nothing_from_a_batch_they_refuse():
    means = RunningMeans.for_energy()
    with pytest.raises(ValueError, match="absolute zero"):
        means.extend([5.0, -300.0], [1, 1])
    assert means == RunningMeans.for_energy()
