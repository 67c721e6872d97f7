"""Arrhenius-equivalent exposure (SPEC §2.3): time out of range as the time at a reference temperature
that would degrade the goods as much.

  t_eq = Σ cᵢ · exp( (ΔH/R) · (1/T_ref − 1/Tᵢ) ), over the readings i outside the storage range,

cᵢ the time reading i covers (SPEC §2.1), temperatures in kelvin, ΔH/R as for MKT (10,000 K by default).
An hour at T_ref counts one hour, warmer counts more, cooler less: 1 h at 15 °C against 25 °C counts
e^(10000·(1/298.15 − 1/288.15)) h = 0.3122 h. It sets exposures at different temperatures on one scale
for QA; the verdict stays on the flat time out of range and the allowance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from logistics.core.coverage import Covered
from logistics.core.mkt import GAS_CONSTANT_J_PER_MOL_K, KELVIN_OFFSET
from logistics.core.profiles import DEFAULT_ACTIVATION_ENERGY_KJ


def acceleration(temperature_c: float, reference_c: float,
                 activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ) -> float:
    """How many hours at `reference_c` one hour at `temperature_c` is worth: exp((ΔH/R)(1/T_ref − 1/T))."""
    if activation_energy_kj <= 0:
        raise ValueError("the activation energy must be positive")
    kelvin, reference_k = _kelvin(temperature_c), _kelvin(reference_c)
    ratio_k = activation_energy_kj * 1000.0 / GAS_CONSTANT_J_PER_MOL_K
    return math.exp(ratio_k * (1.0 / reference_k - 1.0 / kelvin))


def equivalent_s(outside: Iterable[Covered], reference_c: float,
                 activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ) -> float:
    """t_eq in seconds over `outside` (the readings out of range, each with the time it covers)."""
    return math.fsum(reading.covered_s * acceleration(reading.temperature_c, reference_c,
                                                      activation_energy_kj) for reading in outside)


def equivalent_of_totals(outside_c: Iterable[tuple[float, float]], reference_c: float,
                         activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ) -> float:
    """t_eq in seconds from the time covered out of range at each temperature, (°C, seconds): the same sum
    as `equivalent_s`, its terms gathered by temperature (as an evaluation keeps them)."""
    return math.fsum(seconds * acceleration(temperature_c, reference_c, activation_energy_kj)
                     for temperature_c, seconds in outside_c)


def _kelvin(temperature_c: float) -> float:
    kelvin = temperature_c + KELVIN_OFFSET
    if kelvin <= 0:
        raise ValueError(f"{temperature_c:g} °C is at or below absolute zero")
    return kelvin
