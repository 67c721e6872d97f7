"""A lot's stability budget: time outside its storage range, summed over every leg of its life (SPEC §2).

An item may carry a budget such as "72 h at ≤ 25 °C": its lots may spend up to 72 hours in all outside
their storage range, provided they never go above 25 °C. Each shipment a lot travelled in is counted
once, as its worst-placed logger saw it (the one with the most time out of range): loggers in one
shipment watch the same goods, so adding them up would count the same hours twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from logistics.core.mkt import mean_kinetic_temperature

LOW_FRACTION = 0.2  # a budget with less than this share left is reported as running low


class BudgetState(StrEnum):
    NONE = "none"  # the item carries no budget
    OK = "ok"
    LOW = "low"
    EXHAUSTED = "exhausted"


@dataclass(frozen=True)
class Exposure:
    """What one logger saw of a lot in one shipment."""

    shipment: str
    logger: str
    covered_s: float  # time with data (in range, above or below)
    out_of_range_s: float
    min_c: float | None = None
    max_c: float | None = None
    mkt_c: float | None = None
    start: datetime | None = None  # its first reading


@dataclass(frozen=True)
class LotStability:
    """A lot's whole recorded life against its item's budget."""

    exposures: tuple[Exposure, ...]  # one per shipment (the worst logger's), oldest first
    out_of_range_s: float
    min_c: float | None
    max_c: float | None
    mkt_c: float | None
    budget_s: float | None
    limit_c: float | None

    @property
    def remaining_s(self) -> float | None:
        return None if self.budget_s is None else self.budget_s - self.out_of_range_s

    @property
    def limit_exceeded(self) -> bool:
        """Above the temperature the budget allows: the stability data no longer cover the goods."""
        return self.limit_c is not None and self.max_c is not None and self.max_c > self.limit_c

    @property
    def state(self) -> BudgetState:
        remaining = self.remaining_s
        if remaining is None or self.budget_s is None:
            return BudgetState.NONE
        if remaining <= 0:
            return BudgetState.EXHAUSTED
        return BudgetState.LOW if remaining < LOW_FRACTION * self.budget_s else BudgetState.OK


def worst(exposures: Sequence[Exposure]) -> Exposure | None:
    """The logger that saw the most time out of range (then the highest temperature)."""
    if not exposures:
        return None
    return max(exposures, key=lambda exposure: (exposure.out_of_range_s, exposure.max_c or float("-inf")))


def lot_stability(per_shipment: Sequence[Exposure], *, budget_s: float | None, limit_c: float | None,
                  activation_energy_kj: float) -> LotStability:
    """Sum the shipments' exposures; the lot's MKT combines theirs, weighted by their covered time."""
    measured = [(exposure.mkt_c, exposure.covered_s) for exposure in per_shipment
                if exposure.mkt_c is not None and exposure.covered_s > 0]
    lows = [exposure.min_c for exposure in per_shipment if exposure.min_c is not None]
    highs = [exposure.max_c for exposure in per_shipment if exposure.max_c is not None]
    mkt = None
    if measured:
        # Each shipment's MKT is the temperature whose Arrhenius factor is the mean of its readings':
        # weighting those factors by covered time gives the MKT of all the readings together.
        mkt = mean_kinetic_temperature([value for value, _ in measured], [weight for _, weight in measured],
                                       activation_energy_kj)
    in_order = sorted(per_shipment, key=lambda exposure: (exposure.start is None, exposure.start))
    return LotStability(
        exposures=tuple(in_order), out_of_range_s=sum(e.out_of_range_s for e in per_shipment),
        min_c=min(lows) if lows else None, max_c=max(highs) if highs else None, mkt_c=mkt,
        budget_s=budget_s, limit_c=limit_c)
