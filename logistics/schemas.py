"""Validated shapes of what comes in and goes out through the API and the forms (XCreate/XPublic)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from logistics.core.awb import normalise_awb
from logistics.core.lifecycle import ShipmentStatus
from logistics.core.limits import REFERENCE_PATTERN, RESERVED_REFERENCES, business_time_problem


class Schema(BaseModel):
    """Unknown fields are refused, so a typo in a request is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


def _business_time(value: datetime) -> datetime:
    problem = business_time_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A time people give for the shipment's business: with its offset, inside the window of core/limits.py.
BusinessTime = Annotated[AwareDatetime, AfterValidator(_business_time)]


class ShipmentFields(Schema):
    """Fields a person may set on a shipment; all optional so that updates can be partial."""

    air_waybill: str | None = Field(default=None, description="IATA air waybill, e.g. 160-12345675")
    planned_departure: BusinessTime | None = None
    planned_arrival: BusinessTime | None = None
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
    code: str = Field(description="Logger id: its MQTT user name, client id and topic level, e.g. LG-24009; "
                                  "2 to 64 letters, digits and . _ - starting with a letter or digit")
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
    starts_at: BusinessTime
    ends_at: BusinessTime | None = None


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


class ExcursionPublic(Schema):
    id: int
    logger: str
    rule: str
    kind: str = Field(description="above, below, shock or no_data")
    mode: str = Field(description="single, cumulative, event or gap")
    severity: str
    profile: str
    profile_version: int
    start: datetime
    end: datetime | None = Field(description="None while it is still running")
    duration_s: float
    peak: float | None
    status: str = Field(description="open, acknowledged, resolved or withdrawn")
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledgement: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    assessment: str | None
    disposition: str | None


class ExcursionList(Schema):
    items: list[ExcursionPublic]


class Acknowledgement(Schema):
    comment: str = Field(description="What is being done about it")


class Resolution(Schema):
    assessment: str
    disposition: str = Field(description="no_impact, use_within_stability_budget, quarantine or reject")


class DeliveryPublic(Schema):
    channel: str
    address: str
    status: str = Field(description="pending, sent or failed")
    attempts: int
    last_error: str | None


class AlertPublic(Schema):
    key: str
    kind: str
    severity: str
    site: str | None
    subject: str
    title: str
    body: str
    link: str | None
    raised_at: datetime
    deliveries: list[DeliveryPublic]


class AlertPage(Schema):
    items: list[AlertPublic]
    page: int
    per_page: int
    total: int


class AuditEventPublic(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    hash: str


class AuditPage(Schema):
    items: list[AuditEventPublic]
    page: int
    per_page: int
    total: int


class LotStabilityPublic(Schema):
    item: str
    lot: str
    shipments: int = Field(description="Shipments of its life counted")
    out_of_range_s: float
    min_c: float | None
    max_c: float | None
    mkt_c: float | None
    budget_s: float | None
    remaining_s: float | None
    limit_c: float | None
    limit_exceeded: bool
    state: str = Field(description="none, ok, low or exhausted")


class LotStabilityList(Schema):
    items: list[LotStabilityPublic]


class LineCreate(Schema):
    lot: str = Field(description="ITEM/LOT, e.g. SEL-CD34/SK2609-031")
    quantity: str = Field(description="With its unit, e.g. \"12 kit\" or \"500 mL\"; a bare number is in "
                                      "the item's unit of issue")


LEG_MODES = ("truck", "air", "customs", "courier", "storage")


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

    @model_validator(mode="after")
    def _end_after_start(self) -> LegCreate:
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValueError("planned_end: must not be before the planned start")
        return self


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
