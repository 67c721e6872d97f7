"""Evidence that changes after goods were decided: late readings that add, change or withdraw an excursion
of a shipment already received, a storage excursion, a recall.

The lot's stock at the site goes on hold at once (not available, not forecast as usable), every decision
that made it usable there is reopened (back in QA's queue, marked "evidence changed since signing"; a new
signed decision supersedes it, and the audit trail keeps both), and QA is alerted (major): the goods were
already released. `evidence_changed` is the one entry point; the excursion scan calls it through
`shipments_changed` after its records change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.alerting import AlertFacts, Channel, Route, Target, targets_for
from logistics.core.refusals import N_, Refusal
from logistics.core.stock import StockStatus, allocate_hold
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Lot,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Site,
    StockMovement,
    StorageZone,
)
from logistics.services.alerts import raise_alert
from logistics.services.catalogue import get_lot
from logistics.services.errors import InputError, NotFound
from logistics.services.storage_periods import lots_exposed

DECIDED = ("released", "partially_released", "rejected")
ALERTED = (Target(Channel.IN_APP, "qa"),)  # besides the routes that match: QA decides again
MAX_REASON = 1000  # as receipt_lines.evidence_change and stock_movements.note keep it


@dataclass(frozen=True)
class Reopened:
    """A decision that made a lot usable at a site (QA's, or the receipt's acceptance)."""

    line: ReceiptLine
    lot_id: int  # the lot its stock is booked under
    site_id: int
    shipment: str
    decided: str  # released, partially released, rejected, or accepted at receipt
    released: float  # how much it made available


@dataclass
class EvidenceReport:
    held: dict[tuple[int, int], float] = field(default_factory=dict)  # (lot, site) → units put on hold
    reopened: list[int] = field(default_factory=list)  # receipt line ids, back in QA's queue
    alerts: int = 0


def evidence_changed(session: Session, lot_ids: Collection[int], *, reason: str, now: datetime,
                     routes: list[Route], site_id: int | None = None, by: str = "scheduler",
                     public_url: str = "") -> EvidenceReport:
    """Put the lots' available stock on hold (at `site_id`, or at every site), reopen the decisions that
    released it there and alert QA. Nothing happens where nothing was released or held: calling it again
    for the same change does nothing more."""
    report = EvidenceReport()
    decisions = _decided(session, set(lot_ids), site_id)
    places = {(d.lot_id, d.site_id) for d in decisions} | _available_at(session, set(lot_ids), site_id)
    for lot_id, site in sorted(places):
        here = sorted((d for d in decisions if (d.lot_id, d.site_id) == (lot_id, site)),
                      key=lambda d: d.line.id or 0, reverse=True)
        held = _hold(session, lot_id, site, here, reason, by, now)
        for decision in here:
            _reopen(decision.line, reason, now)
            report.reopened.append(decision.line.id or 0)
        if held or here:
            report.held[lot_id, site] = held
            facts = _alert(session, lot_id, site, held, here, reason, now, public_url)
            report.alerts += raise_alert(session, routes, facts, _targets(routes, facts)) is not None
    session.flush()
    return report


def shipments_changed(session: Session, changes: dict[int, list[str]], *, now: datetime, routes: list[Route],
                      public_url: str = "") -> EvidenceReport:
    """The excursion scan's hook: shipment id → what changed in its excursion records. For each shipment
    already received, the lots of its decided lines are held at the receiving site."""
    report = EvidenceReport()
    if not changes:
        return report
    receipts = session.exec(
        select(Receipt, Shipment.reference).join(Shipment, Shipment.id == Receipt.shipment_id)
        .where(col(Receipt.shipment_id).in_(list(changes)))).all()
    for receipt, reference in receipts:
        lots = {d.lot_id for d in _decided_in(session, receipt)}
        if lots:
            reason = f"{reference}: {'; '.join(changes[receipt.shipment_id])}"
            found = evidence_changed(session, lots, reason=reason, now=now, routes=routes,
                                     site_id=receipt.site_id, public_url=public_url)
            report.held |= found.held
            report.reopened += found.reopened
            report.alerts += found.alerts
    return report


def zones_changed(session: Session, changes: list[tuple[ExcursionRecord, str]], *, now: datetime,
                  routes: list[Route], public_url: str = "") -> EvidenceReport:
    """The scan's hook for storage zones: the lots a zone held while a changed excursion ran go on hold at
    that site, and the decisions that made them usable there are reopened."""
    report = EvidenceReport()
    for record, what in changes:
        zone = session.get(StorageZone, record.storage_zone_id)
        exposed = lots_exposed(session, record)
        if zone is None or not exposed:
            continue
        reason = f"{zone.code}: storage excursion {record.rule} {what}"
        found = evidence_changed(session, {held.lot.id for held in exposed if held.lot.id is not None},
                                 reason=reason, now=now, routes=routes, site_id=zone.site_id,
                                 public_url=public_url)
        report.held |= found.held
        report.reopened += found.reopened
        report.alerts += found.alerts
    return report


def recall_lot(session: Session, lot: str, *, reason: str, by: str, now: datetime, routes: list[Route],
               public_url: str = "") -> EvidenceReport:
    """QA recalls a lot ("ITEM/LOT"): all its available stock, at every site, goes on hold with the reason,
    and the decisions that released it are reopened. Audited through the session like every change."""
    if not reason.strip():
        refusal = Refusal(N_("say why the lot is recalled (kept with the hold and the trail)"))
        raise InputError({"reason": refusal})
    item_code, _, lot_number = lot.strip().partition("/")
    try:
        found, _item = get_lot(session, item_code, lot_number)
    except NotFound:
        refusal = Refusal(N_("no lot %(lot)s (write ITEM/LOT)"), lot=repr(lot.strip()))
        raise InputError({"lot": refusal}) from None
    assert found.id is not None
    return evidence_changed(session, [found.id], reason=f"recall: {reason.strip()}", now=now, routes=routes,
                            by=by, public_url=public_url)


def _booked_lot() -> Any:
    return func.coalesce(ReceiptLine.lot_id, ShipmentLine.lot_id)


def _decided_query() -> Any:
    """Lines whose goods were made usable (or rejected) by a decision: QA's, or accepted at receipt."""
    decided = col(ReceiptLine.qa_status).in_(DECIDED)
    accepted = col(ReceiptLine.qa_status).is_(None) & (ReceiptLine.disposition == "accept") & (
        col(ReceiptLine.received) > 0)
    return (select(ReceiptLine, _booked_lot(), Receipt.site_id, Shipment.reference)
            .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .join(Shipment, Shipment.id == Receipt.shipment_id)
            .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
            .where(decided | accepted))


def _decided(session: Session, lot_ids: set[int], site_id: int | None) -> list[Reopened]:
    query = _decided_query().where(_booked_lot().in_(lot_ids))
    if site_id is not None:
        query = query.where(Receipt.site_id == site_id)
    return _reopened(session.exec(query).all())


def _decided_in(session: Session, receipt: Receipt) -> list[Reopened]:
    query = _decided_query().where(ReceiptLine.receipt_id == receipt.id)
    return _reopened(session.exec(query).all())


def _reopened(rows: Iterable[tuple[ReceiptLine, int, int, str]]) -> list[Reopened]:
    return [Reopened(line, lot_id, site_id, reference,
                     (line.qa_status or "accepted at receipt").replace("_", " "),
                     line.received if line.qa_status is None else (line.released or 0.0))
            for line, lot_id, site_id, reference in rows]


def _available_at(session: Session, lot_ids: set[int], site_id: int | None) -> set[tuple[int, int]]:
    """(lot, site) where the lots have available stock."""
    query = (select(StockMovement.lot_id, StockMovement.site_id)
             .where(col(StockMovement.lot_id).in_(lot_ids),
                    StockMovement.status == StockStatus.AVAILABLE.value)
             .group_by(col(StockMovement.lot_id), col(StockMovement.site_id))
             .having(func.sum(StockMovement.quantity) > 1e-9))
    if site_id is not None:
        query = query.where(StockMovement.site_id == site_id)
    return {(lot_id, site) for lot_id, site in session.exec(query).all()}


def _available(session: Session, lot_id: int, site_id: int) -> float:
    total = session.exec(select(func.sum(StockMovement.quantity)).where(
        StockMovement.lot_id == lot_id, StockMovement.site_id == site_id,
        StockMovement.status == StockStatus.AVAILABLE.value)).one()
    return float(total or 0.0)


def _hold(session: Session, lot_id: int, site_id: int, decisions: list[Reopened], reason: str, by: str,
          now: datetime) -> float:
    """Move the lot's available stock at the site on hold, each part on the decision that released it."""
    available = _available(session, lot_id, site_id)
    if available <= 1e-9:
        return 0.0
    shares: dict[int | None, float] = dict(allocate_hold(available, [(d.line.id or 0, d.released)
                                                                    for d in decisions]))
    if not shares:
        shares = {None: available}  # no decision released it here (an opening balance): held all the same
    for line_id, quantity in shares.items():
        for status, signed in ((StockStatus.AVAILABLE, -quantity), (StockStatus.ON_HOLD, quantity)):
            session.add(StockMovement(at=now, site_id=site_id, lot_id=lot_id, status=status.value,
                                      quantity=signed, kind="hold", receipt_line_id=line_id, actor=by,
                                      note=reason[:MAX_REASON]))
    return available


def _reopen(line: ReceiptLine, reason: str, now: datetime) -> None:
    line.qa_status = "pending"
    line.evidence_changed_at, line.evidence_change = now, reason[:MAX_REASON]


def _alert(session: Session, lot_id: int, site_id: int, held: float, decisions: list[Reopened], reason: str,
           now: datetime, public_url: str) -> AlertFacts:
    lot = session.get(Lot, lot_id)
    item = session.get(Item, lot.item_id) if lot else None
    site = session.get(Site, site_id)
    what = f"{item.code if item else '?'} lot {lot.lot_number if lot else '?'}"
    where, unit = (site.code if site else "?"), (item.unit if item else "")
    decided = "; ".join(f"{d.shipment}: {d.decided}, {d.released:g} {unit} made available" for d in decisions)
    title = (f"{what}: evidence changed after release; {held:g} {unit} on hold at {where}" if held
             else f"{what}: evidence changed after QA's decision at {where}")
    body = (f"{reason}. The goods were already decided ({decided or 'stock on hand, released before'}). "
            + (f"{held:g} {unit} at {where} are on hold, not usable, until QA signs a new decision."
               if held else "QA must sign a new decision."))
    link = f"/qa/lines/{decisions[0].line.id}" if decisions else f"/stock?item={item.code if item else ''}"
    return AlertFacts(
        key=f"evidence-changed:{lot_id}:{site_id}:{now.isoformat()}", kind="evidence_changed",
        severity="major", site=where, subject=what[:64], title=title[:300], body=body, raised_at=now,
        link=public_url.rstrip("/") + link)


def _targets(routes: list[Route], facts: AlertFacts) -> list[Target]:
    return list(dict.fromkeys([*targets_for(routes, facts), *ALERTED]))
