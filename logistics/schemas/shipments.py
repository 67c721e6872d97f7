"""Shapes of shipments and their parts: lines, route legs, logger assignments, milestones."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from logistics.core.awb import normalise_awb
from logistics.core.lanes import COOLANTS
from logistics.core.legs import LegMode
from logistics.core.lifecycle import ShipmentStatus
from logistics.core.limits import REFERENCE_PATTERN, RESERVED_REFERENCES
from logistics.schemas.base import BusinessTime, Schema


class ShipmentFields(Schema):
    """Fields a person may set on a shipment; all optional so that updates can be partial."""

    air_waybill: str | None = Field(default=None, description="IATA air waybill, e.g. 160-12345675")
    planned_departure: BusinessTime | None = None
    planned_arrival: BusinessTime | None = None
    packaging: str | None = Field(default=None, max_length=200)
    packaging_validated_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    import_permit: str | None = Field(default=None, max_length=60)
    coolant: str | None = Field(default=None, description="none, gel_packs, dry_ice or ln2_dry_shipper")
    coolant_kg: float | None = Field(default=None, ge=0, le=1000, description="Net kg of coolant (dry ice: "
                                                                             "UN 1845)")
    notes: str | None = Field(default=None, max_length=4000)
    lane: str | None = Field(default=None, max_length=40, description=(
        "The code of the lane (route template) it follows, from the shipment's origin to its destination; "
        "null for none"))

    @field_validator("coolant")
    @classmethod
    def _known_coolant(cls, value: str | None) -> str | None:
        if value is not None and value not in COOLANTS:
            raise ValueError(f"choose one of {', '.join(COOLANTS)}")
        return value

    @field_validator("air_waybill")
    @classmethod
    def _valid_awb(cls, value: str | None) -> str | None:
        return normalise_awb(value) if value else None

    @model_validator(mode="after")
    def _arrival_after_departure(self) -> ShipmentFields:
        if self.planned_departure and self.planned_arrival:
            if self.planned_arrival < self.planned_departure:
                raise ValueError("planned_arrival: must not be before the planned departure")
        return self


class ShipmentCreate(ShipmentFields):
    reference: str = Field(description="Unique, e.g. HG-2026-0041")
    origin: str = Field(min_length=1, max_length=20, description="Site code")
    destination: str = Field(min_length=1, max_length=20, description="Site code")

    @field_validator("reference")
    @classmethod
    def _valid_reference(cls, value: str) -> str:
        if not re.fullmatch(REFERENCE_PATTERN, value):
            raise ValueError("use 3 to 40 letters, digits and . _ - (e.g. HG-2026-0041), starting with a "
                             "letter or digit")
        if value.lower() in RESERVED_REFERENCES:
            raise ValueError(f"{value!r} is the name of a page: choose another reference")
        return value

    @model_validator(mode="after")
    def _different_ends(self) -> ShipmentCreate:
        if self.origin == self.destination:
            raise ValueError("destination: must differ from the origin")
        return self


class ShipmentUpdate(ShipmentFields):
    origin: str | None = Field(default=None, min_length=1, max_length=20)
    destination: str | None = Field(default=None, min_length=1, max_length=20)
    status: ShipmentStatus | None = None
    reason: str | None = Field(default=None, max_length=1000, description="Why, for the audit trail")


class SitePublic(Schema):
    code: str
    name: str
    kind: str
    country: str
    timezone: str


class LinePublic(Schema):
    id: int
    item_code: str
    item_name: str
    lot_number: str
    expiry: date
    quantity: float
    unit: str
    storage_profile: str
    gtin: str | None = Field(default=None, description="The item's GTIN-14, as the GS1 barcode on its "
                                                       "pack carries it")


class LegPublic(Schema):
    sequence: int
    mode: str
    origin: str
    destination: str
    carrier: str | None
    transport_ref: str | None
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None


class AssignmentPublic(Schema):
    id: int
    logger: str
    model: str | None
    starts_at: datetime
    ends_at: datetime | None


class MilestonePublic(Schema):
    kind: str
    at: datetime
    site: str | None
    note: str | None


class ShipmentSummary(Schema):
    reference: str
    air_waybill: str | None
    status: ShipmentStatus
    origin: str
    destination: str
    planned_departure: datetime | None
    planned_arrival: datetime | None
    actual_departure: datetime | None
    actual_arrival: datetime | None


class ShipmentPublic(ShipmentSummary):
    packaging: str | None
    packaging_validated_hours: float | None
    import_permit: str | None
    invoice_number: str | None = Field(default=None, description="The commercial invoice's number (set with "
                                                                 "the import papers)")
    lane: str | None = Field(default=None, description="The code of the lane it was planned from")
    coolant: str | None = None
    coolant_kg: float | None = None
    notes: str | None
    next_statuses: list[ShipmentStatus]
    lines: list[LinePublic]
    legs: list[LegPublic]
    loggers: list[AssignmentPublic]
    milestones: list[MilestonePublic]
    route_warnings: list[str] = Field(default_factory=list, description=(
        "What does not add up in the route as recorded: a leg that does not start where the one before "
        "ended, legs planned to overlap, a route that ends short of the destination"))


class ShipmentPage(Schema):
    items: list[ShipmentSummary]
    page: int
    per_page: int
    total: int


class AssignmentCreate(Schema):
    shipment: str | None = Field(default=None, description="Shipment reference")
    storage_zone: str | None = Field(default=None, description="Storage zone code, e.g. SIR-FRIDGE-1, "
                                                               "instead of a shipment")
    starts_at: BusinessTime
    ends_at: BusinessTime | None = None

    @model_validator(mode="after")
    def _one_place(self) -> AssignmentCreate:
        if (self.shipment is None) == (self.storage_zone is None):
            raise ValueError("shipment: give a shipment or a storage_zone, not both")
        return self


class LineCreate(Schema):
    lot: str = Field(description="ITEM/LOT, e.g. SEL-CD34/SK2609-031")
    quantity: str = Field(description="With its unit, e.g. \"12 kit\" or \"500 mL\"; a bare number is in "
                                      "the item's unit of issue")


LEG_MODES = tuple(LegMode)


class LegCreate(Schema):
    mode: str = Field(description="truck, air, customs, courier or storage")
    origin: str = Field(description="Site code")
    destination: str = Field(description="Site code (the same as origin for customs or storage)")
    carrier: str | None = Field(default=None, max_length=100)
    transport_ref: str | None = Field(default=None, max_length=40, description="Flight or truck number")
    planned_start: BusinessTime | None = None
    planned_end: BusinessTime | None = None

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        if value not in LEG_MODES:
            raise ValueError(f"choose one of {', '.join(LEG_MODES)}")
        return value


class LegCorrection(LegCreate):
    """A leg that has not started, planned again: every planned field as it should be, and why."""

    reason: str = Field(min_length=1, max_length=1000, description="Why, for the audit trail")


class LegRemoval(Schema):
    reason: str = Field(min_length=1, max_length=1000, description="Why the leg goes, for the audit trail")


class LegTimes(Schema):
    """What actually happened on a leg; send what is known."""

    actual_start: BusinessTime | None = None
    actual_end: BusinessTime | None = None


class MilestoneCreate(Schema):
    kind: str = Field(min_length=2, max_length=40,
                      description="packed, departed, landed, customs_cleared, delivered, ...")
    at: BusinessTime
    site: str | None = Field(default=None, description="Site code")
    note: str | None = Field(default=None, max_length=1000)
