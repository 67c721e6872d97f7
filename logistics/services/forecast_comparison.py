"""Scenarios side by side: a stored forecast's inputs computed again as planned, with recruitment half as
fast again or half as fast, and with two more weeks at customs (the contract's scenario comparison).

Computed on request and never stored: it is a what-if. Each scenario is a whole Monte Carlo forecast,
so the comparison takes about four times as long as one run.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from logistics.core.forecast_inputs import WhatIf
from logistics.services.forecasting import compute, result_record

if TYPE_CHECKING:
    from logistics.db.models import ForecastRun

CUSTOMS_HOLD_DAYS = 14


@dataclass(frozen=True)
class Scenario:
    key: str  # planned, faster, slower, customs_hold
    what_if: WhatIf


SCENARIOS = (
    Scenario("planned", WhatIf()),
    Scenario("faster", WhatIf(recruitment_factor=1.5)),
    Scenario("slower", WhatIf(recruitment_factor=0.5)),
    Scenario("customs_hold", WhatIf(extra_lead_days=CUSTOMS_HOLD_DAYS)),
)


@dataclass(frozen=True)
class ItemOutcome:
    """One item's recommendation in one scenario."""

    code: str
    unit: str
    order_quantity: float
    order_by: date | None
    stockout_probability: float
    expected_waste: float  # units expected to expire unused


@dataclass(frozen=True)
class SlotRisk:
    """The least likely of the scenario's upcoming manufacturing slots to have everything it needs."""

    patient: str
    slot_date: date
    probability: float
    limiting_item: str | None


@dataclass(frozen=True)
class ScenarioOutcome:
    scenario: Scenario
    rate_per_30d: float
    items: tuple[ItemOutcome, ...]
    slot_risk: SlotRisk | None  # None: the forecast lists no slots (or has none upcoming)

    def item(self, code: str) -> ItemOutcome:
        return next(item for item in self.items if item.code == code)


@dataclass(frozen=True)
class Comparison:
    run_id: int
    as_of: date
    outcomes: tuple[ScenarioOutcome, ...]  # in the order of SCENARIOS
    seconds: float  # how long the four forecasts took

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.outcomes[0].items)


def compare(run: ForecastRun) -> Comparison:
    """The stored run's inputs computed in every scenario (not stored); ForecastError names what it cannot
    use."""
    document = json.loads(run.inputs)
    started = time.perf_counter()
    outcomes = tuple(_outcome(scenario, result_record(compute(document, scenario.what_if)))
                     for scenario in SCENARIOS)
    return Comparison(run.id or 0, run.as_of, outcomes, round(time.perf_counter() - started, 3))


def _outcome(scenario: Scenario, record: dict[str, Any]) -> ScenarioOutcome:
    items = tuple(ItemOutcome(item["code"], item["unit"], item["order_quantity"], _day(item["order_by"]),
                              item["stockout_probability"], item["expected_waste"])
                  for item in record["items"])
    return ScenarioOutcome(scenario, record["recruitment"]["rate_per_30d"], items,
                           slot_risk(record.get("slots") or []))


def slot_risk(slots: list[dict[str, Any]]) -> SlotRisk | None:
    """The slot with the lowest probability (the earliest of equals), or None without slots."""
    if not slots:
        return None
    lowest = min(slots, key=lambda slot: slot["probability"])
    return SlotRisk(lowest["patient"], date.fromisoformat(lowest["slot_date"]), lowest["probability"],
                    lowest.get("limiting_item"))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
