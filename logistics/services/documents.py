"""Printed documents for a shipment, as PDF bytes for the web and the command line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote

from sqlmodel import Session, col, select

from logistics.core.clock import local_text
from logistics.core.profiles import StorageProfile
from logistics.core.receiving import YES_NO_CHECKS, Checklist, CoolantState
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Leg,
    Logger,
    Lot,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Signature,
)
from logistics.documents import audit_report, packing_list, receipt_report
from logistics.documents import import_papers as papers_document
from logistics.documents.fonts import choose_fonts
from logistics.schemas.records import ExcursionPublic
from logistics.services import (
    assessments,
    audit,
    excursions,
    handovers,
    import_papers,
    quality,
    receiving,
    series,
    stability,
)
from logistics.services.catalogue import get_site
from logistics.services.shipments import describe_shipment, get_shipment
from logistics.settings import Settings


def receiving_url(public_url: str, reference: str) -> str:
    """The receiving page of a shipment, which the packing list's QR code opens."""
    return f"{public_url.rstrip('/')}/receiving/{quote(reference, safe='')}"


def packing_list_file_name(reference: str) -> str:
    """"packing-list-HG-2026-0045.pdf"; a reference may hold "/", which a file name may not."""
    return f"packing-list-{reference.replace('/', '-')}.pdf"


def packing_list_pdf(session: Session, reference: str, *, settings: Settings,
                     profiles: Mapping[str, StorageProfile], now: datetime,
                     translate: Callable[[str], str] = str, handover_secret: str | None = None) -> bytes:
    """The packing list of shipment `reference` (NotFound when there is none), generated at `now`; its
    units and storage profiles in the language of `translate` (a gettext). With `handover_secret` (the
    application's secret) it carries a hand-over link while the shipment is on its way."""
    content = packing_list_content(session, reference, settings=settings, profiles=profiles, now=now,
                                   handover_secret=handover_secret)
    return packing_list.render(replace(content, translate=translate), choose_fonts(settings.pdf_fonts))


def packing_list_content(session: Session, reference: str, *, settings: Settings,
                         profiles: Mapping[str, StorageProfile], now: datetime,
                         handover_secret: str | None = None) -> packing_list.PackingList:
    """What the packing list of shipment `reference` prints."""
    shipment = describe_shipment(session, reference)
    link = None
    if handover_secret and shipment.status in handovers.HANDING_OVER:
        link = handovers.make_link(session, reference, secret=handover_secret, now=now)
    return packing_list.PackingList(
        shipment=shipment, origin=_place(session, shipment.origin),
        destination=_place(session, shipment.destination), profiles=profiles,
        receiving_url=receiving_url(settings.public_url, reference), generated_at=now,
        handover_url=handover_url(settings.public_url, link.token) if link else None,
        handover_until=link.expires_at if link else None,
        coolant_marking=import_papers.marking(session, get_shipment(session, reference)))


def handover_url(public_url: str, token: str) -> str:
    """A hand-over link's address: the page where a party on the way records a hand-over."""
    return f"{public_url.rstrip('/')}/handover/{quote(token, safe='')}"


def import_papers_pdf(session: Session, reference: str, *, settings: Settings, now: datetime) -> bytes:
    """The import papers of shipment `reference` for the customs broker (NotFound when there is none)."""
    papers = import_papers.import_papers(session, reference, today=now.date())
    zone = get_site(session, papers.destination).timezone
    content = papers_document.ImportPapers(papers=papers, destination_zone=zone, generated_at=now)
    return papers_document.render(content, choose_fonts(settings.pdf_fonts))


def _place(session: Session, code: str) -> packing_list.Place:
    site = get_site(session, code)
    return packing_list.Place(code=site.code, name=site.name, zone=site.timezone)


def audit_report_pdf(session: Session, filters: audit.AuditFilter, *, described: list[tuple[str, str]],
                     zone: str, generated_by: str, settings: Settings, now: datetime, most: int) -> bytes:
    """The events `filters` let through, oldest first, printed for an inspector (`described`: the filters
    as the report names them); audit.TooMany beyond `most` events."""
    rows = audit.selection(session, filters, most=most)
    report = audit_report.AuditReport(rows=rows, filters=described, zone=zone, generated_at=now,
                                      generated_by=generated_by)
    return audit_report.render(report, choose_fonts(settings.pdf_fonts))


def receipt_report_file_name(reference: str) -> str:
    return f"receipt-report-{reference.replace('/', '-')}.pdf"


def receipt_report_pdf(session: Session, reference: str, *, settings: Settings,
                       profiles: dict[str, StorageProfile], now: datetime) -> bytes:
    """The receipt report of shipment `reference` for the batch record (NotFound when there is none)."""
    content = receipt_report_content(session, reference, profiles=profiles, now=now)
    return receipt_report.render(content, choose_fonts(settings.pdf_fonts))


def receipt_report_content(session: Session, reference: str, *, profiles: dict[str, StorageProfile],
                           now: datetime) -> receipt_report.ReceiptReport:
    shipment, record = describe_shipment(session, reference), get_shipment(session, reference)
    receipt = receiving.find_receipt(session, record)
    judged_until = receipt.received_at if receipt else now
    destination = _place(session, shipment.destination)
    return receipt_report.ReceiptReport(
        shipment=shipment, origin=_place(session, shipment.origin), destination=destination,
        inspection=_inspection(receipt) if receipt else None,
        lines=_received_lines(session, receipt.id) if receipt and receipt.id else [],
        summaries=excursions.summaries(session, record, profiles, now=judged_until),
        charts=series.shipment_charts(session, record, profiles, now=judged_until),
        excursions=_excursions(session, record), allowances=[
            receipt_report.LotAllowance(row.item.code, row.lot.lot_number, row.stability)
            for row in stability.shipment_lots(session, record, profiles, now=judged_until)],
        generated_at=now, assessments=(_assessments(session, receipt.id, zone=destination.zone)
                                       if receipt and receipt.id else []))


def _inspection(receipt: Receipt) -> receipt_report.Inspection:
    checklist = Checklist(**{name: getattr(receipt, name) for name in YES_NO_CHECKS},
                          coolant_state=CoolantState(receipt.coolant_state))
    return receipt_report.Inspection(received_at=receipt.received_at, received_by=receipt.received_by,
                                     checklist=checklist, open_excursions=receipt.open_excursions,
                                     notes=receipt.notes)


def _excursions(session: Session, shipment: Shipment) -> list[ExcursionPublic]:
    """The shipment's excursions in time order, withdrawn ones left out."""
    marks = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment.id, ExcursionRecord.status != "withdrawn")
        .order_by(col(ExcursionRecord.start))).all()
    recorded = set(ExcursionPublic.model_fields) - {"logger"}
    return [ExcursionPublic(logger=code, **mark.model_dump(include=recorded)) for mark, code in marks]


def _received_lines(session: Session, receipt_id: int) -> list[receipt_report.ReceivedLine]:
    rows = session.exec(
        select(ReceiptLine, ShipmentLine, Lot, Item.code)
        .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .where(ReceiptLine.receipt_id == receipt_id).order_by(col(ReceiptLine.id))).all()
    return [receipt_report.ReceivedLine(
        item_code=item_code, lot_shipped=lot.lot_number, lot_found=line.lot_number_seen,
        quantity=shipment_line.quantity, unit=shipment_line.unit, received=line.received,
        damaged=line.damaged, missing=line.missing, disposition=line.disposition,
        reasons=_codes(line.reasons), discrepancies=_codes(line.discrepancies), qa_status=line.qa_status,
        released=line.released, rejected=line.rejected, decision=_decision(session, line),
        lot_booked=_booked(session, line))
        for line, shipment_line, lot, item_code in rows]


def _codes(stored: str) -> tuple[str, ...]:
    """Codes as a record keeps them, comma-separated."""
    return tuple(code for code in stored.split(",") if code)


def _booked(session: Session, line: ReceiptLine) -> str | None:
    lot = session.get(Lot, line.lot_id) if line.lot_id else None
    return lot.lot_number if lot else None


def _decision(session: Session, line: ReceiptLine) -> receipt_report.Decision | None:
    signature = session.get(Signature, line.signature_id) if line.signature_id else None
    if signature is None:
        return None
    reopened = (line.qa_status == "pending" and line.evidence_changed_at is not None
                and line.evidence_changed_at >= signature.signed_at)
    return receipt_report.Decision(meaning=signature.meaning, signer=signature.signer,
                                   signer_name=signature.signer_name, signed_at=signature.signed_at,
                                   digest=signature.digest, holds=quality.signature_holds(session, signature),
                                   evidence_changed=line.evidence_change if reopened else None)


def _assessments(session: Session, receipt_id: int, *, zone: str) -> list[receipt_report.Assessment]:
    """QA's assessments that count for the receipt's lots: the latest of each excursion that still
    matches it (its start in the receiving site's `zone`, as the report's excursions)."""
    rows = session.exec(
        select(ShipmentLine, Lot, Item.code)
        .join(ReceiptLine, ReceiptLine.shipment_line_id == ShipmentLine.id)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .where(ReceiptLine.receipt_id == receipt_id).order_by(col(ReceiptLine.id))).all()
    found = []
    for shipment_line, lot, item_code in rows:
        evidence = assessments.lot_evidence(session, shipment_line.lot_id, shipment_line.shipment_id)
        current = assessments.current_assessments(session, shipment_line.lot_id,
                                                  [record for record, _, _ in evidence])
        for record, logger, _reference in evidence:
            if (assessed := current.get(record.id or 0)) is not None:
                leg = session.get(Leg, assessed.leg_id) if assessed.leg_id else None
                found.append(receipt_report.Assessment(
                    item_lot=f"{item_code} {lot.lot_number}",
                    excursion=f"{logger} {record.rule} {local_text(record.start, zone)}",
                    outcome=assessed.outcome,
                    cause=assessed.root_cause.replace("_", " ") + (f", leg {leg.sequence}" if leg else ""),
                    used_s=assessed.used_s, budget_s=assessed.budget_s, assessed_by=assessed.assessed_by,
                    assessed_at=assessed.assessed_at))
    return found
