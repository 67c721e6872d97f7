"""An item's stability allowance: the time it may spend outside its range over its whole life.

"72 h at ≤ 25 °C" (SPEC §2): a budget of hours, the temperature it is stated at, and the activation
energy that weighs warmer and cooler hours against it (SPEC §2.3, like MKT's ΔH).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from logistics.core.profiles import DEFAULT_ACTIVATION_ENERGY_KJ

SECONDS_PER_HOUR = 3600.0
ALLOWANCE_FIELDS = ("budget_hours", "limit_c", "activation_energy_kj")


class AllowanceError(ValueError):
    """An allowance that cannot be used; `field` is one of ALLOWANCE_FIELDS."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.problem = field, message


@dataclass(frozen=True)
class ItemAllowance:
    """One version of an item's allowance: `budget_s` seconds at ≤ `limit_c` °C, weighed with ΔH."""

    version: int
    budget_s: float
    limit_c: float
    activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ

    @property
    def budget_hours(self) -> float:
        return self.budget_s / SECONDS_PER_HOUR


def checked_allowance(*, version: int, budget_hours: float, limit_c: float,
                      activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ) -> ItemAllowance:
    """The allowance, or AllowanceError naming the first field that cannot be used."""
    for field, value in zip(ALLOWANCE_FIELDS, (budget_hours, limit_c, activation_energy_kj), strict=True):
        if not math.isfinite(value):
            raise AllowanceError(field, "must be a finite number")
    if budget_hours <= 0:
        raise AllowanceError("budget_hours", "must be above 0 hours")
    if not -273.15 < limit_c <= 100:
        raise AllowanceError("limit_c", "must lie above −273.15 °C and at most 100 °C")
    if activation_energy_kj <= 0:
        raise AllowanceError("activation_energy_kj", "must be above 0 kJ/mol")
    return ItemAllowance(version=version, budget_s=budget_hours * SECONDS_PER_HOUR, limit_c=limit_c,
                         activation_energy_kj=activation_energy_kj)
