"""Printed documents for a shipment, as PDF bytes for the web and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

from sqlmodel import Session, col, select

from logistics.core.profiles import StorageProfile
from logistics.db.models import ExcursionRecord, Item, Logger, Lot, ReceiptLine, ShipmentLine, Signature
from logistics.documents import packing_list, receipt_report
from logistics.documents.fonts import choose_fonts
from logistics.services import excursions, quality, receiving, series
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
                     profiles: Mapping[str, StorageProfile], now: datetime) -> bytes:
    """The packing list of shipment `reference` (NotFound when there is none), generated at `now`."""
    content = packing_list_content(session, reference, settings=settings, profiles=profiles, now=now)
    return packing_list.render(content, choose_fonts(settings.pdf_fonts))


def packing_list_content(session: Session, reference: str, *, settings: Settings,
                         profiles: Mapping[str, StorageProfile], now: datetime) -> packing_list.PackingList:
    """What the packing list of shipment `reference` prints."""
    shipment = describe_shipment(session, reference)
    return packing_list.PackingList(
        shipment=shipment, origin=_place(session, shipment.origin),
        destination=_place(session, shipment.destination), profiles=profiles,
        receiving_url=receiving_url(settings.public_url, reference), generated_at=now)


def _place(session: Session, code: str) -> packing_list.Place:
    site = get_site(session, code)
    return packing_list.Place(code=site.code, name=site.name, zone=site.timezone)


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
    marks = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == record.id, ExcursionRecord.status != "withdrawn")
        .order_by(col(ExcursionRecord.start))).all()
    return receipt_report.ReceiptReport(
        shipment=shipment, origin=_place(session, shipment.origin),
        destination=_place(session, shipment.destination), receipt=receipt,
        lines=_received_lines(session, receipt.id) if receipt and receipt.id else [],
        summaries=excursions.summaries(session, record, profiles, now=judged_until),
        charts=series.shipment_charts(session, record, profiles, now=judged_until),
        excursions=[(mark, code) for mark, code in marks], generated_at=now)


def _received_lines(session: Session, receipt_id: int) -> list[receipt_report.ReceivedLine]:
    rows = session.exec(
        select(ReceiptLine, ShipmentLine, Lot, Item.code)
        .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .where(ReceiptLine.receipt_id == receipt_id).order_by(col(ReceiptLine.id))).all()
    found = []
    for line, shipment_line, lot, item_code in rows:
        signature = session.get(Signature, line.signature_id) if line.signature_id else None
        found.append(receipt_report.ReceivedLine(
            line=line, item_code=item_code, lot_shipped=lot.lot_number,
            quantity=shipment_line.quantity, unit=shipment_line.unit, signature=signature,
            signature_holds=quality.signature_holds(session, signature) if signature else False))
    return found

