"""Mean kinetic temperature and time-weighted mean of weighted temperature readings (SPEC §2.1).

Weights are the durations each reading covers; their unit does not matter, only their ratios.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from logistics.core.profiles import DEFAULT_ACTIVATION_ENERGY_KJ

GAS_CONSTANT_J_PER_MOL_K = 8.3144  # R as SPEC §2.1 and USP <1079.2> fix it
KELVIN_OFFSET = 273.15
_BULK_FROM = 64  # fewer readings are added in a loop: arrays cost more than they save there
_MOST_RECORDS = 64  # rescalings to a new largest exponent beyond which the loop is quicker
Values = NDArray[np.float64]


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


@dataclass
class RunningMeans:
    """The time-weighted mean and the MKT of readings added one at a time (the same formulas as above).

    Its fields are plain numbers so that an evaluation can be stored and carried on later.
    """

    ratio_k: float  # ΔH/R
    total_weight: float = 0.0
    weighted_sum: float = 0.0  # Σ wᵢ·Tᵢ
    largest_exponent: float = -math.inf  # Σ wᵢ·e^(−ΔH/(R·Tᵢ)) is kept as e^largest · scaled_sum
    scaled_sum: float = 0.0
    low: float = math.inf  # the range of the weighted readings: the means lie inside it
    high: float = -math.inf

    @classmethod
    def for_energy(cls, activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ) -> RunningMeans:
        if activation_energy_kj <= 0:
            raise ValueError("the activation energy must be positive")
        return cls(ratio_k=activation_energy_kj * 1000.0 / GAS_CONSTANT_J_PER_MOL_K)

    def add(self, temperature_c: float, weight: float) -> None:
        self.extend((temperature_c,), (weight,))

    def extend(self, temperatures_c: Iterable[float] | Values, weights: Iterable[float] | Values) -> None:
        """`add` each reading in turn: the same sums in the same order, without a call per reading.

        Nothing is added when a weight is negative or a temperature at or below absolute zero.
        """
        if isinstance(temperatures_c, np.ndarray) and len(temperatures_c) >= _BULK_FROM:
            self._extend_in_bulk(temperatures_c, np.asarray(weights, dtype=np.float64))
        else:
            self._extend_one_by_one(temperatures_c, weights)

    def _extend_one_by_one(self, temperatures_c: Iterable[float], weights: Iterable[float]) -> None:
        ratio_k, largest, scaled_sum = self.ratio_k, self.largest_exponent, self.scaled_sum
        total_weight, weighted_sum, low, high = self.total_weight, self.weighted_sum, self.low, self.high
        for temperature_c, weight in zip(temperatures_c, weights, strict=True):
            if weight <= 0:
                if weight < 0:
                    raise ValueError("weights must not be negative")
                continue
            kelvin = temperature_c + KELVIN_OFFSET
            exponent = -ratio_k / (kelvin if kelvin > 0 else _kelvin(temperature_c))
            if exponent > largest:
                # Rescaled rather than summed directly: e^(−ΔH/RT) underflows below about 14 K.
                scaled_sum = scaled_sum * math.exp(largest - exponent) + weight
                largest = exponent
            else:
                scaled_sum += weight * math.exp(exponent - largest)
            total_weight += weight
            weighted_sum += weight * temperature_c
            if temperature_c < low:
                low = temperature_c
            if temperature_c > high:
                high = temperature_c
        self.largest_exponent, self.scaled_sum = largest, scaled_sum
        self.total_weight, self.weighted_sum, self.low, self.high = total_weight, weighted_sum, low, high

    def _extend_in_bulk(self, temperatures_c: Values, weights: Values) -> None:
        """`_extend_one_by_one` with arrays, bit for bit: a running sum (cumsum) adds in the same order
        as the loop, and each distinct e^(x) is taken once with math.exp, as the loop takes it."""
        if len(weights) != len(temperatures_c):
            raise ValueError("temperatures and weights differ in length")
        if np.any(weights < 0):
            raise ValueError("weights must not be negative")
        weighing = weights > 0
        temperatures_c, weights = temperatures_c[weighing], weights[weighing]
        if not len(weights):
            return
        kelvin = temperatures_c + KELVIN_OFFSET
        if np.any(kelvin <= 0):
            _kelvin(temperatures_c[np.argmax(kelvin <= 0)].item())
        exponents = -self.ratio_k / kelvin
        records = _new_records(exponents, self.largest_exponent)
        if len(records) > _MOST_RECORDS:  # a steady climb: the loop is quicker than so many pieces
            self._extend_one_by_one(temperatures_c.tolist(), weights.tolist())
            return
        largest, scaled_sum, rescaled_at = self.largest_exponent, self.scaled_sum, set(records.tolist())
        for begin, end in pairwise(sorted({0, *rescaled_at}) + [len(exponents)]):
            if begin in rescaled_at:  # a new largest exponent: the sum so far is rescaled to it
                scaled_sum = scaled_sum * math.exp(largest - exponents[begin].item()) + weights[begin].item()
                largest, begin = exponents[begin].item(), begin + 1
            scaled_sum = _running_sum(scaled_sum, weights[begin:end] * _exp(exponents[begin:end] - largest))
        self.largest_exponent, self.scaled_sum = largest, scaled_sum
        self.total_weight = _running_sum(self.total_weight, weights)
        self.weighted_sum = _running_sum(self.weighted_sum, weights * temperatures_c)
        low, high = bulk_extremes(temperatures_c)
        self.low, self.high = min(self.low, low), max(self.high, high)

    @property
    def empty(self) -> bool:
        return not self.total_weight > 0

    def mean_c(self) -> float:
        return self._within(self.weighted_sum / self._total())

    def mkt_c(self) -> float:
        log_mean = self.largest_exponent + math.log(self.scaled_sum / self._total())
        return self._within(self.ratio_k / -log_mean - KELVIN_OFFSET)

    def _total(self) -> float:
        if self.empty:
            raise ValueError("the weights add up to nothing")
        return self.total_weight

    def _within(self, value: float) -> float:
        return min(max(value, self.low), self.high)


def bulk_extremes(values: Values) -> tuple[float, float]:
    """min(values) and max(values) of a non-empty array as Python's min and max give them: the first
    of equal ones, which tells 0.0 from -0.0."""
    low, high = values.min().item(), values.max().item()
    if low == 0 or high == 0:  # numpy may give either zero
        listed = values.tolist()
        return min(listed), max(listed)
    return low, high


def _new_records(exponents: Values, largest: float) -> NDArray[np.intp]:
    """Where an exponent exceeds every one before it (and `largest`)."""
    before = np.empty_like(exponents)
    before[0] = largest
    np.maximum.accumulate(exponents[:-1], out=before[1:])
    np.maximum(before, largest, out=before)
    return np.flatnonzero(exponents > before)


def _running_sum(start: float, values: Values) -> float:
    """start + values[0] + values[1] + …, added left to right as a loop adds them (np.sum pairs them)."""
    if not len(values):
        return start
    return float(np.cumsum(np.concatenate(([start], values)))[-1])


def _exp(exponents: Values) -> Values:
    """math.exp of each exponent: each distinct one once (readings repeat a few hundred values).

    Grouped by their bits, which numpy sorts by radix, far quicker than floats; no exponent is NaN, and
    ±0.0, the only equal floats with other bits, have the same e^x."""
    bits = exponents.view(np.int64)
    order = np.argsort(bits, kind="stable")
    ordered = bits[order]
    first = np.empty(len(bits), dtype=bool)
    first[:1] = True
    first[1:] = ordered[1:] != ordered[:-1]
    where = np.empty(len(bits), dtype=np.intp)
    where[order] = np.cumsum(first) - 1
    distinct = exponents[order[first]]
    return np.array([math.exp(exponent) for exponent in distinct.tolist()], dtype=np.float64)[where]
