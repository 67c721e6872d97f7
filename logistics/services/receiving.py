"""Receiving a shipment at the hospital: find it, stop its loggers, inspect the box, count each line and
place the goods in stock (available, quarantined for QA, or rejected)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from logistics.core.lifecycle import ShipmentStatus
from logistics.core.profiles import StorageProfile
from logistics.core.quantities import DEFAULT_MAX_QUANTITY, QuantityRule
from logistics.core.receiving import (
    Checklist,
    Conditions,
    CountedLine,
    Disposition,
    ExpectedLine,
    ShippedLine,
    checklist_findings,
    count_problems,
    decide,
    line_discrepancies,
    line_for_pack,
    place,
    quarantine_reasons,
    stored_codes,
)
from logistics.core.stock import StockStatus
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Logger,
    LoggerAssignment,
    Lot,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Signature,
    Site,
    StockMovement,
)
from logistics.readers.gs1 import PackCode, read_pack_code
from logistics.schemas.stock import ChecklistPublic, ReceiptLinePublic, ReceiptPublic, SignaturePublic
from logistics.services.catalogue import quantity_rule
from logistics.services.errors import InputError, NotFound
from logistics.services.excursions import LoggerSummary, summaries
from logistics.services.quality import signature_holds
from logistics.services.shipments import change_status, get_shipment

RECEIVABLE = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.ARRIVED)
UNRESOLVED = ("open", "acknowledged")


def reference_from_scan(text: str) -> str:
    """The shipment reference in what was typed or scanned: the reference itself, or the packing list's
    QR code, which holds the receiving page's address (".../receiving/HG-2026-0045")."""
    text = text.strip()
    if "/receiving/" in text:
        text = text.rsplit("/receiving/", 1)[1]
    return text.split("?", 1)[0].split("#", 1)[0].strip("/ ")


def find_scanned(session: Session, text: str) -> Shipment:
    """The shipment named by what was typed or scanned (see reference_from_scan), in any letter case: a
    reference typed "hg-2026-0045" finds HG-2026-0045. Should two references differ only by case, the
    one typed exactly is found, else neither."""
    reference = reference_from_scan(text)
    # The exact match too: SQLite's lower() folds only ASCII letters.
    found = session.exec(select(Shipment).where(or_(
        col(Shipment.reference) == reference, func.lower(Shipment.reference) == reference.lower()))).all()
    exact = [shipment for shipment in found if shipment.reference == reference]
    if exact or len(found) == 1:
        return (exact or found)[0]
    raise NotFound(f"no shipment {reference!r}")


class NotOnShipment(LookupError):
    """A scanned pack whose GTIN no line of the shipment carries; `item` is the catalogue's item of that
    GTIN, if it has one."""

    def __init__(self, gtin: str, reference: str, item: str | None) -> None:
        super().__init__(f"GTIN {gtin}{f' ({item})' if item else ''} is not on {reference}")
        self.gtin, self.reference, self.item = gtin, reference, item


@dataclass(frozen=True)
class ScannedPack:
    """A scanned pack and the shipment line it belongs to."""

    line_id: int
    item_code: str
    code: PackCode


def scanned_pack(session: Session, reference: str, text: str) -> ScannedPack:
    """The line of the shipment a pack's GS1 code belongs to, and what the code says. BarcodeError for a
    code that cannot be read, NotOnShipment for a GTIN that no line carries, NotFound for no shipment."""
    shipment = get_shipment(session, reference)
    code = read_pack_code(text)
    rows = session.exec(
        select(ShipmentLine.id, Item.gtin, Item.code, Lot.lot_number)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .where(ShipmentLine.shipment_id == shipment.id).order_by(col(ShipmentLine.id))).all()
    expected = [ExpectedLine(line_id, gtin, lot_number) for line_id, gtin, _item, lot_number in rows
                if line_id is not None]
    line_id = line_for_pack(expected, code.gtin, code.lot)
    if line_id is None:
        holder = session.exec(select(Item.code).where(Item.gtin == code.gtin)).first()
        raise NotOnShipment(code.gtin, reference, holder)
    item_code = next(item for found, _gtin, item, _lot in rows if found == line_id)
    return ScannedPack(line_id, item_code, code)


def awaiting(session: Session) -> list[Shipment]:
    """Shipments on their way or arrived, not yet received, soonest arrival first."""
    return list(session.exec(
        select(Shipment).where(col(Shipment.status).in_([status.value for status in RECEIVABLE]))
        .order_by(col(Shipment.planned_arrival))).all())


def find_receipt(session: Session, shipment: Shipment) -> Receipt | None:
    return session.exec(select(Receipt).where(Receipt.shipment_id == shipment.id)).first()


def receipt_lines(session: Session, receipt: Receipt) -> dict[int, ReceiptLine]:
    """The receipt's lines as found, by the shipment line each one counts."""
    return {line.shipment_line_id: line for line in session.exec(
        select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id)).all()}


def receipt_public(session: Session, reference: str) -> ReceiptPublic:
    """The shipment's receipt as the API shows it, each line with QA's signature; NotFound until it is
    received."""
    shipment = get_shipment(session, reference)
    receipt = find_receipt(session, shipment)
    if receipt is None:
        raise NotFound(f"{reference} has not been received yet")
    site = session.get(Site, receipt.site_id)
    return ReceiptPublic(
        shipment=shipment.reference, site=site.code if site else "?", received_at=receipt.received_at,
        received_by=receipt.received_by,
        checklist=ChecklistPublic(**{name: getattr(receipt, name) for name in ChecklistPublic.model_fields}),
        findings=stored_codes(receipt.findings), open_excursions=receipt.open_excursions, notes=receipt.notes,
        lines=_lines_public(session, receipt))


def _lines_public(session: Session, receipt: Receipt) -> list[ReceiptLinePublic]:
    """One query for the lines, their goods and their signatures (checking a signature reads only rows
    this query has loaded)."""
    booked = aliased(Lot)
    rows = session.exec(
        select(ReceiptLine, ShipmentLine, Lot, Item, Signature, booked.lot_number)
        .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .outerjoin(Signature, Signature.id == ReceiptLine.signature_id)
        .outerjoin(booked, booked.id == ReceiptLine.lot_id)
        .where(ReceiptLine.receipt_id == receipt.id).order_by(col(ReceiptLine.id))).all()
    return [ReceiptLinePublic(
        id=line.id, shipment_line_id=line.shipment_line_id, item_code=item.code, lot_shipped=lot.lot_number,
        lot_found=line.lot_number_seen, expiry_found=line.expiry_seen, received=line.received,
        damaged=line.damaged, missing=line.missing, unit=shipped.unit, requested=line.requested,
        disposition=line.disposition, reasons=stored_codes(line.reasons),
        discrepancies=stored_codes(line.discrepancies), qa_status=line.qa_status, released=line.released,
        rejected=line.rejected, decided_at=line.decided_at, signature=_signature_public(session, signature),
        lot_booked=lot_booked, evidence_changed_at=line.evidence_changed_at,
        evidence_change=line.evidence_change)
        for line, shipped, lot, item, signature, lot_booked in rows]


def _signature_public(session: Session, signature: Signature | None) -> SignaturePublic | None:
    if signature is None:
        return None
    return SignaturePublic(signer=signature.signer, signer_name=signature.signer_name,
                           meaning=signature.meaning, signed_at=signature.signed_at, digest=signature.digest,
                           comment=signature.comment, valid=signature_holds(session, signature))


def stop_loggers(session: Session, shipment: Shipment, at: datetime) -> list[str]:
    """End every assignment still recording for the shipment; the codes of the loggers stopped."""
    rows = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id, col(LoggerAssignment.ends_at).is_(None))).all()
    for assignment, _code in rows:
        assignment.ends_at = max(at, assignment.starts_at)
    return [code for _assignment, code in rows]


@dataclass(frozen=True)
class Journey:
    """What the loggers say about the trip, as receiving needs it."""

    unresolved: int  # excursions nobody has resolved
    monitored: bool  # some logger recorded readings during the trip
    summaries: list[LoggerSummary]  # per logger and profile, as the receiving page shows them


def journey(session: Session, shipment: Shipment, profiles: dict[str, StorageProfile], *,
            now: datetime) -> Journey:
    """Unresolved excursions are recorded ones still open or acknowledged, and any the loggers' readings
    show that the scheduler has not recorded yet (the box may arrive between two scans)."""
    records = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment.id)).all()
    status = {(code, record.rule, record.start): record.status for record, code in records}
    unresolved = {key for key, state in status.items() if state in UNRESOLVED}
    evaluated = summaries(session, shipment, profiles, now=now)
    for summary in evaluated:
        for excursion in summary.evaluation.excursions:
            key = (summary.logger, excursion.rule, excursion.start)
            if status.get(key) not in ("resolved", "withdrawn"):
                unresolved.add(key)
    return Journey(len(unresolved), any(summary.evaluation.readings for summary in evaluated), evaluated)


@dataclass(frozen=True)
class LineCount:
    """What the pharmacist found for one shipped line."""

    line_id: int
    lot_number: str
    expiry: date | None
    received: float
    damaged: float
    missing: float
    requested: Disposition

    def counted(self) -> CountedLine:
        return CountedLine(self.lot_number, self.expiry, self.received, self.damaged, self.missing,
                           self.requested)


def counted(line: ReceiptLine) -> CountedLine:
    """A receipt line as it was counted."""
    return CountedLine(line.lot_number_seen, line.expiry_seen, line.received, line.damaged, line.missing,
                       Disposition(line.requested))


@dataclass(frozen=True)
class ReceiptDraft:
    checklist: Checklist
    lines: list[LineCount]
    notes: str | None = None


def receive(session: Session, reference: str, draft: ReceiptDraft, profiles: dict[str, StorageProfile], *,
            by: str, now: datetime, default_most: float = DEFAULT_MAX_QUANTITY) -> Receipt:
    """Record the receipt: stop the loggers, decide each line, put the goods in stock, mark the shipment
    received. All or nothing: an InputError names every field that is wrong. A count is bounded by its
    item's largest quantity per entry, else by `default_most` (the max_quantity setting)."""
    shipment = get_shipment(session, reference)
    shipped = _shipped_lines(session, shipment)
    _check(session, shipment, shipped, draft, _count_rules(session, shipped, default_most))
    stop_loggers(session, shipment, now)
    trip = journey(session, shipment, profiles, now=now)
    conditions = Conditions(open_excursions=trip.unresolved, monitored=trip.monitored,
                            findings=tuple(checklist_findings(draft.checklist)))
    receipt = _receipt(shipment, draft, conditions, by=by, now=now)
    session.add(receipt)
    session.flush()
    for count in draft.lines:
        line, lot = shipped[count.line_id]
        _receive_line(session, receipt, shipment, line, lot, count, conditions, by=by, now=now)
    if shipment.status == ShipmentStatus.IN_TRANSIT:
        change_status(session, shipment, ShipmentStatus.ARRIVED, now=now)
    change_status(session, shipment, ShipmentStatus.RECEIVED, now=now)
    session.flush()
    return receipt


def _shipped_lines(session: Session, shipment: Shipment) -> dict[int, tuple[ShipmentLine, Lot]]:
    rows = session.exec(select(ShipmentLine, Lot).join(Lot, Lot.id == ShipmentLine.lot_id)
                        .where(ShipmentLine.shipment_id == shipment.id)).all()
    return {line.id: (line, lot) for line, lot in rows if line.id is not None}


def _count_rules(session: Session, shipped: dict[int, tuple[ShipmentLine, Lot]],
                 default_most: float) -> dict[int, QuantityRule]:
    """The quantity rule of each shipped line's item, by line id."""
    found = {item.id: item for item in session.exec(select(Item).where(
        col(Item.id).in_({lot.item_id for _, lot in shipped.values()}))).all()}
    return {line_id: quantity_rule(found[lot.item_id], default_most) for line_id, (_, lot) in shipped.items()}


def _check(session: Session, shipment: Shipment, shipped: dict[int, tuple[ShipmentLine, Lot]],
           draft: ReceiptDraft, rules: dict[int, QuantityRule]) -> None:
    errors: dict[str, str] = {}
    if find_receipt(session, shipment) is not None:
        errors["shipment"] = f"{shipment.reference} has been received already"
    elif shipment.status not in RECEIVABLE:
        errors["shipment"] = (f"{shipment.reference} is {shipment.status.replace('_', ' ')}: only a shipment "
                              "in transit or arrived can be received")
    counted = [count.line_id for count in draft.lines]
    for line_id in shipped.keys() - set(counted):
        errors[f"line-{line_id}"] = "count this line (enter 0 received and the units missing if it is absent)"
    for line_id in set(counted) - shipped.keys():
        errors[f"line-{line_id}"] = f"line {line_id} is not in {shipment.reference}"
    if len(counted) != len(set(counted)):
        errors["lines"] = "each line is counted once"
    for count in draft.lines:
        if count.line_id not in rules:
            continue  # named above: not in this shipment
        for field, problem in count_problems(count.counted(), rules[count.line_id]).items():
            errors[f"line-{count.line_id}-{field}"] = problem
    if errors:
        raise InputError(errors)


def _receipt(shipment: Shipment, draft: ReceiptDraft, conditions: Conditions, *, by: str,
             now: datetime) -> Receipt:
    checklist = draft.checklist
    return Receipt(
        shipment_id=shipment.id, site_id=shipment.destination_id, received_at=now, received_by=by,
        packaging_intact=checklist.packaging_intact, seals_intact=checklist.seals_intact,
        coolant_present=checklist.coolant_present, coolant_state=checklist.coolant_state.value,
        logger_present=checklist.logger_present, logger_alarm=checklist.logger_alarm,
        documents_complete=checklist.documents_complete,
        import_permit_present=checklist.import_permit_present,
        findings=",".join(conditions.findings), open_excursions=conditions.open_excursions,
        notes=(draft.notes or "").strip() or None)


def _receive_line(session: Session, receipt: Receipt, shipment: Shipment, line: ShipmentLine, lot: Lot,
                  count: LineCount, conditions: Conditions, *, by: str, now: datetime) -> None:
    counted = count.counted()
    discrepancies = line_discrepancies(ShippedLine(lot.lot_number, lot.expiry, line.quantity), counted)
    reasons = quarantine_reasons(conditions, discrepancies)
    disposition = decide(count.requested, reasons)
    row = ReceiptLine(
        receipt_id=receipt.id, shipment_line_id=line.id, lot_number_seen=count.lot_number.strip(),
        expiry_seen=count.expiry, received=count.received, damaged=count.damaged, missing=count.missing,
        requested=count.requested.value, disposition=disposition.value,
        reasons=",".join(reasons),
        discrepancies=",".join(discrepancies),
        qa_status="pending" if disposition == Disposition.QUARANTINE and count.received > 0 else None)
    session.add(row)
    session.flush()
    placement = place(counted, disposition)
    for status, quantity in ((StockStatus.AVAILABLE, placement.available),
                             (StockStatus.QUARANTINED, placement.quarantined),
                             (StockStatus.REJECTED, placement.rejected)):
        if quantity > 0:
            session.add(StockMovement(at=now, site_id=shipment.destination_id, lot_id=lot.id,
                                      status=status.value, quantity=quantity, kind="receipt",
                                      receipt_line_id=row.id, actor=by))
