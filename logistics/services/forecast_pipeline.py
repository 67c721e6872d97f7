"""What the reorder forecast reads of the stock and the pipeline: usable stock at the hospitals, the lots
on their way with the day each is expected there (core.pipeline_timing), and how long QC release takes."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from logistics.core.lane_analytics import lead_days, percentile
from logistics.core.lifecycle import ACTIVE, ShipmentStatus
from logistics.core.limits import line_quantity_problem
from logistics.core.pipeline_timing import expected_arrival, release_days
from logistics.core.stock import StockStatus
from logistics.db.models import Item, Lane, Lot, Shipment, ShipmentLine, Site
from logistics.services.lane_analytics import door_to_door_s
from logistics.services.release_time import receipt_releases
from logistics.services.stock import balances
from logistics.settings import Settings

log = logging.getLogger(__name__)

ON_ORDER = frozenset({ShipmentStatus.PLANNED, *ACTIVE})
HISTORY = 50  # the most recent finished shipments of a lane, or released receipts, teach their times


def usable_stock(session: Session, as_of: date) -> dict[str, list[dict[str, Any]]]:
    """Available, unexpired stock at every site, per item, by lot: {quantity, expiry}."""
    lots: dict[str, dict[str, Any]] = {}
    for balance in balances(session):
        held = balance.holding
        if held.status != StockStatus.AVAILABLE or held.expiry < as_of or held.quantity <= 0:
            continue
        lot = lots.setdefault(f"{held.item_code}/{held.lot_id}",
                              {"item": held.item_code, "quantity": 0.0, "expiry": held.expiry.isoformat()})
        lot["quantity"] += held.quantity
    return _by_item(lots.values())


def stock_on_order(session: Session, settings: Settings, as_of: date) -> dict[str, list[dict[str, Any]]]:
    """What shipments planned or under way will bring to a hospital, per item, by lot, with the day each
    is expected there (core.pipeline_timing)."""
    rows = session.exec(
        select(Item.code, Lot.expiry, ShipmentLine.quantity, Shipment, Site.timezone, Lane.code)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(Site, Site.id == Shipment.destination_id)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .outerjoin(Lane, Lane.id == Shipment.lane_id)
        .where(col(Shipment.status).in_([status.value for status in ON_ORDER]), Site.kind == "hospital")
        .order_by(col(Item.code), col(Lot.expiry), col(Shipment.id))).all()
    # A line stored before quantities were bounded (1e308 bottle) is no stock anyone will receive: left
    # out, so that it cannot stop the forecast for everyone.
    implausible = [(row[0], row[2]) for row in rows if line_quantity_problem(row[2])]
    if implausible:
        log.warning("forecast: left out shipment lines with implausible quantities: %s", implausible)
    medians: dict[str | None, float | None] = {}
    lots = []
    for code, expiry, quantity, shipment, zone, lane in rows:
        if line_quantity_problem(quantity):
            continue
        if lane not in medians:
            medians[lane] = _lane_median_days(session, settings, lane)
        arrives = expected_arrival(
            as_of, arrived=shipment.status == ShipmentStatus.ARRIVED,
            planned_arrival=shipment.planned_arrival,
            departure=shipment.actual_departure or shipment.planned_departure, lane_days=medians[lane],
            lead_time_days=settings.forecast_lead_time_days, zone=zone)
        lots.append({"item": code, "quantity": quantity, "expiry": expiry.isoformat(),
                     "arrives": arrives.isoformat()})
    return _by_item(lots)


def _lane_median_days(session: Session, settings: Settings, lane: str | None) -> float | None:
    """The lane's median door-to-door days, once it has history enough (`forecast_lead_time_shipments`)."""
    if lane is None:
        return None
    days = lead_days(door_to_door_s(session, frozenset({lane}), HISTORY))
    return percentile(days, 0.5) if len(days) >= settings.forecast_lead_time_shipments else None


def _by_item(lots: Any) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lot in lots:
        found[lot.pop("item")].append(lot)
    return dict(found)


def release_days_input(session: Session) -> dict[str, list[int]]:
    """Receipt to QA release at the hospital, in whole days, of the most recent released receipts."""
    recent = receipt_releases(session)[-HISTORY:]
    return {"release_days": release_days(release.seconds for release in recent)} if recent else {}
