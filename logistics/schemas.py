"""Validated shapes of what comes in and goes out through the API and the forms (XCreate/XPublic)."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from logistics.core.awb import normalise_awb
from logistics.core.lifecycle import ShipmentStatus


class Schema(BaseModel):
    """Unknown fields are refused, so a typo in a request is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,39}$"


class ShipmentFields(Schema):
    """Fields a person may set on a shipment; all optional so that updates can be partial."""

    air_waybill: str | None = Field(default=None, description="IATA air waybill, e.g. 160-12345675")
    planned_departure: AwareDatetime | None = None
    planned_arrival: AwareDatetime | None = None
    packaging: str | None = Field(default=None, max_length=200)
    packaging_validated_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    import_permit: str | None = Field(default=None, max_length=60)
    notes: str | None = Field(default=None, max_length=4000)

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
            raise ValueError("use 3 to 40 letters, digits and . _ / - (e.g. HG-2026-0041)")
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
    item_code: str
    item_name: str
    lot_number: str
    expiry: date
    quantity: float
    unit: str
    storage_profile: str


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
    notes: str | None
    next_statuses: list[ShipmentStatus]
    lines: list[LinePublic]
    legs: list[LegPublic]
    loggers: list[AssignmentPublic]
    milestones: list[MilestonePublic]


class ShipmentPage(Schema):
    items: list[ShipmentSummary]
    page: int
    per_page: int
    total: int


class LoggerCreate(Schema):
    code: str = Field(description="Logger id: its MQTT user name and topic level, e.g. LG-24009")
    serial: str = Field(min_length=1, max_length=64)
    model: str | None = Field(default=None, max_length=100)
    calibration_due: date | None = None


class LoggerPublic(Schema):
    code: str
    serial: str
    model: str | None
    calibration_due: date | None
    status: str
    online: bool | None
    battery: float | None
    firmware: str | None
    last_seen_at: datetime | None
    shipment: str | None = Field(description="Shipment it is assigned to now")


class LoggerCredentials(LoggerPublic):
    secret: str = Field(description="Shown once: the logger's MQTT password and HTTP bearer token")


class AssignmentCreate(Schema):
    shipment: str = Field(description="Shipment reference")
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None


class RejectionPublic(Schema):
    id: int
    received_at: datetime
    source: str
    topic: str | None
    logger: str | None
    reason: str
    readings_rejected: int
    payload_size: int
    payload_preview: str = Field(description="The first 2,000 bytes, decoded as UTF-8 with replacement")


class RejectionPage(Schema):
    items: list[RejectionPublic]
    page: int
    per_page: int
    total: int


class LoggerList(Schema):
    items: list[LoggerPublic]


class IngestCounts(Schema):
    accepted: int
    duplicates: int
    rejected: int
    problems: list[str] = Field(description="Why readings were rejected (the first 100)")
