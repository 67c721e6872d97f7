"""Mean kinetic temperature and time-weighted mean of weighted temperature readings (SPEC §2.1).

Weights are the durations each reading covers; their unit does not matter, only their ratios.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from logistics.core.profiles import DEFAULT_ACTIVATION_ENERGY_KJ

GAS_CONSTANT_J_PER_MOL_K = 8.3144  # R as SPEC §2.1 and USP <1079.2> fix it
KELVIN_OFFSET = 273.15


def _checked_weights(temperatures_c: Sequence[float], weights: Sequence[float]) -> float:
    """The total weight, after checking the two sequences can be averaged."""
    if len(temperatures_c) != len(weights):
        raise ValueError("temperatures and weights differ in length")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    total = math.fsum(weights)
    if not total > 0:
        raise ValueError("the weights add up to nothing")
    return total


def time_weighted_mean(temperatures_c: Sequence[float], weights: Sequence[float]) -> float:
    """Σ wᵢ·Tᵢ / Σ wᵢ, in °C."""
    total = _checked_weights(temperatures_c, weights)
    mean = math.fsum(weight * value for value, weight in zip(temperatures_c, weights, strict=True)) / total
    return _within(mean, [value for value, weight in zip(temperatures_c, weights, strict=True) if weight > 0])


def mean_kinetic_temperature(temperatures_c: Sequence[float], weights: Sequence[float],
                             activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ) -> float:
    """MKT in °C: (ΔH/R) / −ln( Σ wᵢ·e^(−ΔH/(R·Tᵢ)) / Σ wᵢ ), Tᵢ in kelvin (USP <1079.2>)."""
    total = _checked_weights(temperatures_c, weights)
    if activation_energy_kj <= 0:
        raise ValueError("the activation energy must be positive")
    ratio_k = activation_energy_kj * 1000.0 / GAS_CONSTANT_J_PER_MOL_K  # ΔH/R = 10,000 K by default
    weighted = [(value, weight) for value, weight in zip(temperatures_c, weights, strict=True) if weight > 0]
    exponents = [(-ratio_k / _kelvin(value), weight) for value, weight in weighted]
    # Summed in log space: e^(−ΔH/RT) underflows to 0 below about 14 K (liquid-nitrogen vapour is 77 K).
    largest = max(exponent for exponent, _ in exponents)
    scaled = math.fsum(weight * math.exp(exponent - largest) for exponent, weight in exponents)
    mkt_c = ratio_k / -(largest + math.log(scaled / total)) - KELVIN_OFFSET
    return _within(mkt_c, [value for value, _ in weighted])


def _within(value: float, bounds: Sequence[float]) -> float:
    """`value` clamped to the range of `bounds`: a weighted mean lies inside it, rounding aside."""
    return min(max(value, min(bounds)), max(bounds))


def _kelvin(temperature_c: float) -> float:
    kelvin = temperature_c + KELVIN_OFFSET
    if kelvin <= 0:
        raise ValueError(f"{temperature_c:g} °C is at or below absolute zero")
    return kelvin
