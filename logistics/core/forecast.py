"""Reorder forecast from the trial's recruitment pace (SPEC §8): a Monte Carlo over recruitment, lead
time and expiry, and a periodic-review policy on top of it.

forecast_inputs.py holds what it works from and the checks on it, forecast_demand.py the simulation and
the demand it makes, forecast_stock.py how that demand uses each lot (arrival, release, expiry cut-offs),
forecast_reorder.py the policy's arithmetic, forecast_slots.py the patients' slots, forecast_scenario.py
the same inputs as one plain document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from logistics.core.forecast_demand import (
    RecruitmentOutlook,
    Streams,
    cumulative_demand,
    lead_times,
    recruitment_outlook,
    simulate_enrolments,
    simulation_steps,
)
from logistics.core.forecast_inputs import ItemSupply, LeadTime, Policy, Recruitment, WhatIf, check_inputs
from logistics.core.forecast_reorder import ItemForecast, item_forecast
from logistics.core.forecast_slots import Readiness, Slot, slots, upcoming_slots
from logistics.core.forecast_stock import RELEASE_STREAM, held_longer, simulate_stock

DEFAULT_POLICY = Policy()
AS_PLANNED = WhatIf()  # no what-if: recruitment and lead times as planned

Progress = Callable[[int, int], None]  # (steps done, steps in all)


@dataclass(frozen=True)
class Forecast:
    as_of: date
    policy: Policy
    what_if: WhatIf
    recruitment: RecruitmentOutlook
    items: tuple[ItemForecast, ...]
    slots: tuple[Slot, ...] = ()


def forecast(as_of: date, recruitment: Recruitment, items: Sequence[ItemSupply], lead_time: LeadTime,
             policy: Policy = DEFAULT_POLICY, what_if: WhatIf = AS_PLANNED,
             progress: Progress | None = None) -> Forecast:
    """Simulate recruitment `policy.runs` times and derive each item's demand and reorder figures, and
    how likely each upcoming patient slot is to have every item it needs; `progress` hears of each chunk
    of runs simulated and each item done."""
    check_inputs(recruitment, items, lead_time, policy, what_if)
    streams = Streams(policy.seed)
    leads = {item.code: lead_times(item, lead_time, what_if, policy.runs, streams) for item in items}
    longest = max((int(days.max()) for days in leads.values()), default=0)
    # The slots of patients enrolling up to the end of the longest window fall within the simulated days.
    span = policy.horizon_days + longest + max(policy.slot_offset_days, 0) + 1
    simulated = simulation_steps(policy.runs)
    steps = simulated + len(items)
    report = progress or _unheard
    enrolled = simulate_enrolments(as_of, recruitment, what_if, policy.runs, span, streams,
                                   lambda done: report(done, steps))
    past = [(day - as_of).days for site in recruitment.sites for day in site.enrolled]
    outlook = recruitment_outlook(as_of, recruitment, what_if, enrolled, policy)
    upcoming = upcoming_slots(as_of, recruitment, enrolled, policy)
    readiness, results = Readiness.start(upcoming), []
    for done, (index, listed) in enumerate(enumerate(items), start=simulated + 1):
        item = held_longer(as_of, listed, what_if.extra_lead_days)
        stock = simulate_stock(as_of, item, cumulative_demand(item, recruitment, enrolled, past),
                               policy.release_days, streams(RELEASE_STREAM, index))
        results.append(item_forecast(as_of, item, stock, leads[item.code], policy))
        readiness = readiness.add(item.code, upcoming, stock.path_at_end)
        report(done, steps)
    return Forecast(as_of, policy, what_if, outlook, tuple(results), slots(as_of, upcoming, readiness))


def _unheard(done: int, steps: int) -> None:
    """No one is listening for progress."""
