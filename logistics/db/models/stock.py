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
    # The lot the stock is booked under when QA accepted the lot read on the pack (None: the shipped one).
    lot_id: int | None = Field(default=None, foreign_key="lots.id")
    # Evidence that changed after the line was decided (late readings, a recall): it went back to QA.
    evidence_changed_at: datetime | None = time_field()
    evidence_change: str | None = Field(default=None, max_length=1000)


class StockMovement(Audited, SQLModel, table=True):
    """One change of stock at a site: +quantity into a status or −quantity out of it. Append-only: a
    lot's stock in a status is the sum of its movements."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_lot_status", "site_id", "lot_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    site_id: int = Field(foreign_key="sites.id")
    lot_id: int = Field(foreign_key="lots.id")
    status: str = Field(max_length=12)  # available, quarantined, on_hold, rejected
    quantity: float  # in the item's unit of issue; negative when leaving the status
    kind: str = Field(max_length=12)  # receipt, release, reject, hold, relot, consume, dispose
    receipt_line_id: int | None = Field(default=None, foreign_key="receipt_lines.id")
    signature_id: int | None = Field(default=None, foreign_key="signatures.id")
    used_for: str | None = Field(default=None, max_length=60)  # manufacturing run or patient code
    actor: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=1000)


class ExcursionAssessment(Audited, SQLModel, table=True):
    """QA's structured assessment of one excursion for one lot (see core.excursion_assessment), kept with
    the excursion's figures as assessed and the lot's stability as it stood. Append-only: assessing again
    adds a row; the latest that still matches the excursion is the one that counts."""

    __tablename__ = "excursion_assessments"

    id: int | None = Field(default=None, primary_key=True)
    excursion_id: int = Field(foreign_key="excursions.id", index=True)
    lot_id: int = Field(foreign_key="lots.id", index=True)
    receipt_line_id: int = Field(foreign_key="receipt_lines.id")  # the decision it was made for
    root_cause: str = Field(max_length=20)
    leg_id: int | None = Field(default=None, foreign_key="legs.id")
    comment: str = Field(max_length=2000)
    outcome: str = Field(max_length=12)  # no_impact, reject
    excursion_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    excursion_end: datetime | None = time_field()
    excursion_duration_s: float
    excursion_peak: float | None = None
    excursion_severity: str = Field(max_length=10)
    used_s: float  # the lot's time outside its range over its life, when assessed
    budget_s: float | None = None
    limit_c: float | None = None
    assessed_by: str = Field(max_length=64)
    assessed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
