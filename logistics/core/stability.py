"""A lot's stability budget: time outside its storage range, summed over every part of its life (SPEC §2).

An item may carry a budget such as "72 h at ≤ 25 °C": its lots may spend up to 72 hours in all outside
their storage range, provided they never go above 25 °C. A lot's life is every shipment it travelled in
and every storage period at a site (core/storage.py). Each is counted once, as its worst-placed logger
saw it (the one with the most time out of range): loggers watching the same goods would count the same
hours twice. A lot split over several shipments or sites has one budget: any part of it that saw an
exposure counts for the whole lot.

Beside the flat hours, the time out of range is also given as its Arrhenius equivalent at the budget's
temperature (SPEC §2.3, core/arrhenius.py): "used 3.4 h (2.1 h equivalent at 25 °C) of 72 h". The
verdict stays on the flat hours and the limit; the equivalent and the MKT only inform QA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from logistics.core.arrhenius import equivalent_of_totals, equivalent_s
from logistics.core.coverage import Covered
from logistics.core.excursion_types import Evaluation
from logistics.core.mkt import mean_kinetic_temperature
from logistics.core.profiles import DEFAULT_ACTIVATION_ENERGY_KJ
from logistics.core.storage import Span

LOW_FRACTION = 0.2  # a budget with less than this share left is reported as running low


class BudgetState(StrEnum):
    NONE = "none"  # the item carries no budget
    OK = "ok"
    LOW = "low"
    EXHAUSTED = "exhausted"


@dataclass(frozen=True)
class Exposure:
    """What one logger saw of a lot in one shipment, or in one storage period at a site."""

    shipment: str | None  # the shipment's reference; None for a storage period
    logger: str
    covered_s: float  # time with data (in range, above or below)
    out_of_range_s: float
    min_c: float | None = None
    max_c: float | None = None
    mkt_c: float | None = None
    start: datetime | None = None  # its first reading
    end: datetime | None = None  # the end of its last reading's coverage
    zone: str | None = None  # the storage zone of a storage period
    site: str | None = None  # the site of a storage period
    window: Span | None = None  # the time the logger answered for (its assignment, or the storage piece)
    outside: tuple[Covered, ...] = ()  # the readings out of range, with the time each covers (when asked)
    outside_c: tuple[tuple[float, float], ...] = ()  # (°C, seconds) out of range per temperature

    @property
    def stored(self) -> bool:
        """Whether this is a storage period rather than a shipment."""
        return self.zone is not None

    def equivalent_s(self, reference_c: float, activation_energy_kj: float) -> float:
        """Its time out of range as the time at `reference_c` that degrades as much (SPEC §2.3)."""
        return equivalent_of_totals(self.outside_c, reference_c, activation_energy_kj)


@dataclass(frozen=True)
class Unwatched:
    """Storage time at a site that no logger watched: the budget cannot count it, QA must know it."""

    site: str
    zones: tuple[str, ...]  # the site's zones of the lot's profile (none: the site has no such zone)
    span: Span


@dataclass(frozen=True)
class UsePoint:
    """How much of its budget a lot had used by `at`: flat, and as its equivalent at the reference."""

    at: datetime
    used_s: float
    equivalent_s: float | None


@dataclass(frozen=True)
class LotStability:
    """A lot's whole recorded life against its item's budget."""

    exposures: tuple[Exposure, ...]  # one per shipment and storage piece (the worst logger's), oldest first
    out_of_range_s: float
    min_c: float | None
    max_c: float | None
    mkt_c: float | None
    budget_s: float | None
    limit_c: float | None  # the budget's temperature limit, and the reference of the equivalent time
    equivalent_s: float | None = None  # at limit_c (SPEC §2.3); None without a limit
    activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ
    unwatched: tuple[Unwatched, ...] = ()

    @property
    def shipments(self) -> int:
        return sum(not exposure.stored for exposure in self.exposures)

    @property
    def storage_periods(self) -> int:
        return sum(exposure.stored for exposure in self.exposures)

    @property
    def mkt_window(self) -> tuple[datetime, datetime] | None:
        """From the first reading to the end of the last one's coverage: what the lot's MKT is over."""
        measured = [exposure for exposure in self.exposures if exposure.mkt_c is not None]
        starts = [exposure.start for exposure in measured if exposure.start is not None]
        ends = [exposure.end for exposure in measured if exposure.end is not None]
        return (min(starts), max(ends)) if starts and ends else None

    @property
    def unwatched_s(self) -> float:
        """Storage time no logger watched, up to the end of what is known (open spans count nothing)."""
        return sum((gap.span.end - gap.span.start).total_seconds() for gap in self.unwatched
                   if gap.span.end is not None)

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


def exposure_of(evaluation: Evaluation, outside: Sequence[Covered], *, logger: str,
                shipment: str | None = None, zone: str | None = None, site: str | None = None,
                window: Span | None = None) -> Exposure:
    """What one logger's evaluated window says of the goods, with its readings out of range."""
    partition, stats = evaluation.partition, evaluation.stats
    return Exposure(shipment=shipment, logger=logger,
                    covered_s=partition.in_range_s + partition.out_of_range_s,
                    out_of_range_s=partition.out_of_range_s, min_c=stats.min_c if stats else None,
                    max_c=stats.max_c if stats else None, mkt_c=stats.mkt_c if stats else None,
                    start=evaluation.start, end=evaluation.end, zone=zone, site=site, window=window,
                    outside=tuple(outside), outside_c=evaluation.outside_c)


def worst(exposures: Sequence[Exposure]) -> Exposure | None:
    """The logger that saw the most time out of range (then the highest temperature)."""
    if not exposures:
        return None
    return max(exposures, key=lambda exposure: (exposure.out_of_range_s, exposure.max_c or float("-inf")))


def lot_stability(per_window: Sequence[Exposure], *, budget_s: float | None, limit_c: float | None,
                  activation_energy_kj: float, unwatched: Sequence[Unwatched] = ()) -> LotStability:
    """Sum the windows' exposures (shipments and storage pieces); the lot's MKT combines theirs, weighted
    by their covered time. `activation_energy_kj` is the lot's ΔH, for its MKT and its equivalent time."""
    measured = [(exposure.mkt_c, exposure.covered_s) for exposure in per_window
                if exposure.mkt_c is not None and exposure.covered_s > 0]
    lows = [exposure.min_c for exposure in per_window if exposure.min_c is not None]
    highs = [exposure.max_c for exposure in per_window if exposure.max_c is not None]
    mkt = None
    if measured:
        # Each window's MKT is the temperature whose Arrhenius factor is the mean of its readings':
        # weighting those factors by covered time gives the MKT of all the readings together.
        mkt = mean_kinetic_temperature([value for value, _ in measured], [weight for _, weight in measured],
                                       activation_energy_kj)
    in_order = sorted(per_window, key=lambda exposure: _began(exposure))
    equivalent = None
    if limit_c is not None:
        equivalent = sum(exposure.equivalent_s(limit_c, activation_energy_kj) for exposure in per_window)
    return LotStability(
        exposures=tuple(in_order), out_of_range_s=sum(e.out_of_range_s for e in per_window),
        min_c=min(lows) if lows else None, max_c=max(highs) if highs else None, mkt_c=mkt,
        budget_s=budget_s, limit_c=limit_c, equivalent_s=equivalent,
        activation_energy_kj=activation_energy_kj,
        unwatched=tuple(sorted(unwatched, key=lambda gap: gap.span.start)))


def _began(exposure: Exposure) -> tuple[bool, datetime | None]:
    """When a window began: its window's start, else its first reading (unknown ones last)."""
    began = exposure.window.start if exposure.window else exposure.start
    return began is None, began


def use_over_time(stability: LotStability) -> list[UsePoint]:
    """The lot's budget used over its whole life, from nothing when its first window began: it climbs over
    the time each reading out of range covers and stays flat in between (a line through these points)."""
    outside = sorted((reading for exposure in stability.exposures for reading in exposure.outside),
                     key=lambda reading: reading.time)
    began = [moment for exposure in stability.exposures if (moment := _began(exposure)[1]) is not None]
    if not began:
        return []
    reference, energy = stability.limit_c, stability.activation_energy_kj
    points = [UsePoint(min(began), 0.0, None if reference is None else 0.0)]
    used = equivalent = 0.0
    for reading in outside:
        if points[-1].at != reading.time:  # flat since the last reading out of range
            points.append(UsePoint(reading.time, used, None if reference is None else equivalent))
        used += reading.covered_s
        if reference is not None:
            equivalent += equivalent_s((reading,), reference, energy)
        points.append(UsePoint(reading.end, used, None if reference is None else equivalent))
    return points
