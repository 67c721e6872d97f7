"""Reorder forecast from the trial's recruitment pace (SPEC §8): a Monte Carlo over recruitment, lead
time and expiry, and a periodic-review policy on top of it.

Recruitment at each site is a Poisson process whose rate has a gamma prior centred on the planned rate
(Anisimov & Fedorov 2007); after k enrolments in t days the rate is Gamma(α + k, α/planned + t) per day.
Each run draws a rate per site, then the site's enrolment times from unit-rate exponential gaps scaled
by that rate, and keeps the earliest enrolments up to the target. Drawing times this way (rather than
Poisson counts) means the same seed gives every scenario the same underlying randomness: a faster rate
only moves the same enrolments earlier, so what-if comparisons differ by their cause, not by noise.

Days are counted from `as_of` (day 0). Demand on day d is the consumption of every enrolment (past or
simulated) whose bill-of-materials offset lands on d. Stock is used first expiry first out; a lot is
usable through its expiry date, and what is left of it then is waste.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

DAYS_PER_RATE = 30  # planned rates are patients per 30 days
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_TARGET = 10_000
BIGGEST = 1e12  # any quantity beyond this is a typing mistake, and would overflow the sums
MAX_CELLS = 40_000_000  # runs × enrolments drawn at one site: the simulation's largest matrix, 320 MB
_CHUNK = 16  # enrolments drawn per site at a time; a fixed size keeps the random streams reproducible

Matrix = NDArray[np.float64]


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


@dataclass(frozen=True)
class WhatIf:
    """A scenario beside the plan: recruitment faster or slower, a longer hold at customs."""

    recruitment_factor: float = 1.0
    extra_lead_days: int = 0


@dataclass(frozen=True)
class RecruitmentOutlook:
    rate_per_30d: float
    remaining: int
    enrolments_mean: float  # over the horizon R
    enrolments_p50: int
    enrolments_p90: int
    enrolments_p95: int


@dataclass(frozen=True)
class Fan:
    """Projected usable stock (no new order) per day, at each of FAN_QUANTILES."""

    days: tuple[date, ...]
    bands: tuple[tuple[float, ...], ...]  # one row per quantile


@dataclass(frozen=True)
class ItemForecast:
    code: str
    unit: str
    lead_time_days: int  # the median over runs
    window_days: int  # lead time + review period
    demand_mean: float  # over the window
    demand_p50: float
    demand_p90: float
    demand_p95: float
    on_hand: float
    in_transit: float
    expected_waste: float  # stock expected to expire unused within the window
    position: float  # usable on hand + in transit, less the expected waste
    reorder_point: float
    order_up_to: float
    order_quantity: float
    order_by: date | None
    stockout_probability: float
    fan: Fan = field(repr=False)


@dataclass(frozen=True)
class Forecast:
    as_of: date
    policy: Policy
    what_if: WhatIf
    recruitment: RecruitmentOutlook
    items: tuple[ItemForecast, ...]


def forecast(as_of: date, recruitment: Recruitment, items: Sequence[ItemSupply], lead_time: LeadTime,
             policy: Policy = Policy(), what_if: WhatIf = WhatIf()) -> Forecast:
    """Simulate recruitment `policy.runs` times and derive each item's demand and reorder figures."""
    check_inputs(recruitment, items, lead_time, policy, what_if)
    streams = _Streams(policy.seed)
    leads = {item.code: _lead_times(item, lead_time, what_if, policy.runs, streams) for item in items}
    longest = max((int(days.max()) for days in leads.values()), default=0)
    span = policy.horizon_days + longest + 1
    daily = _daily_counts(_enrolment_times(as_of, recruitment, what_if, policy.runs, span, streams), span)
    past = [(day - as_of).days for site in recruitment.sites for day in site.enrolled]
    outlook = _outlook(as_of, recruitment, what_if, daily, policy)
    results = tuple(_item_forecast(as_of, item, recruitment, daily, past, leads[item.code], policy)
                    for item in items)
    return Forecast(as_of, policy, what_if, outlook, results)


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
    if not 1 <= policy.horizon_days <= 730:
        problems.append("horizon_days: between 1 and 730")
    if not 0 < policy.service_level < 1:
        problems.append("service_level: more than 0 and less than 1")
    if not 1 <= policy.runs <= 1_000_000:
        problems.append("runs: between 1 and 1,000,000")
    if not 0 <= policy.seed < 2**128:  # what numpy's SeedSequence takes
        problems.append("seed: a whole number from 0 to 2**128 - 1")
    if not lead_time.days or not all(0 <= days <= 365 for days in lead_time.days):
        problems.append("lead_time_days: between 0 and 365")
    if not 0 < what_if.recruitment_factor <= 100:
        problems.append("recruitment_factor: more than zero, at most 100")
    if not 0 <= what_if.extra_lead_days <= 365:
        problems.append("extra_lead_days: between 0 and 365")
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
    return problems


# -- recruitment -------------------------------------------------------------------------------------

class _Streams:
    """Independent random streams by purpose, so that one draw never shifts another's numbers."""

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def __call__(self, *key: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._seed, spawn_key=key)))


_RATES, _GAPS, _LEADS = 1, 2, 3


def posterior(site: SitePlan, recruitment: Recruitment, as_of: date) -> tuple[float, float]:
    """(shape, rate in days) of the gamma distribution of the site's enrolment rate per day."""
    planned = site.planned_rate / DAYS_PER_RATE
    active_days = max((as_of - site.activated).days, 0)
    alpha = recruitment.prior_strength
    return alpha + len(site.enrolled), alpha / planned + active_days


def expected_rate(site: SitePlan, recruitment: Recruitment, as_of: date) -> float:
    """The site's enrolment rate per day as the plan and its actual enrolments suggest."""
    if recruitment.fixed_rate or site.planned_rate == 0:
        return site.planned_rate / DAYS_PER_RATE
    shape, rate = posterior(site, recruitment, as_of)
    return shape / rate


def _enrolment_times(as_of: date, recruitment: Recruitment, what_if: WhatIf, runs: int, span: int,
                     streams: _Streams) -> Matrix:
    """Future enrolment times in days from `as_of`, the earliest up to the target (runs × remaining,
    inf where a run has fewer within `span` days)."""
    remaining = recruitment.remaining
    if remaining == 0:
        return np.full((runs, 0), np.inf)
    per_site = [_site_times(index, site, recruitment, as_of, what_if, runs, span, streams)
                for index, site in enumerate(recruitment.sites)]
    merged = np.sort(np.concatenate(per_site, axis=1), axis=1)[:, :remaining]
    return np.where(merged < span, merged, np.inf)


def _site_times(index: int, site: SitePlan, recruitment: Recruitment, as_of: date, what_if: WhatIf,
                runs: int, span: int, streams: _Streams) -> Matrix:
    start = max((site.activated - as_of).days, 0)
    if site.planned_rate == 0 or start >= span:
        return np.full((runs, 0), np.inf)
    if recruitment.fixed_rate:
        rates = np.full(runs, site.planned_rate / DAYS_PER_RATE)
    else:
        shape, rate = posterior(site, recruitment, as_of)
        rates = streams(_RATES, index).gamma(shape, 1.0, runs) / rate
    rates = rates * what_if.recruitment_factor
    chunks: list[Matrix] = []
    reached = np.zeros(runs)
    while len(chunks) * _CHUNK < recruitment.remaining and (start + reached < span).any():
        if runs * (len(chunks) + 1) * _CHUNK > MAX_CELLS:
            raise ForecastError(f"site {site.code}: so many enrolments within the horizon that "
                                f"{runs:,} runs do not fit in memory; use fewer runs")
        gaps = streams(_GAPS, index, len(chunks)).exponential(1.0, (runs, _CHUNK))
        chunks.append(reached[:, None] + np.cumsum(gaps / rates[:, None], axis=1))
        reached = chunks[-1][:, -1]
    return start + np.concatenate(chunks, axis=1)[:, :recruitment.remaining]


def _daily_counts(times: Matrix, span: int) -> Matrix:
    """Enrolments per run and day (runs × span)."""
    runs = times.shape[0]
    counts = np.zeros(runs * span)
    finite = np.isfinite(times)
    rows = np.broadcast_to(np.arange(runs)[:, None], times.shape)[finite]
    np.add.at(counts, rows * span + times[finite].astype(np.int64), 1.0)
    return counts.reshape(runs, span)


def _outlook(as_of: date, recruitment: Recruitment, what_if: WhatIf, daily: Matrix, policy: Policy
             ) -> RecruitmentOutlook:
    within = daily[:, :policy.horizon_days].sum(axis=1)
    rate = sum(expected_rate(site, recruitment, as_of) for site in recruitment.sites)
    return RecruitmentOutlook(
        rate_per_30d=rate * what_if.recruitment_factor * DAYS_PER_RATE, remaining=recruitment.remaining,
        enrolments_mean=float(within.mean()), enrolments_p50=int(_quantile(within, 0.5)),
        enrolments_p90=int(_quantile(within, 0.9)), enrolments_p95=int(_quantile(within, 0.95)))


# -- items --------------------------------------------------------------------------------------------

def _lead_times(item: ItemSupply, shared: LeadTime, what_if: WhatIf, runs: int, streams: _Streams
                ) -> NDArray[np.int64]:
    if item.lead_time_days is not None:
        days = np.full(runs, item.lead_time_days, dtype=np.int64)
    elif len(shared.days) == 1:
        days = np.full(runs, shared.days[0], dtype=np.int64)
    else:  # resample the observed door-to-door times
        days = streams(_LEADS).choice(np.asarray(shared.days, dtype=np.int64), runs)
    return days + what_if.extra_lead_days


def _item_forecast(as_of: date, item: ItemSupply, recruitment: Recruitment, daily: Matrix, past: list[int],
                   leads: NDArray[np.int64], policy: Policy) -> ItemForecast:
    cumulative = _cumulative_demand(item, recruitment, daily, past)
    runs = np.arange(daily.shape[0])
    window = leads + policy.horizon_days
    over_lead, over_window = cumulative[runs, leads], cumulative[runs, window]
    lots = sorted((lot for lot in (*item.on_hand, *item.in_transit)
                   if lot.expiry is None or lot.expiry >= as_of), key=lambda lot: lot.expiry or date.max)
    expiries = _fefo_waste(as_of, lots, cumulative)
    waste = sum((np.where(day <= window, wasted, 0.0) for day, wasted in expiries), np.zeros(len(runs)))
    usable = sum(lot.quantity for lot in lots) - waste
    position = float(usable.mean())
    level = policy.service_level
    order_up_to = _quantile(over_window, level)
    return ItemForecast(
        code=item.code, unit=item.unit, lead_time_days=int(np.median(leads)),
        window_days=int(np.median(window)), demand_mean=float(over_window.mean()),
        demand_p50=_quantile(over_window, 0.5), demand_p90=_quantile(over_window, 0.9),
        demand_p95=_quantile(over_window, 0.95),
        on_hand=sum(lot.quantity for lot in item.on_hand),
        in_transit=sum(lot.quantity for lot in item.in_transit),
        expected_waste=float(waste.mean()), position=position,
        reorder_point=_quantile(over_lead, level), order_up_to=order_up_to,
        order_quantity=order_quantity(order_up_to - position, item.pack_size, item.minimum_order),
        order_by=_order_by(as_of, position, cumulative, leads, level, policy.horizon_days),
        stockout_probability=float((over_window > usable + 1e-9).mean()),
        fan=_fan(as_of, _stock_path(lots, cumulative, expiries, policy.horizon_days)))


def _cumulative_demand(item: ItemSupply, recruitment: Recruitment, daily: Matrix, past: list[int]) -> Matrix:
    """Demand in days [0, d) for each run (runs × span + 1), from simulated and past enrolments."""
    runs, span = daily.shape
    demand = np.zeros((runs, span))
    for use in item.uses:
        each = use.quantity * recruitment.per_enrolment(use.basis) * item.overage
        offset = use.offset_days
        if offset >= span or -offset >= span:
            pass  # no simulated enrolment's consumption falls inside the simulated days
        elif offset >= 0:
            demand[:, offset:] += each * daily[:, :span - offset]
        else:  # consumed before enrolment (screening): only what still lies ahead of as_of
            demand[:, :span + offset] += each * daily[:, -offset:]
        for enrolled in past:  # patients enrolled already still consume at their later offsets
            if 0 <= enrolled + offset < span:
                demand[:, enrolled + offset] += each
    return np.concatenate([np.zeros((runs, 1)), np.cumsum(demand, axis=1)], axis=1)


Expiries = list[tuple[int, NDArray[np.float64]]]  # (first day a lot may not be used, what is left then)


def _fefo_waste(as_of: date, lots: list[StockLot], cumulative: Matrix) -> Expiries:
    """For each lot that expires within the simulated days: the first day it may no longer be used and
    what is left of it then, per run. Lots are used first expiry first out."""
    span = cumulative.shape[1] - 1
    used = np.zeros(cumulative.shape[0])
    found = []
    for lot in lots:  # soonest expiry first
        if lot.expiry is None or (lot.expiry - as_of).days + 1 > span:
            break  # this and every later lot outlast the simulation
        gone = (lot.expiry - as_of).days + 1
        served = np.clip(cumulative[:, gone] - used, 0.0, lot.quantity)
        used += served
        found.append((gone, lot.quantity - served))
    return found


def _stock_path(lots: list[StockLot], cumulative: Matrix, expiries: Expiries, horizon: int) -> Matrix:
    """Usable stock at the start of each day 0…horizon with no new order (negative: demand unmet)."""
    path = sum(lot.quantity for lot in lots) - cumulative[:, :horizon + 1]
    for gone, left in expiries:
        if gone <= horizon:
            path[:, gone:] -= left[:, None]
    return path


def _order_by(as_of: date, position: float, cumulative: Matrix, leads: NDArray[np.int64], level: float,
              horizon: int) -> date | None:
    """The last day an order can be placed while the expected position still covers the demand over a
    lead time from then at the service level; None when it does throughout the horizon."""
    days = np.arange(horizon + 1)
    runs = np.arange(cumulative.shape[0])[:, None]
    expected = position - cumulative[:, :horizon + 1].mean(axis=0)
    during_lead = cumulative[runs, days[None, :] + leads[:, None]] - cumulative[:, :horizon + 1]
    reorder_points = np.quantile(during_lead, level, axis=0, method="inverted_cdf")
    short = np.flatnonzero(expected < reorder_points - 1e-9)
    if short.size == 0:
        return None
    return as_of + timedelta(days=max(int(short[0]) - 1, 0))


def _fan(as_of: date, path: Matrix) -> Fan:
    bands = np.quantile(path, FAN_QUANTILES, axis=0, method="inverted_cdf")
    return Fan(tuple(as_of + timedelta(days=day) for day in range(path.shape[1])),
               tuple(tuple(float(value) for value in row) for row in bands))


def order_quantity(shortfall: float, pack_size: float, minimum_order: float) -> float:
    """`shortfall` rounded up to whole packs and to the minimum order; nothing when nothing is short."""
    if shortfall <= 1e-9:
        return 0.0
    packs = math.ceil(shortfall / pack_size - 1e-9)
    least = math.ceil(minimum_order / pack_size - 1e-9)
    return max(packs, least) * pack_size


def _quantile(values: NDArray[np.float64], level: float) -> float:
    """The smallest value with at least `level` of the runs at or below it (a discrete quantile, as
    Poisson and negative binomial tables give)."""
    return float(np.quantile(values, level, method="inverted_cdf"))
