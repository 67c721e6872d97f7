"""The forecast's demand model (SPEC §8): a Monte Carlo over recruitment and lead time, and the demand
for each item that the simulated and past enrolments make.

Recruitment at each site is a Poisson process whose rate has a gamma prior centred on the planned rate
(Anisimov & Fedorov 2007); after k enrolments in t days the rate is Gamma(α + k, α/planned + t) per day.
Each run draws a rate per site, then the site's enrolment times from unit-rate exponential gaps scaled
by that rate, and keeps the earliest enrolments up to the target. Drawing times this way (rather than
Poisson counts) means the same seed gives every scenario the same underlying randomness: a faster rate
only moves the same enrolments earlier, so what-if comparisons differ by their cause, not by noise.

Days are counted from `as_of` (day 0). Demand on day d is the consumption of every enrolment (past or
simulated) whose bill-of-materials offset lands on d.
"""

from __future__ import annotations

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

MAX_CELLS = 40_000_000  # runs × enrolments drawn at one site: the simulation's largest matrix, 320 MB
_CHUNK = 16  # enrolments drawn per site at a time; a fixed size keeps the random streams reproducible

Matrix = NDArray[np.float64]


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


def enrolment_times(as_of: date, recruitment: Recruitment, what_if: WhatIf, runs: int, span: int,
                     streams: Streams) -> Matrix:
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
                runs: int, span: int, streams: Streams) -> Matrix:
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


def daily_counts(times: Matrix, span: int) -> Matrix:
    """Enrolments per run and day (runs × span)."""
    runs = times.shape[0]
    counts = np.zeros(runs * span)
    finite = np.isfinite(times)
    rows = np.broadcast_to(np.arange(runs)[:, None], times.shape)[finite]
    np.add.at(counts, rows * span + times[finite].astype(np.int64), 1.0)
    return counts.reshape(runs, span)


def recruitment_outlook(as_of: date, recruitment: Recruitment, what_if: WhatIf, daily: Matrix,
                        policy: Policy) -> RecruitmentOutlook:
    within = daily[:, :policy.horizon_days].sum(axis=1)
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


def cumulative_demand(item: ItemSupply, recruitment: Recruitment, daily: Matrix, past: list[int]) -> Matrix:
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


def quantile(values: NDArray[np.float64], level: float) -> float:
    """The smallest value with at least `level` of the runs at or below it (a discrete quantile, as
    Poisson and negative binomial tables give)."""
    return float(np.quantile(values, level, method="inverted_cdf"))
