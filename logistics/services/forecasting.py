"""Reorder forecasts from the database: their inputs gathered as one scenario document (SPEC §8),
computed, stored beside those inputs, and announced when an order-by date comes close.

The stock that counts is usable stock: available at the hospital and not expired (quarantined and
rejected stock does not count), plus what is on its way (shipments planned or under way to a
hospital). A receipt that quarantines goods therefore changes the next forecast, and the scheduler
runs one as soon as its inputs change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from logistics.core.alerting import AlertFacts, Route
from logistics.core.forecast import Forecast, Progress, forecast
from logistics.core.forecast_inputs import WhatIf
from logistics.core.forecast_scenario import forecast_json, read_scenario
from logistics.core.lane_analytics import percentile
from logistics.core.lifecycle import ShipmentStatus
from logistics.db.models import BomLine, ForecastRun, Item, Shipment, Site
from logistics.services.alerts import raise_alert
from logistics.services.catalogue import find_item
from logistics.services.errors import NotFound
from logistics.services.forecast_pipeline import release_days_input, stock_on_order, usable_stock
from logistics.services.lane_analytics import lead_times_by_item
from logistics.services.recruitment import enrolments, sites, the_plan
from logistics.settings import Settings

log = logging.getLogger(__name__)

SEED = 1  # a fixed seed: the same inputs give the same recommendation
COMPLETED = (ShipmentStatus.RECEIVED.value, ShipmentStatus.CLOSED.value)
LEAD_TIME_HISTORY = 50  # the most recent completed shipments teach the lead time
SLOT_SOON_DAYS = 14  # a slot at risk this close is a major alert: little time is left to expedite
CUT_OFFS = ("do_not_ship_days", "do_not_count_days", "do_not_dispense_days")


class NoPlan(LookupError):
    """There is nothing to forecast from yet: no recruitment plan or no bill of materials."""


def inputs(session: Session, settings: Settings, *, as_of: date) -> dict[str, Any]:
    """Everything the forecast reads, as a scenario document (JSON-ready)."""
    plan = the_plan(session)
    bom = session.exec(select(BomLine, Item).join(Item, Item.id == BomLine.item_id)
                       .order_by(col(Item.code), col(BomLine.id))).all()
    if plan is None or not bom:
        raise NoPlan("enter the trial's recruitment plan and its bill of materials first")
    enrolled: dict[int | None, list[str]] = defaultdict(list)
    for row in enrolments(session):
        enrolled[row.enrolment.site_id].append(row.enrolment.enrolled_on.isoformat())
    recruitment = {
        "target": plan.target, "prior_strength": plan.prior_strength, "fixed_rate": plan.fixed_rate,
        "screen_failure_ratio": plan.screen_failure_ratio, "batches_per_patient": plan.batches_per_patient,
        "sites": [{"code": site.code, "activated": site.activated_on.isoformat(),
                   "planned_rate": site.planned_rate, "enrolled": enrolled[site.id]}
                  for site in sites(session)]}
    uses: dict[str, list[dict[str, Any]]] = defaultdict(list)
    items: dict[str, Item] = {}
    for line, item in bom:
        uses[item.code].append({"quantity": line.quantity, "offset_days": line.offset_days,
                                "basis": line.basis})
        items[item.code] = item
    on_hand, on_order = usable_stock(session, as_of), stock_on_order(session, settings, as_of)
    lanes = lane_lead_times(session, settings)
    return {"as_of": as_of.isoformat(), "recruitment": recruitment,
            "items": [{"code": code, "unit": item.unit, "uses": uses[code], "pack_size": item.pack_size,
                       "minimum_order": item.minimum_order, "overage": item.overage,
                       "on_hand": on_hand.get(code, []), "in_transit": on_order.get(code, []),
                       **lanes.get(code, {}), **_cut_offs(item)}
                      for code, item in items.items()],
            "forecast": {"horizon_days": settings.forecast_horizon_days,
                         "service_level": settings.forecast_service_level, "runs": settings.forecast_runs,
                         "seed": SEED, **_lead_time(session, settings), **release_days_input(session),
                         "slot_offset_days": settings.forecast_slot_offset_days,
                         "slots": settings.forecast_slots}}


def _cut_offs(item: Item) -> dict[str, int]:
    """The item's expiry cut-offs that are set: an item without keeps the inputs (and fingerprint) it had."""
    return {name: getattr(item, name) for name in CUT_OFFS if getattr(item, name)}


def door_to_door_days(session: Session) -> list[int]:
    """Days from departure to arrival of the most recent completed shipments to a hospital."""
    rows = session.exec(
        select(Shipment.actual_departure, Shipment.actual_arrival)
        .join(Site, Site.id == Shipment.destination_id)
        .where(col(Shipment.status).in_(COMPLETED), Site.kind == "hospital",
               col(Shipment.actual_departure).is_not(None), col(Shipment.actual_arrival).is_not(None))
        .order_by(col(Shipment.actual_arrival).desc()).limit(LEAD_TIME_HISTORY)).all()
    return [max(math.ceil((arrival - departure).total_seconds() / 86400), 0)
            for departure, arrival in rows if arrival >= departure]


def lane_lead_times(session: Session, settings: Settings) -> dict[str, dict[str, Any]]:
    """Per item, the door-to-door days of the lanes its shipments travel, where those lanes have history
    enough (`forecast_lead_time_shipments`); an item without is left to the shared lead time."""
    return {code: {"lead_time_samples": list(learned.days), "lead_time_lanes": list(learned.lanes)}
            for code, learned in lead_times_by_item(session, most=LEAD_TIME_HISTORY).items()
            if len(learned.days) >= settings.forecast_lead_time_shipments}


def _lead_time(session: Session, settings: Settings) -> dict[str, Any]:
    observed = door_to_door_days(session)
    if len(observed) >= settings.forecast_lead_time_shipments:
        return {"lead_time_samples": observed}
    return {"lead_time_days": settings.forecast_lead_time_days}


def fingerprint(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).hexdigest()


def compute(document: dict[str, Any], what_if: WhatIf | None = None,
            progress: Progress | None = None) -> Forecast:
    """The forecast of a scenario document; ForecastError names what it cannot use. `progress` hears
    (steps done, steps in all) as it goes."""
    scenario = read_scenario(document)
    return forecast(scenario.as_of, scenario.recruitment, scenario.items, scenario.lead_time, scenario.policy,
                    what_if or scenario.what_if, progress)


def compute_with_progress(document: dict[str, Any], progress: Progress) -> Forecast:
    """The forecast of a scenario document as planned, telling `progress` how far it is."""
    return compute(document, progress=progress)


def today(settings: Settings, now: datetime) -> date:
    """The forecast's day: the date where the tracker is used, so a new one starts at local midnight."""
    return now.astimezone(ZoneInfo(settings.display_timezone)).date()


def run_forecast(session: Session, settings: Settings, *, now: datetime, trigger: str,
                 progress: Progress | None = None) -> ForecastRun:
    """Compute today's forecast and store it with its inputs; `progress(done, total)` hears how far it is."""
    document = inputs(session, settings, as_of=today(settings, now))
    return _store(session, document, now=now, trigger=trigger, progress=progress)


def _store(session: Session, document: dict[str, Any], *, now: datetime, trigger: str,
           progress: Progress | None = None) -> ForecastRun:
    started = time.perf_counter()
    result = compute(document, progress=progress)
    return keep(session, document, result, now=now, trigger=trigger, seconds=time.perf_counter() - started)


def keep(session: Session, document: dict[str, Any], result: Forecast, *, now: datetime, trigger: str,
         seconds: float) -> ForecastRun:
    """Store a computed forecast beside the inputs it was computed from."""
    run = ForecastRun(run_at=now, as_of=result.as_of, trigger=trigger, fingerprint=fingerprint(document),
                      inputs=json.dumps(document, sort_keys=True), result=json.dumps(result_record(result)),
                      seconds=round(seconds, 3))
    session.add(run)
    session.flush()
    return run


def refresh(session: Session, settings: Settings, *, now: datetime) -> ForecastRun | None:
    """Run the forecast when its inputs differ from the last one's (a new day, an enrolment, a receipt,
    a changed plan); None when nothing changed or there is nothing to forecast."""
    try:
        document = inputs(session, settings, as_of=today(settings, now))
    except NoPlan:
        return None
    last = latest(session)
    if last is not None and last.fingerprint == fingerprint(document):
        return None
    return _store(session, document, now=now, trigger="schedule")


def latest(session: Session) -> ForecastRun | None:
    return session.exec(select(ForecastRun).order_by(col(ForecastRun.run_at).desc(),
                                                     col(ForecastRun.id).desc())).first()


def history(session: Session, limit: int = 30) -> list[ForecastRun]:
    return list(session.exec(select(ForecastRun).order_by(col(ForecastRun.run_at).desc(),
                                                          col(ForecastRun.id).desc()).limit(limit)).all())


def get_run(session: Session, run_id: int) -> ForecastRun:
    run = session.get(ForecastRun, run_id)
    if run is None:
        raise NotFound(f"no forecast {run_id}")
    return run


def result_record(result: Forecast) -> dict[str, Any]:
    """What is stored of a forecast: the SPEC §8 answer, and per item the figures behind it and its fan."""
    record = forecast_json(result)
    for shown, item in zip(record["items"], result.items, strict=True):
        shown.update(lead_time_days=item.lead_time_days, on_hand=item.on_hand, in_transit=item.in_transit,
                     fan={"days": [day.isoformat() for day in item.fan.days],
                          "bands": [[round(value, 3) for value in band] for band in item.fan.bands]})
    policy = result.policy
    record["policy"] = {"horizon_days": policy.horizon_days, "service_level": policy.service_level,
                        "runs": policy.runs}
    record["what_if"] = {"recruitment_factor": result.what_if.recruitment_factor,
                         "extra_lead_days": result.what_if.extra_lead_days}
    return record


@dataclass(frozen=True)
class StoredForecast:
    run: ForecastRun
    result: dict[str, Any]
    inputs: dict[str, Any]

    def item(self, code: str) -> dict[str, Any] | None:
        return next((item for item in self.result["items"] if item["code"] == code), None)


def stored(run: ForecastRun) -> StoredForecast:
    return StoredForecast(run, json.loads(run.result), json.loads(run.inputs))


@dataclass(frozen=True)
class ForecastOverview:
    """The forecast page: the latest forecast, the recent runs, and whether there is anything to forecast."""

    forecast: StoredForecast | None  # None before the first run
    runs: list[ForecastRun]
    no_plan: bool  # no run yet, and no plan or bill of materials to run one from


def overview(session: Session, settings: Settings, *, today: date, recent: int) -> ForecastOverview:
    run = latest(session)
    return ForecastOverview(stored(run) if run else None, history(session, recent),
                            run is None and not _has_inputs(session, settings, today))


def _has_inputs(session: Session, settings: Settings, today: date) -> bool:
    try:
        inputs(session, settings, as_of=today)
    except NoPlan:
        return False
    return True


@dataclass(frozen=True)
class ForecastItem:
    """An item's page: its figures in the latest forecast, and the supply terms that forecast read."""

    forecast: StoredForecast
    figures: dict[str, Any]
    item: Item | None  # None once the item is gone from the catalogue

    @property
    def supply(self) -> dict[str, Any]:
        return next((row for row in self.forecast.inputs["items"] if row["code"] == self.figures["code"]), {})

    @property
    def lead_time(self) -> LeadTimeSource:
        """Where the forecast took this item's lead time from, and its p50 and p90 in days."""
        supply, shared = self.supply, self.forecast.inputs.get("forecast", {})
        if "lead_time_days" in supply:
            days, kind = [supply["lead_time_days"]], "item"
        elif supply.get("lead_time_samples"):
            days, kind = supply["lead_time_samples"], "lanes"
        elif shared.get("lead_time_samples"):
            days, kind = shared["lead_time_samples"], "shipments"
        else:
            days, kind = [shared.get("lead_time_days", 0)], "setting"
        return LeadTimeSource(kind, tuple(supply.get("lead_time_lanes", ())) if kind == "lanes" else (),
                              len(days) if kind in ("lanes", "shipments") else 0,
                              percentile(days, 0.5) or 0.0, percentile(days, 0.9) or 0.0)

    @property
    def release_time(self) -> ReleaseTimeSource:
        """The QC release times the forecast drew from for lots on their way: how many, p50 and p90."""
        days = self.forecast.inputs.get("forecast", {}).get("release_days", [])
        return ReleaseTimeSource(len(days), percentile(days, 0.5) or 0.0, percentile(days, 0.9) or 0.0)


@dataclass(frozen=True)
class ReleaseTimeSource:
    """Receipt-to-release days at the site that the forecast resampled (none: lots usable on arrival)."""

    receipts: int
    p50_days: float
    p90_days: float


@dataclass(frozen=True)
class LeadTimeSource:
    """An item's lead time: learned from its lanes' history, from all completed shipments, or set (for
    the item or in the settings); over how many shipments, and its p50 and p90 in days."""

    kind: str  # lanes, shipments, item, setting
    lanes: tuple[str, ...]
    shipments: int
    p50_days: float
    p90_days: float


def item_view(session: Session, code: str) -> ForecastItem:
    """NotFound before the first forecast, or when the latest one has no such item."""
    run = latest(session)
    shown = stored(run) if run else None
    figures = shown.item(code) if shown else None
    if shown is None or figures is None:
        raise NotFound(f"no forecast of {code!r}")
    return ForecastItem(shown, figures, find_item(session, code))


def what_if(run: ForecastRun, *, recruitment_factor: float, extra_lead_days: int) -> dict[str, Any]:
    """The stored forecast's inputs run again beside the plan (not stored)."""
    return result_record(compute(json.loads(run.inputs), WhatIf(recruitment_factor, extra_lead_days)))


def reorder_alerts(session: Session, routes: list[Route], run: ForecastRun, *, warning_days: int,
                   public_url: str) -> int:
    """An alert for each item whose order-by date falls within the warning window (once per date)."""
    raised = 0
    for item in json.loads(run.result)["items"]:
        order_by = date.fromisoformat(item["order_by"]) if item["order_by"] else None
        if order_by is None or (order_by - run.as_of).days > warning_days:
            continue
        late = order_by <= run.as_of
        facts = AlertFacts(
            key=f"reorder:{item['code']}:{order_by.isoformat()}", kind="reorder",
            severity="major" if late else "minor", site=None, subject=item["code"],
            title=f"Order {item['code']} {'now' if late else 'by ' + order_by.isoformat()}",
            body=(f"Recommended order: {item['order_quantity']:g} {item['unit']} (order-up-to level "
                  f"{item['order_up_to']:g}, usable position {item['position']:.4g}, stock-out risk "
                  f"{item['stockout_probability']:.0%} without it)."),
            raised_at=run.run_at, link=f"{public_url}/forecast/items/{item['code']}")
        raised += raise_alert(session, routes, facts) is not None
    return raised



def slot_alerts(session: Session, routes: list[Route], run: ForecastRun, *, threshold: float,
                public_url: str) -> int:
    """An alert for each upcoming patient slot whose chance of having every item ready by its day is below
    `threshold` (once per patient and slot day); a run stored before slots were forecast raises none."""
    raised = 0
    for slot in json.loads(run.result).get("slots", []):
        if slot["probability"] >= threshold:
            continue
        slot_date = date.fromisoformat(slot["slot_date"])
        percent = math.floor(slot["probability"] * 100)  # rounded down: a risk never reads as none
        limiting = slot.get("limiting_item")
        facts = AlertFacts(
            key=f"slot:{slot['patient']}:{slot_date.isoformat()}", kind="slot",
            severity="major" if slot_date - run.as_of <= timedelta(days=SLOT_SOON_DAYS) else "minor",
            site=None, subject=slot["patient"],
            title=f"Slot {slot['patient']} on {slot_date.isoformat()} at risk: {percent} %",
            body=(f"Every item is ready for the manufacturing slot of {slot['patient']} on "
                  f"{slot_date.isoformat()} in {percent} % of the forecast's futures"
                  + (f"; {limiting} is the item most likely to be missing." if limiting else ".")
                  + " Stock, lots on their way (with their arrival and QC release) and expiry cut-offs "
                    "count; orders not placed yet do not."),
            raised_at=run.run_at, link=f"{public_url}/forecast")
        raised += raise_alert(session, routes, facts) is not None
    return raised
