"""Stability budgets of lots: what their shipments' loggers saw, summed over the lot's life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from logistics.core.alerting import AlertFacts, Route
from logistics.core.excursion_types import Evaluation
from logistics.core.lifecycle import ACTIVE
from logistics.core.profiles import StorageProfile
from logistics.core.stability import BudgetState, Exposure, LotStability, lot_stability, worst
from logistics.db.models import Item, Logger, LoggerAssignment, Lot, Shipment, ShipmentLine, Site
from logistics.services.alerts import raise_alert
from logistics.services.errors import NotFound
from logistics.services.excursions import earliest_unscanned, window_evaluation


@dataclass(frozen=True)
class LotRow:
    item: Item
    lot: Lot
    stability: LotStability


# Shipment and profile → that shipment's exposure: lots travelling together share their shipments'
# evaluations, so a page or a check over several lots evaluates each logger window once.
Exposures = dict[tuple[int | None, str], Exposure | None]


def stability_of(session: Session, lot: Lot, profiles: dict[str, StorageProfile], *,
                 now: datetime, known: Exposures | None = None) -> LotStability:
    """The lot's life so far, judged by its item's profile, against its item's budget."""
    item = session.get(Item, lot.item_id)
    if item is None:
        raise NotFound(f"no item for lot {lot.lot_number}")
    profile = profiles[item.storage_profile]
    shipments = session.exec(
        select(Shipment).join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(ShipmentLine.lot_id == lot.id).distinct().order_by(col(Shipment.id))).all()
    known = {} if known is None else known
    for shipment in shipments:
        if (shipment.id, profile.name) not in known:
            known[shipment.id, profile.name] = _shipment_exposure(session, shipment, profile, now)
    exposures = [exposure for shipment in shipments
                 if (exposure := known[shipment.id, profile.name]) is not None]
    return lot_stability(exposures, budget_s=item.stability_budget_s, limit_c=item.stability_limit_c,
                         activation_energy_kj=profile.activation_energy_kj)


def shipment_lots(session: Session, shipment: Shipment, profiles: dict[str, StorageProfile], *,
                  now: datetime) -> list[LotRow]:
    """Each lot the shipment carries, with its stability over its whole life (this shipment included)."""
    rows = session.exec(
        select(Item, Lot).join(Lot, Lot.item_id == Item.id)
        .join(ShipmentLine, ShipmentLine.lot_id == Lot.id).where(ShipmentLine.shipment_id == shipment.id)
        .distinct().order_by(col(Item.code), col(Lot.lot_number))).all()
    known = Exposures()
    return [LotRow(item, lot, stability_of(session, lot, profiles, now=now, known=known))
            for item, lot in rows]


def _shipment_exposure(session: Session, shipment: Shipment, profile: StorageProfile,
                       now: datetime) -> Exposure | None:
    assignments = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id)).all()
    seen = [_exposure(shipment.reference, code, window_evaluation(
        session, assignment, shipment, profile, now, earliest_unscanned(session, assignment.logger_id),
        keep=False)) for assignment, code in assignments]
    return worst(seen)


def _exposure(shipment: str, logger: str, evaluation: Evaluation) -> Exposure:
    partition, stats = evaluation.partition, evaluation.stats
    return Exposure(shipment=shipment, logger=logger,
                    covered_s=partition.in_range_s + partition.out_of_range_s,
                    out_of_range_s=partition.out_of_range_s, min_c=stats.min_c if stats else None,
                    max_c=stats.max_c if stats else None, mkt_c=stats.mkt_c if stats else None,
                    start=evaluation.start)


def check_budgets(session: Session, shipment_ids: set[int], profiles: dict[str, StorageProfile],
                  routes: list[Route], *, now: datetime, public_url: str = "") -> int:
    """Announce lots in these shipments whose budget runs low, runs out, or whose limit was passed;
    each once (the alert key names the lot and the state). Returns how many alerts were raised."""
    if not shipment_ids:
        return 0
    lots = session.exec(
        select(Lot).join(ShipmentLine, ShipmentLine.lot_id == Lot.id).join(Item, Item.id == Lot.item_id)
        .where(col(ShipmentLine.shipment_id).in_(shipment_ids),
               col(Item.stability_budget_s).is_not(None) | col(Item.stability_limit_c).is_not(None))
        .distinct()).all()
    raised, known = 0, Exposures()
    for lot in lots:
        stability = stability_of(session, lot, profiles, now=now, known=known)
        for facts in _budget_alerts(session, lot, stability, now, public_url):
            raised += raise_alert(session, routes, facts) is not None
    return raised


def _budget_alerts(session: Session, lot: Lot, stability: LotStability, now: datetime,
                   public_url: str) -> list[AlertFacts]:
    item = session.get(Item, lot.item_id)
    code = item.code if item else "?"
    where = _current_shipment(session, lot)
    site = session.get(Site, where.destination_id) if where else None
    link = f"{public_url.rstrip('/')}/shipments/{where.reference}" if where else None
    facts = []

    def alert(state: str, severity: str, title: str, body: str) -> None:
        facts.append(AlertFacts(key=f"stability:{lot.id}:{state}", kind="stability", severity=severity,
                                site=site.code if site else None, subject=f"{code} lot {lot.lot_number}",
                                title=f"{code} lot {lot.lot_number}: {title}", body=body, raised_at=now,
                                link=link))

    used, budget = _hours(stability.out_of_range_s), _hours(stability.budget_s or 0)
    if stability.state is BudgetState.EXHAUSTED:
        alert("exhausted", "critical", "stability budget used up",
              f"{used} h outside its storage range of a {budget} h budget. Quarantine it for QA.")
    elif stability.state is BudgetState.LOW:
        alert("low", "major", "stability budget running low",
              f"{used} h outside its storage range of a {budget} h budget "
              f"({_hours(stability.remaining_s or 0)} h left).")
    if stability.limit_exceeded:
        alert("limit", "critical", f"above {stability.limit_c:g} °C",
              f"The lot reached {stability.max_c:g} °C; its stability budget holds only up to "
              f"{stability.limit_c:g} °C. Quarantine it for QA.")
    return facts


def _current_shipment(session: Session, lot: Lot) -> Shipment | None:
    """The shipment the lot is travelling in now, else the latest one it travelled in."""
    shipments = session.exec(
        select(Shipment).join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(ShipmentLine.lot_id == lot.id).order_by(col(Shipment.id).desc())).all()
    active = [shipment for shipment in shipments if shipment.status in ACTIVE]
    return (active or list(shipments) or [None])[0]


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}"
