"""Shapes of the import permit register and of a shipment's import papers (the licence per invoice)."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import Field, field_validator

from logistics.core.import_papers import (
    INVOICE_NUMBER_PATTERN,
    MAX_NET_WEIGHT_KG,
    PERMIT_NUMBER_PATTERN,
)
from logistics.schemas.base import Schema

MAX_PERMIT_ITEMS = 200


class PermitFields(Schema):
    """A permit as it should be: everything but its number (a PUT sends all of it)."""

    holder: str = Field(min_length=1, max_length=200, description="The licensee, e.g. the importing hospital")
    issued: date = Field(description="The first day it is valid")
    expires: date = Field(description="The last day it is valid")
    protocol_number: str = Field(min_length=1, max_length=60, description="The trial's protocol number")
    items: list[str] = Field(default_factory=list, max_length=MAX_PERMIT_ITEMS,
                             description="Codes of the items it covers")
    notes: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=1000, description="Why, for the audit trail")


class PermitCreate(PermitFields):
    number: str = Field(description="The permit's number, unique, e.g. TFDA-CT-2026-0031")

    @field_validator("number")
    @classmethod
    def _valid_number(cls, value: str) -> str:
        if not re.fullmatch(PERMIT_NUMBER_PATTERN, value) or value.lower() == "new":
            raise ValueError("use 3 to 60 letters, digits and . _ - (e.g. TFDA-CT-2026-0031), starting "
                             "with a letter or digit")
        return value


class PermitItemPublic(Schema):
    code: str
    name: str
    hs_code: str | None


class PermitSummary(Schema):
    number: str
    holder: str
    issued: date
    expires: date
    protocol_number: str
    valid_today: bool = Field(description="Whether today (UTC) lies from issued to expires")


class PermitPublic(PermitSummary):
    items: list[PermitItemPublic]
    notes: str | None
    shipments: list[str] = Field(description="References of the shipments that name it")


class PermitList(Schema):
    items: list[PermitSummary]


class HsCodeUpdate(Schema):
    hs_code: str | None = Field(max_length=16, description="6 to 10 digits, dots allowed between them, e.g. "
                                                          "3002.12; null removes it")


class PaperLineUpdate(Schema):
    id: int = Field(description="The shipment line's id")
    net_weight_kg: float | None = Field(default=None, gt=0, le=MAX_NET_WEIGHT_KG)
    manufactured: date | None = Field(default=None, description="The lot's manufacture date")


class PapersUpdate(Schema):
    """What the licence per invoice needs that the shipment does not hold yet; fields left out stay."""

    invoice_number: str | None = Field(default=None, description="The commercial invoice's number")
    lines: list[PaperLineUpdate] = Field(default_factory=list, max_length=200)
    reason: str | None = Field(default=None, max_length=1000, description="Why, for the audit trail")

    @field_validator("invoice_number")
    @classmethod
    def _valid_invoice(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(INVOICE_NUMBER_PATTERN, value.strip()):
            raise ValueError("use 1 to 40 letters, digits and . / _ -, starting with a letter or digit")
        return value.strip()


class PaperLinePublic(Schema):
    id: int
    item_code: str
    item_name: str
    hs_code: str | None
    lot_number: str
    manufactured: date | None
    expiry: date
    quantity: float
    unit: str
    net_weight_kg: float | None


class PermitProblemPublic(Schema):
    code: str = Field(description="permit_missing, permit_unknown, arrival_unknown, permit_not_yet_valid, "
                                  "permit_expired or item_not_covered")
    message: str
    item: str | None = None


class ImportPapersPublic(Schema):
    """The licence per invoice of one shipment, and what stands in its way."""

    reference: str
    origin: str
    destination: str
    air_waybill: str | None
    invoice_number: str | None
    import_permit: str | None
    permit: PermitSummary | None
    planned_arrival: datetime | None
    permit_needed: bool = Field(description="Whether the destination's country asks for an import permit")
    lines: list[PaperLinePublic]
    total_net_weight_kg: float
    coolant_marking: str | None = Field(description="The dangerous-goods (or not restricted) line of the "
                                                    "packing list")
    permit_problems: list[PermitProblemPublic]
    gaps: list[str] = Field(description="What the licence per invoice still lacks")
