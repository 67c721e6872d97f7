"""Release time from the database: per receipt with quarantined goods, arrival to QA's signed decision
(core.release_time), and the median per month of arrival for the QA queue page and the metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.clock import in_zone
from logistics.core.receiving import Disposition
from logistics.core.release_time import MonthlyMedian, ReceiptRelease, decided_at, monthly_medians
from logistics.db.models import Receipt, ReceiptLine, Shipment, Signature, Site

RECENT = 10  # receipts listed on the QA queue page


@dataclass(frozen=True)
class ReleaseTimes:
    recent: list[ReceiptRelease]  # newest arrival first
    monthly: list[MonthlyMedian]  # oldest month first


def receipt_releases(session: Session) -> list[ReceiptRelease]:
    """Every receipt whose quarantined lines have all been decided, oldest arrival first."""
    first_signed = (select(Signature.record_id, func.min(Signature.signed_at).label("signed_at"))
                    .where(Signature.record_type == "receipt_line").group_by(col(Signature.record_id))
                    .subquery())
    rows = session.exec(
        select(Receipt, Shipment.reference, Site.timezone, first_signed.c.signed_at)
        .join(Shipment, Shipment.id == Receipt.shipment_id).join(Site, Site.id == Receipt.site_id)
        .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
        .outerjoin(first_signed, first_signed.c.record_id == ReceiptLine.id)
        .where(ReceiptLine.disposition == Disposition.QUARANTINE.value, col(ReceiptLine.received) > 0)
        .order_by(col(Receipt.received_at), col(Receipt.id))).all()
    by_receipt: dict[int | None, tuple[Receipt, str, str, list[datetime | None]]] = {}
    for receipt, reference, zone, signed_at in rows:
        by_receipt.setdefault(receipt.id, (receipt, reference, zone, []))[3].append(_utc(signed_at))
    releases = []
    for receipt, reference, zone, signed in by_receipt.values():
        done = decided_at(signed)
        if done is not None:
            month = in_zone(receipt.received_at, zone).strftime("%Y-%m")
            releases.append(ReceiptRelease(reference, receipt.received_at, done, month))
    return releases


def _utc(moment: datetime | str | None) -> datetime | None:
    """min() over a time column comes back untyped from SQLite: read it as the column would."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def release_times(session: Session) -> ReleaseTimes:
    releases = receipt_releases(session)
    return ReleaseTimes(list(reversed(releases[-RECENT:])), monthly_medians(releases))
