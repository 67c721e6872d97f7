"""The forecast's demand model (SPEC §8): a Monte Carlo over recruitment and lead time, and the demand
for each item that the simulated and past enrolments make.

Recruitment at each site is a Poisson process whose rate has a gamma prior centred on the planned rate
(Anisimov & Fedorov 2007); after k enrolments in t days the rate is Gamma(α + k, α/planned + t) per day.
Each run draws a rate per site, then the site's enrolments on each day as a Poisson count with that rate,
and stops the total at the target. The cost is runs × simulated days, whatever the target (a million
patients cost what ten do). Counts are drawn by inverting the Poisson distribution at uniforms that do
not depend on the rate, so the same seed gives every scenario the same underlying randomness: a faster
rate can only add enrolments on a day, never remove them, and what-if comparisons differ by their cause,
not by noise.

Days are counted from `as_of` (day 0). Demand on day d is the consumption of every enrolment (past or
simulated) whose bill-of-materials offset lands on d.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from logistics.core.forecast_inputs import (
    DAYS_PER_RATE,
    ForecastError,
    ItemSupply,
    LeadTime,
    Policy,
    Recruitment,
    SitePlan,
    WhatIf,
)

# The memory budget: runs × (simulated days + 1) cells in each of the simulation's largest matrices. At
# the peak about 20 bytes a cell are held (the enrolments in float32, an item's cumulative demand and its
# stock path in float64; float32 would round demands such as 1.1 × 10 off the stock they meet), so the
# budget is about 800 MB: 10,000 runs over ten years fit.
MAX_CELLS = 40_000_000
BYTES_PER_CELL = 20
# Runs and days drawn at a time. Fixed sizes keep the random streams reproducible: each block of days
# has its own stream, so a longer span (a longer lead time) leaves the earlier days' enrolments as they were.
RUN_CHUNK = 1024
DAY_BLOCK = 64
_TAIL_SDS = 10  # a Poisson table reaches this many standard deviations (plus 10) either side of the rate

Matrix = NDArray[np.float64]
Counts = NDArray[np.float32]  # whole numbers of enrolments: exact in float32 up to 2**24, above any target


@dataclass(frozen=True)
class RecruitmentOutlook:
    rate_per_30d: float
    remaining: int
    enrolments_mean: float  # over the horizon R
    enrolments_p50: int
    enrolments_p90: int
    enrolments_p95: int


class Streams:
    """Independent random streams by purpose, so that one draw never shifts another's numbers."""

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def __call__(self, *key: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._seed, spawn_key=key)))


_RATES, _DAYS, _LEADS = 1, 2, 3


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


def simulation_steps(runs: int) -> int:
    """How many progress steps the recruitment simulation reports: one per chunk of runs."""
    return -(-runs // RUN_CHUNK)


def check_cost(runs: int, span: int) -> None:
    """Refuse a simulation whose matrices would not fit the memory budget, naming the figures."""
    cells = runs * (span + 1)
    if cells > MAX_CELLS:
        raise ForecastError(
            f"{runs:,} runs over {span:,} simulated days (the horizon, the longest lead time and a day) need "
            f"{cells:,} cells per matrix, more than the budget of {MAX_CELLS:,} (about "
            f"{MAX_CELLS * BYTES_PER_CELL // 1_000_000:,} MB); use fewer runs or a shorter horizon")


def simulate_enrolments(as_of: date, recruitment: Recruitment, what_if: WhatIf, runs: int, span: int,
                        streams: Streams, progress: Callable[[int], None] | None = None) -> Counts:
    """Future enrolments in days [0, d) from `as_of` for each run and d = 0…span (runs × span + 1),
    stopped at the target; `progress` hears how many chunks of runs are done."""
    check_cost(runs, span)
    enrolled = np.zeros((runs, span + 1), dtype=np.float32)
    rates = [(index, max((site.activated - as_of).days, 0), _site_rates(index, site, recruitment, as_of,
                                                                        what_if, runs, streams))
             for index, site in enumerate(recruitment.sites) if site.planned_rate > 0]
    for chunk, first in enumerate(range(0, runs, RUN_CHUNK)):
        rows = slice(first, min(first + RUN_CHUNK, runs))
        sites = [(index, start, PoissonTable(per_run[rows])) for index, start, per_run in rates
                 if start < span]
        if sites and recruitment.remaining:
            _fill_chunk(enrolled[rows], chunk, sites, recruitment.remaining, streams)
        if progress:
            progress(chunk + 1)
    return enrolled


def _site_rates(index: int, site: SitePlan, recruitment: Recruitment, as_of: date, what_if: WhatIf,
                runs: int, streams: Streams) -> Matrix:
    """Each run's enrolment rate per day at the site."""
    if recruitment.fixed_rate:
        rates = np.full(runs, site.planned_rate / DAYS_PER_RATE)
    else:
        shape, rate = posterior(site, recruitment, as_of)
        rates = streams(_RATES, index).gamma(shape, 1.0, runs) / rate
    return rates * what_if.recruitment_factor


def _fill_chunk(enrolled: Counts, chunk: int, sites: list[tuple[int, int, PoissonTable]], remaining: int,
                streams: Streams) -> None:
    """Cumulative enrolments of one chunk of runs, a block of days at a time, stopped at `remaining`."""
    runs, span = enrolled.shape[0], enrolled.shape[1] - 1
    reached = np.zeros((runs, 1), dtype=np.int64)
    for block, first in enumerate(range(0, span, DAY_BLOCK)):
        width = min(DAY_BLOCK, span - first)
        counts = np.zeros((runs, width), dtype=np.int64)
        for index, start, table in sites:
            if start < first + width:
                uniforms = streams(_DAYS, index, chunk, block).random((runs, DAY_BLOCK))[:, :width]
                drawn = table.quantiles(uniforms)
                drawn[:, :max(start - first, 0)] = 0  # the site is not recruiting yet
                counts += drawn
        # Stopping a running total at the target keeps it stopped: min(min(a, R) + b, R) = min(a + b, R).
        totals = np.minimum(reached + np.cumsum(counts, axis=1), remaining)
        enrolled[:, first + 1:first + 1 + width] = totals
        reached = totals[:, -1:]


class PoissonTable:
    """Poisson quantiles for one rate per run: the count a uniform stands for (inverse transform sampling).

    Each run's table covers its rate ± 10 standard deviations (and 10 more), beyond which lies less
    probability than a float64 uniform resolves, so a large rate costs its table's width, not its size.
    """

    def __init__(self, rates: Matrix) -> None:
        rates = np.maximum(rates, np.finfo(np.float64).tiny)  # a rate of zero is no rate: log(0)
        spread = _TAIL_SDS * np.sqrt(rates) + 10
        self.lowest: NDArray[np.int64] = np.floor(np.maximum(rates - spread, 0.0)).astype(np.int64)
        width = int(np.ceil((rates + spread - self.lowest).max())) + 1
        counts = self.lowest[:, None] + np.arange(width)
        log_factorials = _log_factorials(int(counts.max()))
        log_pmf = counts * np.log(rates)[:, None] - rates[:, None] - log_factorials[counts]
        self.cdf: Matrix = np.cumsum(np.exp(log_pmf), axis=1)  # runs × width: P(N ≤ lowest + j)

    def quantiles(self, uniforms: Matrix) -> NDArray[np.int64]:
        """For each run's uniforms (runs × n): the smallest count whose cdf reaches each."""
        if self.cdf.shape[1] <= _COMPARED:
            return self.lowest[:, None] + self._steps_below(uniforms)
        # Run r's cdf shifted by r makes one sorted array, so one search answers every run.
        runs, width = self.cdf.shape
        offsets = np.arange(runs, dtype=np.float64)[:, None]
        below = np.searchsorted((self.cdf + offsets).ravel(), (uniforms + offsets).ravel(), side="left")
        within: NDArray[np.int64] = below.reshape(uniforms.shape) - np.arange(runs)[:, None] * width
        return self.lowest[:, None] + within

    def _steps_below(self, uniforms: Matrix) -> NDArray[np.int64]:
        """How many of each run's cdf steps lie below its uniforms, counted step by step until none do
        (a few steps at the low rates trials recruit at, quicker than a search)."""
        counts = np.zeros(uniforms.shape, dtype=np.int64)
        for step in self.cdf.T:
            beyond = uniforms > step[:, None]
            if not beyond.any():
                break
            counts += beyond
        return counts


_COMPARED = 64  # tables up to this wide are counted step by step; wider ones searched


def _log_factorials(largest: int) -> Matrix:
    return np.array([math.lgamma(n + 1.0) for n in range(largest + 1)])


def recruitment_outlook(as_of: date, recruitment: Recruitment, what_if: WhatIf, enrolled: Counts,
                        policy: Policy) -> RecruitmentOutlook:
    within = enrolled[:, policy.horizon_days].astype(np.float64)
    rate = sum(expected_rate(site, recruitment, as_of) for site in recruitment.sites)
    return RecruitmentOutlook(
        rate_per_30d=rate * what_if.recruitment_factor * DAYS_PER_RATE, remaining=recruitment.remaining,
        enrolments_mean=float(within.mean()), enrolments_p50=int(quantile(within, 0.5)),
        enrolments_p90=int(quantile(within, 0.9)), enrolments_p95=int(quantile(within, 0.95)))


def lead_times(item: ItemSupply, shared: LeadTime, what_if: WhatIf, runs: int, streams: Streams
                ) -> NDArray[np.int64]:
    if item.lead_time_days is not None:
        days = np.full(runs, item.lead_time_days, dtype=np.int64)
    elif item.lead_time_samples:  # resample the door-to-door times of the item's lanes
        days = streams(_LEADS).choice(np.asarray(item.lead_time_samples, dtype=np.int64), runs)
    elif len(shared.days) == 1:
        days = np.full(runs, shared.days[0], dtype=np.int64)
    else:  # resample the observed door-to-door times
        days = streams(_LEADS).choice(np.asarray(shared.days, dtype=np.int64), runs)
    return days + what_if.extra_lead_days


def cumulative_demand(item: ItemSupply, recruitment: Recruitment, enrolled: Counts, past: list[int]
                      ) -> Matrix:
    """Demand in days [0, d) for each run (runs × span + 1), from simulated and past enrolments."""
    span = enrolled.shape[1] - 1
    demand = np.zeros(enrolled.shape)
    for use in item.uses:
        each = use.quantity * recruitment.per_enrolment(use.basis) * item.overage
        step = max(_CELLS_AT_ONCE // (span + 1), 1)  # a few runs at a time: no second matrix in float64
        for first in range(0, len(demand), step):
            rows = slice(first, first + step)
            _add_simulated(demand[rows], enrolled[rows], each, use.offset_days)
        demand += each * _past_cumulative(past, use.offset_days, span)  # the same in every run
    return demand


_CELLS_AT_ONCE = 1_000_000


def _add_simulated(demand: Matrix, enrolled: Counts, each: float, offset: int) -> None:
    """Add what simulated enrolments consume `offset` days after enrolling, cumulated."""
    span = enrolled.shape[1] - 1
    if offset > span:
        return  # no simulated enrolment's consumption falls inside the simulated days
    if offset >= 0:
        used = enrolled[:, :span + 1 - offset].astype(np.float64)
        used *= each
        demand[:, offset:] += used
        return
    # Consumed before enrolment (screening): only by those enrolling from day -offset on, whose use still
    # lies ahead of as_of; past the simulated days the total stays where it got.
    ahead = min(-offset, span)
    used = enrolled[:, ahead:].astype(np.float64)
    used -= enrolled[:, ahead:ahead + 1]
    used *= each
    demand[:, :used.shape[1]] += used
    demand[:, used.shape[1]:] += used[:, -1:]


def _past_cumulative(past: list[int], offset: int, span: int) -> NDArray[np.int64]:
    """Patients enrolled already, by the days [0, d) in which their use `offset` days on falls."""
    days = np.asarray(past, dtype=np.int64) + offset
    days = days[(days >= 0) & (days < span)]
    return np.concatenate([[0], np.cumsum(np.bincount(days, minlength=span))])


def quantile(values: NDArray[np.float64], level: float) -> float:
    """The smallest value with at least `level` of the runs at or below it (a discrete quantile, as
    Poisson and negative binomial tables give)."""
    return float(np.quantile(values, level, method="inverted_cdf"))
