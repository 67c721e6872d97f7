"""The forecast's demand model (SPEC §8): a Monte Carlo over recruitment and lead time, and the demand
for each item that the simulated and past enrolments make.

Recruitment at each site is a Poisson process whose rate has a gamma prior centred on the planned rate
(Anisimov & Fedorov 2007); after k enrolments in t days the rate is Gamma(α + k, α/planned + t) per day.
Each run draws a rate per site, then each day's enrolments as one Poisson count at the rates of the
sites recruiting that day, summed (independent Poisson counts add up to a Poisson count at the summed
rate), and stops the total at the target. The cost is runs × simulated days, whatever the target (a million
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
# budget is about 800 MB: 10,000 runs over ten years (with lead times under 11 months) fit.
MAX_CELLS = 40_000_000
BYTES_PER_CELL = 20
# Runs and days drawn at a time. Fixed sizes keep the random streams reproducible: each block of days
# has its own stream, so a longer span (a longer lead time) leaves the earlier days' enrolments as they were.
RUN_CHUNK = 256
DAY_BLOCK = 64
_CELLS_AT_ONCE = 1_000_000  # the most cells a temporary matrix holds
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
    sites = [(max((site.activated - as_of).days, 0),
              _site_rates(index, site, recruitment, as_of, what_if, runs, streams))
             for index, site in enumerate(recruitment.sites) if site.planned_rate > 0]
    phases = _phases([(start, rates) for start, rates in sites if start < span])
    for chunk, first in enumerate(range(0, runs, RUN_CHUNK)):
        rows = slice(first, min(first + RUN_CHUNK, runs))
        if phases and recruitment.remaining:
            _fill_chunk(enrolled[rows], chunk, [(start, rates[rows]) for start, rates in phases],
                        recruitment.remaining, streams)
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


def _phases(sites: list[tuple[int, Matrix]]) -> list[tuple[int, Matrix]]:
    """From each day on which more sites start recruiting: each run's rate summed over the sites recruiting
    by then. Independent Poisson counts add up to a Poisson count at the summed rate, so one draw a day
    serves every site."""
    phases: list[tuple[int, Matrix]] = []
    for start in sorted({start for start, _ in sites}):
        starting = [rates for begins, rates in sites if begins == start]
        phases.append((start, sum(starting, phases[-1][1] if phases else np.zeros_like(starting[0]))))
    return phases


def _fill_chunk(enrolled: Counts, chunk: int, phases: list[tuple[int, Matrix]], remaining: int,
                streams: Streams) -> None:
    """Cumulative enrolments of one chunk of runs, a block of days at a time, stopped at `remaining`."""
    runs, span = enrolled.shape[0], enrolled.shape[1] - 1
    ends = [start for start, _ in phases[1:]] + [span]
    reached = np.zeros((runs, 1), dtype=np.int64)
    table: tuple[int, PoissonTable] | None = None  # the phase drawn from, and its table
    for block, first in enumerate(range(0, span, DAY_BLOCK)):
        last = min(first + DAY_BLOCK, span)
        uniforms = streams(_DAYS, chunk, block).random((runs, DAY_BLOCK))
        counts = np.zeros((runs, last - first), dtype=np.int64)  # none before the first site starts
        for phase, ((start, rates), end) in enumerate(zip(phases, ends, strict=True)):
            days = slice(max(start, first) - first, min(end, last) - first)
            if days.start < days.stop:
                if table is None or table[0] != phase:
                    table = (phase, PoissonTable(rates, most=remaining))
                counts[:, days] = table[1].quantiles(uniforms[:, days])
        # Stopping a running total at the target keeps it stopped: min(min(a, R) + b, R) = min(a + b, R).
        totals = np.minimum(reached + np.cumsum(counts, axis=1), remaining)
        enrolled[:, first + 1:last + 1] = totals
        reached = totals[:, -1:]


class PoissonTable:
    """Poisson quantiles for one rate per run: the count a uniform stands for (inverse transform sampling).

    Each run's table covers its rate ± 10 standard deviations (and 10 more), beyond which lies less
    probability than a float64 uniform resolves, so a table costs its width, not the rate. Only counts up
    to `most` matter (the target stops the total there): a rate that would draw more than `most` from
    every uniform but a vanishing share is drawn at such a ceiling, keeping the table narrow.
    """

    def __init__(self, rates: Matrix, most: int = 2**62) -> None:
        ceiling = most + (_TAIL_SDS + 2) * math.sqrt(most) + 20
        rates = np.clip(rates, np.finfo(np.float64).tiny, ceiling)  # a rate of zero is no rate: log(0)
        spread = _TAIL_SDS * np.sqrt(rates) + 10
        self.lowest: NDArray[np.int64] = np.floor(np.maximum(rates - spread, 0.0)).astype(np.int64)
        width = int(np.ceil((rates + spread - self.lowest).max())) + 1
        # Run r's cdf is shifted by r: one sorted array, so that one search answers every run.
        self._shifted = np.empty((len(rates), width))
        part = max(_CELLS_AT_ONCE // width, 1)
        for first in range(0, len(rates), part):  # a part at a time: a wide table needs no wide temporaries
            rows = slice(first, first + part)
            # The pmf from one count to the next is multiplied by rate / count: summed in logarithms from
            # the window's start, and scaled to add up to one, it needs no factorial (nor its rounding).
            steps = np.log(rates[rows])[:, None] - np.log(self.lowest[rows, None] + np.arange(1, width))
            relative = np.concatenate([np.zeros((len(steps), 1)), np.cumsum(steps, axis=1)], axis=1)
            cdf = np.cumsum(np.exp(relative - relative.max(axis=1, keepdims=True)), axis=1)
            cdf /= cdf[:, -1:]  # the window holds all but 1e-20 of the distribution
            self._shifted[rows] = cdf + np.arange(first, first + len(cdf), dtype=np.float64)[:, None]

    def quantiles(self, uniforms: Matrix) -> NDArray[np.int64]:
        """For each run's uniforms (runs × n): the smallest count whose cdf reaches each."""
        runs, width = self._shifted.shape
        shifted = uniforms + np.arange(runs, dtype=np.float64)[:, None]
        if width <= _COMPARED:
            below = self._steps_below(shifted)
        else:
            found = np.searchsorted(self._shifted.ravel(), shifted.ravel(), side="left")
            below = found.reshape(uniforms.shape) - np.arange(runs)[:, None] * width
        return self.lowest[:, None] + below

    def _steps_below(self, shifted: Matrix) -> NDArray[np.int64]:
        """How many of each run's cdf steps lie below its uniforms, counted step by step until none do
        (a few steps at the low rates trials recruit at, quicker than a search)."""
        counts = np.zeros(shifted.shape, dtype=np.int64)
        for step in self._shifted.T:
            beyond = shifted > step[:, None]
            if not beyond.any():
                break
            counts += beyond
        return counts


_COMPARED = 64  # tables up to this wide are counted step by step; wider ones searched


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
