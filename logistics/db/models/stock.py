"""Receiving at the hospital, QA release and stock."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited, time_field
from logistics.db.types import UTCDateTime


class Receipt(Audited, SQLModel, table=True):
    """A shipment received at its destination: the inspection of the box (see core.receiving)."""

    __tablename__ = "receipts"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", unique=True)
    site_id: int = Field(foreign_key="sites.id")
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_by: str = Field(max_length=64)
    packaging_intact: bool
    seals_intact: bool
    coolant_present: bool
    coolant_state: str = Field(max_length=20)
    logger_present: bool
    logger_alarm: bool
    documents_complete: bool
    import_permit_present: bool
    findings: str = Field(default="", max_length=500)  # checklist findings, comma-separated codes
    open_excursions: int = 0  # when it was received
    notes: str | None = Field(default=None, max_length=4000)


class ReceiptLine(Audited, SQLModel, table=True):
    """One shipped line as found in the box, where it went, and QA's decision when it was quarantined."""

    __tablename__ = "receipt_lines"

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="receipts.id", index=True)
    shipment_line_id: int = Field(foreign_key="shipment_lines.id", unique=True)
    lot_number_seen: str = Field(max_length=60)
    expiry_seen: date | None = None
    received: float  # intact units, in the line's unit
    damaged: float = 0.0
    missing: float = 0.0
    requested: str = Field(max_length=12)  # what the pharmacist asked for
    disposition: str = Field(max_length=12)  # accept, quarantine, reject: what the rules allowed
    reasons: str = Field(default="", max_length=500)  # why it may not be accepted, comma-separated codes
    discrepancies: str = Field(default="", max_length=300)
    qa_status: str | None = Field(default=None, max_length=20, index=True)  # pending, released, ...
    released: float | None = None
    rejected: float | None = None
    decided_at: datetime | None = time_field()
    signature_id: int | None = Field(default=None, foreign_key="signatures.id")


class StockMovement(Audited, SQLModel, table=True):
    """One change of stock at a site: +quantity into a status or −quantity out of it. Append-only: a
    lot's stock in a status is the sum of its movements."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_lot_status", "site_id", "lot_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    site_id: int = Field(foreign_key="sites.id")
    lot_id: int = Field(foreign_key="lots.id")
    status: str = Field(max_length=12)  # available, quarantined, rejected
    quantity: float  # in the item's unit of issue; negative when leaving the status
    kind: str = Field(max_length=12)  # receipt, release, reject, consume, dispose
    receipt_line_id: int | None = Field(default=None, foreign_key="receipt_lines.id")
    signature_id: int | None = Field(default=None, foreign_key="signatures.id")
    used_for: str | None = Field(default=None, max_length=60)  # manufacturing run or patient code
    actor: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=1000)
