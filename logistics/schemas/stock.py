"""API shapes for goods at the hospital: the receipt of a shipment, the QA queue, stock and its ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from logistics.schemas.base import Schema


class ChecklistPublic(Schema):
    """The inspection of the box on arrival."""

    packaging_intact: bool
    seals_intact: bool
    coolant_present: bool
    coolant_state: str = Field(description="frozen, cold, partly_thawed, thawed, dry_ice_present, "
                                           "dry_ice_gone or not_used")
    logger_present: bool
    logger_alarm: bool
    documents_complete: bool
    import_permit_present: bool


class SignaturePublic(Schema):
    signer: str = Field(description="User name")
    signer_name: str
    meaning: str = Field(description="released, partially_released or rejected")
    signed_at: datetime
    digest: str
    comment: str | None
    valid: bool = Field(description="The signature still binds its line: neither has changed since signing")


class ReceiptLinePublic(Schema):
    id: int
    shipment_line_id: int
    item_code: str
    lot_shipped: str
    lot_found: str = Field(description="The lot number on the pack, as typed or scanned")
    expiry_found: date | None
    received: float = Field(description="Intact units")
    damaged: float
    missing: float
    unit: str
    requested: str = Field(description="What the pharmacist asked for: accept, quarantine or reject")
    disposition: str = Field(description="What the rules allowed: accept, quarantine or reject")
    reasons: list[str] = Field(description="Why it could not be accepted (codes)")
    discrepancies: list[str] = Field(description="How it differs from what was shipped (codes)")
    qa_status: str | None = Field(description="pending (waiting for QA, also after evidence changed), "
                                              "released, partially_released or rejected; None when it "
                                              "was not quarantined")
    released: float | None
    rejected: float | None
    decided_at: datetime | None
    signature: SignaturePublic | None = Field(description="QA's signed decision")
    lot_booked: str | None = Field(default=None, description="The lot the stock is booked under when QA "
                                                             "accepted the lot found on the pack")
    evidence_changed_at: datetime | None = Field(default=None, description="When evidence changed after "
                                                 "the line was decided (late readings, a recall)")
    evidence_change: str | None = Field(default=None, description="What changed; the line went back to QA")


class ReceiptPublic(Schema):
    shipment: str
    site: str = Field(description="Where it was received")
    received_at: datetime
    received_by: str
    checklist: ChecklistPublic
    findings: list[str] = Field(description="What the inspection found wrong (codes)")
    open_excursions: int = Field(description="Excursions not resolved when it was received")
    notes: str | None
    lines: list[ReceiptLinePublic]


class QueuedExcursion(Schema):
    id: int
    rule: str
    severity: str
    status: str = Field(description="open, acknowledged or resolved")
    start: datetime
    end: datetime | None
    duration_s: float
    peak: float | None


class StabilityLeft(Schema):
    remaining_s: float | None
    budget_s: float | None
    out_of_range_s: float
    state: str = Field(description="none, ok, low or exhausted")


class QuarantinedLinePublic(Schema):
    line_id: int = Field(description="Receipt line id")
    shipment: str
    received_at: datetime
    item: str
    item_name: str
    lot: str
    expiry: date
    lot_found: str = Field(default="", description="The lot number on the pack, as typed or scanned")
    quantity: float = Field(description="In quarantine, or on hold after evidence changed")
    unit: str
    reasons: list[str] = Field(description="Why it was quarantined (codes)")
    evidence_changed: bool = Field(default=False, description="Back with QA because evidence changed "
                                                              "after its last signed decision")
    excursions: list[QueuedExcursion] = Field(description="The excursions of every shipment the lot "
                                                          "travelled in, withdrawn ones left out")
    stability: StabilityLeft = Field(description="The lot's stability budget over its whole life")


class QaQueue(Schema):
    items: list[QuarantinedLinePublic]


class BalancePublic(Schema):
    site: str
    item: str
    item_name: str
    lot: str
    expiry: date
    status: str = Field(description="available, expired (available but past its expiry), quarantined, "
                                    "on_hold (evidence changed after release, or a recall) or rejected")
    quantity: float
    unit: str
    forecast_counts: bool | None = Field(default=None, description=(
        "Whether the reorder forecast counts this available stock as usable (null for stock not available)"))
    not_counted_because: str | None = Field(default=None, description=(
        "expired, or do-not-count (within the item's do-not-count days of expiry); null when counted"))
    last_usable_day: date | None = Field(default=None, description=(
        "The last day it may be dispensed: its expiry less the item's do-not-dispense days (null: none set)"))


class BalanceList(Schema):
    items: list[BalancePublic]


class MovementPublic(Schema):
    id: int
    at: datetime
    site: str
    item: str
    lot: str
    status: str = Field(description="available, quarantined, on_hold or rejected")
    quantity: float = Field(description="Negative when leaving the status")
    unit: str
    kind: str = Field(description="receipt, release, reject, hold, relot (booked under the lot found on "
                                  "the pack), consume or dispose")
    used_for: str | None = Field(description="run:CODE or patient:CODE")
    actor: str
    note: str | None


class MovementPage(Schema):
    items: list[MovementPublic]
    page: int
    per_page: int
    total: int


class MovementList(Schema):
    items: list[MovementPublic]


class ConsumptionCreate(Schema):
    site: str = Field(description="Site code")
    item: str = Field(description="Item code")
    quantity: str = Field(description="With its unit, e.g. \"2 kit\"; a bare number is in the item's unit "
                                      "of issue")
    use: Literal["run", "patient"] = Field(description="What it is taken for")
    code: str = Field(description="The manufacturing run or the patient's pseudonymous code: upper-case "
                                  "letters, digits and dashes, never a name")
    note: str | None = Field(default=None, max_length=1000)
