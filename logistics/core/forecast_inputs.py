"""What the reorder forecast works from (SPEC §8): the trial's recruitment plan, each item's bill of
materials and stock, lead times, the review policy and a what-if; and the checks that refuse, naming the
figure, what the model cannot work with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from logistics.core.expiry_cut_offs import CutOffs

DAYS_PER_RATE = 30  # planned rates are patients per 30 days
# Caps on what the model can mean, not on its cost: the simulation's cost is runs × simulated days, whatever
# the target, and forecast_demand.check_cost refuses what would not fit its memory budget.
MAX_TARGET = 1_000_000
MAX_HORIZON_DAYS = 36_500  # a century: a scenario's dates stay in 2000-2099, so its horizon ends before 2200
MAX_RUNS = 100_000
BIGGEST = 1e12  # any quantity beyond this is a typing mistake, and would overflow the sums


class ForecastError(ValueError):
    """A plan, bill of materials or setting the forecast cannot work with."""


class Basis(StrEnum):
    """What a bill-of-materials quantity is counted per."""

    PATIENT = "patient"  # each enrolled patient
    SCREENED = "screened"  # each patient screened (enrolled ones and screen failures)
    BATCH = "batch"  # each manufacturing batch


@dataclass(frozen=True)
class SitePlan:
    code: str
    activated: date
    planned_rate: float  # patients per 30 days: the prior mean
    enrolled: tuple[date, ...] = ()


@dataclass(frozen=True)
class Recruitment:
    target: int  # patients in total, over every site
    sites: tuple[SitePlan, ...]
    prior_strength: float = 2.0  # gamma shape α: how many patients' worth of belief the plan carries
    fixed_rate: bool = False  # the planned rates are known, not estimated
    screen_failure_ratio: float = 0.0  # share of screened patients who are not enrolled
    batches_per_patient: float = 1.0

    @property
    def enrolled(self) -> int:
        return sum(len(site.enrolled) for site in self.sites)

    @property
    def remaining(self) -> int:
        return max(self.target - self.enrolled, 0)

    def per_enrolment(self, basis: Basis) -> float:
        """How many of `basis` one enrolment stands for."""
        if basis == Basis.SCREENED:
            return 1.0 / (1.0 - self.screen_failure_ratio)
        return self.batches_per_patient if basis == Basis.BATCH else 1.0


@dataclass(frozen=True)
class Consumption:
    """One bill-of-materials line: `quantity` of the item per `basis`, `offset_days` after enrolment."""

    quantity: float
    offset_days: int = 0
    basis: Basis = Basis.PATIENT


@dataclass(frozen=True)
class StockLot:
    quantity: float
    expiry: date | None = None  # None: does not expire within any horizon that matters
    arrives: date | None = None  # the day it is expected on site; None: there already


@dataclass(frozen=True)
class ItemSupply:
    code: str
    unit: str
    uses: tuple[Consumption, ...]
    on_hand: tuple[StockLot, ...] = ()  # usable stock only: quarantined and rejected stock is left out
    in_transit: tuple[StockLot, ...] = ()
    pack_size: float = 1.0
    minimum_order: float = 0.0
    overage: float = 1.0  # QC samples and overfill: demand is multiplied by this
    lead_time_days: int | None = None  # this item's own fixed lead time, else the shared one
    # Door-to-door days of the lanes the item travels, resampled; else the shared lead time.
    lead_time_samples: tuple[int, ...] = ()
    lead_time_lanes: tuple[str, ...] = ()  # where those days were learned
    do_not_ship_days: int = 0  # the expiry cut-offs (DNS, DNC, DND), in days before expiry
    do_not_count_days: int = 0
    do_not_dispense_days: int = 0

    @property
    def cut_offs(self) -> CutOffs:
        return CutOffs(self.do_not_ship_days, self.do_not_count_days, self.do_not_dispense_days)


@dataclass(frozen=True)
class LeadTime:
    """Door-to-door days: a fixed figure, or the observed times of completed shipments to resample."""

    days: tuple[int, ...]
    learned: bool = False

    @classmethod
    def fixed(cls, days: int) -> LeadTime:
        return cls((days,))


@dataclass(frozen=True)
class Policy:
    horizon_days: int = 90  # review period R
    service_level: float = 0.95
    runs: int = 10_000
    seed: int = 1
    # QC release at the site (receipt to QA release) of a lot on its way, whole days resampled per run
    release_days: tuple[int, ...] = ()
    slot_offset_days: int = 0  # from enrolment to the patient's manufacturing slot (apheresis)
    slots: int = 10  # how many upcoming slots to report


@dataclass(frozen=True)
class WhatIf:
    """A scenario beside the plan: recruitment faster or slower, a longer hold at customs."""

    recruitment_factor: float = 1.0
    extra_lead_days: int = 0


def check_inputs(recruitment: Recruitment, items: Sequence[ItemSupply], lead_time: LeadTime, policy: Policy,
                 what_if: WhatIf) -> None:
    """Refuse what the model cannot work with, naming the figure."""
    problems = [*_recruitment_problems(recruitment), *_policy_problems(lead_time, policy, what_if)]
    codes = [item.code for item in items]
    problems += [f"item {code}: listed twice" for code in sorted(set(codes)) if codes.count(code) > 1]
    for item in items:
        problems += [f"item {item.code}: {problem}" for problem in _item_problems(item)]
    if problems:
        raise ForecastError("; ".join(problems))


def _recruitment_problems(recruitment: Recruitment) -> list[str]:
    problems = []
    if not 0 <= recruitment.target <= MAX_TARGET:
        problems.append(f"target: between 0 and {MAX_TARGET:,} patients")
    if not recruitment.prior_strength <= 1_000_000:
        problems.append("prior_strength: at most 1,000,000")
    if not recruitment.sites and recruitment.remaining:
        problems.append("recruitment: no site to recruit the remaining patients")
    if not recruitment.fixed_rate and not recruitment.prior_strength > 0:
        problems.append("prior_strength: must be more than zero (or set fixed_rate)")
    if not 0 <= recruitment.screen_failure_ratio < 1:
        problems.append("screen_failure_ratio: must be at least 0 and less than 1")
    if not 0 <= recruitment.batches_per_patient <= 100:
        problems.append("batches_per_patient: between 0 and 100")
    problems += [f"site {site.code}: planned_rate must be between 0 and 10,000 patients per 30 days"
                 for site in recruitment.sites if not 0 <= site.planned_rate <= 10_000]
    return problems


def _policy_problems(lead_time: LeadTime, policy: Policy, what_if: WhatIf) -> list[str]:
    problems = []
    if not 1 <= policy.horizon_days <= MAX_HORIZON_DAYS:
        problems.append(f"horizon_days: between 1 and {MAX_HORIZON_DAYS:,}")
    if not 0 < policy.service_level < 1:
        problems.append("service_level: more than 0 and less than 1")
    if not 1 <= policy.runs <= MAX_RUNS:
        problems.append(f"runs: between 1 and {MAX_RUNS:,}")
    if not 0 <= policy.seed < 2**128:  # what numpy's SeedSequence takes
        problems.append("seed: a whole number from 0 to 2**128 - 1")
    problems += _slot_problems(policy)
    if not lead_time.days or not all(0 <= days <= 365 for days in lead_time.days):
        problems.append("lead_time_days: between 0 and 365")
    if not 0 < what_if.recruitment_factor <= 100:
        problems.append("recruitment_factor: more than zero, at most 100")
    if not 0 <= what_if.extra_lead_days <= 365:
        problems.append("extra_lead_days: between 0 and 365")
    return problems


def _slot_problems(policy: Policy) -> list[str]:
    problems = []
    if not all(0 <= days <= 365 for days in policy.release_days):
        problems.append("release_days: each between 0 and 365")
    if not -3650 <= policy.slot_offset_days <= 3650:
        problems.append("slot_offset_days: between -3650 and 3650")
    if not 0 <= policy.slots <= 1000:
        problems.append("slots: between 0 and 1,000")
    return problems


def _item_problems(item: ItemSupply) -> list[str]:
    problems = []
    if not item.uses:
        problems.append("no bill-of-materials line")
    if any(not 0 <= use.quantity <= BIGGEST for use in item.uses):
        problems.append("a bill-of-materials quantity is negative or beyond reason")
    if any(not -3650 <= use.offset_days <= 3650 for use in item.uses):
        problems.append("offset_days between -3650 and 3650")
    if not 0 < item.pack_size <= BIGGEST:
        problems.append("pack_size must be more than zero")
    if not 0 <= item.minimum_order <= BIGGEST:
        problems.append("minimum_order must be zero or more")
    if not 1 <= item.overage <= 100:
        problems.append("overage is a factor from 1 to 100 (1.1 for 10 % more)")
    if any(not 0 <= lot.quantity <= BIGGEST for lot in (*item.on_hand, *item.in_transit)):
        problems.append("a stock quantity is negative or beyond reason")
    if item.lead_time_days is not None and not 0 <= item.lead_time_days <= 365:
        problems.append("lead_time_days between 0 and 365")
    if not all(0 <= days <= 365 for days in item.lead_time_samples):
        problems.append("lead_time_samples between 0 and 365 days")
    return problems + item.cut_offs.problems()
