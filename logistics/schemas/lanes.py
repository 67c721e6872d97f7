"""Shapes of lanes (route templates) and of a shipment planned from one."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from logistics.core.lanes import COOLANTS, LANE_LEG_MODES
from logistics.core.limits import REFERENCE_PATTERN, RESERVED_REFERENCES
from logistics.schemas.base import BusinessTime, Schema
from logistics.schemas.shipments import LegCreate, ShipmentCreate

MAX_LEG_HOURS = 24 * 30


class LaneLegFields(Schema):
    mode: str = Field(description="truck, air, customs, courier or storage")
    origin: str = Field(min_length=1, max_length=20, description="Site code")
    destination: str = Field(min_length=1, max_length=20,
                             description="Site code (the same as origin for customs or storage)")
    carrier: str | None = Field(default=None, max_length=100)
    wait_hours: float = Field(default=0.0, ge=0, le=MAX_LEG_HOURS,
                              description="Hours the goods wait at the origin before the leg starts")
    duration_hours: float = Field(gt=0, le=MAX_LEG_HOURS, description="Planned duration of the leg, hours")

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        if value not in LANE_LEG_MODES:
            raise ValueError(f"choose one of {', '.join(LANE_LEG_MODES)}")
        return value


class LaneFields(Schema):
    """A lane as it should be: everything but its code (a PUT sends all of it)."""

    name: str = Field(min_length=1, max_length=200)
    origin: str = Field(min_length=1, max_length=20, description="Site code")
    destination: str = Field(min_length=1, max_length=20, description="Site code")
    packaging: str | None = Field(default=None, max_length=200)
    packaging_hold_hours: float | None = Field(default=None, gt=0, le=MAX_LEG_HOURS,
                                               description="The packaging's qualified hold time, hours")
    storage_profiles: list[str] = Field(default_factory=list, max_length=10,
                                        description="Storage profiles the lane carries, e.g. refrigerated")
    loggers_per_box: int = Field(default=1, ge=0, le=10)
    coolant: str = Field(default="none", description="none, gel_packs, dry_ice or ln2_dry_shipper")
    coolant_kg: float | None = Field(default=None, ge=0, le=1000,
                                     description="Net kg of coolant (required for dry ice, UN 1845)")
    no_free_liquid: bool = Field(default=False, description=(
        "An LN2 dry shipper charged so that no free liquid remains: its packing list marks it not restricted "
        "(IATA special provision A152)"))
    notes: str | None = Field(default=None, max_length=4000)
    legs: list[LaneLegFields] = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=1000, description="Why, for the audit trail")

    @field_validator("coolant")
    @classmethod
    def _known_coolant(cls, value: str) -> str:
        if value not in COOLANTS:
            raise ValueError(f"choose one of {', '.join(COOLANTS)}")
        return value


class LaneCreate(LaneFields):
    code: str = Field(description="Unique, e.g. SZ-HKG-BKK-PH")

    @field_validator("code")
    @classmethod
    def _valid_code(cls, value: str) -> str:
        if not re.fullmatch(REFERENCE_PATTERN, value):
            raise ValueError("use 3 to 40 letters, digits and . _ - (e.g. SZ-HKG-BKK-PH), starting with a "
                             "letter or digit")
        if value.lower() in RESERVED_REFERENCES:
            raise ValueError(f"{value!r} is the name of a page: choose another code")
        return value


class LaneLegPublic(Schema):
    sequence: int
    mode: str
    origin: str
    destination: str
    carrier: str | None
    wait_hours: float
    duration_hours: float


class LaneSummary(Schema):
    code: str
    name: str
    origin: str
    destination: str
    packaging: str | None
    packaging_hold_hours: float | None
    storage_profiles: list[str]
    coolant: str
    coolant_kg: float | None
    no_free_liquid: bool = False
    transit_hours: float = Field(description="Planned from departure to arrival, waits included")
    route: list[str] = Field(description="The sites the legs pass, in order")
    warnings: list[str] = Field(default_factory=list, description=(
        "What the lane rules warn about: a packaging qualified for less than the planned transit"))


class LanePublic(LaneSummary):
    loggers_per_box: int
    notes: str | None
    legs: list[LaneLegPublic]
    shipments: int = Field(description="How many shipments were planned from the lane")


class LaneList(Schema):
    items: list[LaneSummary]


class LaneShipment(Schema):
    """A shipment planned from a lane, as a person confirms it (each field may have been changed)."""

    lane: str
    shipment: ShipmentCreate
    legs: list[LegCreate] = Field(max_length=20)
    loggers: list[str] = Field(default_factory=list, max_length=10,
                               description="Loggers to assign from the planned departure")


class LaneShipmentRequest(Schema):
    """The API's "new shipment from lane": the lane's plan from `planned_departure`, under `reference`."""

    reference: str
    planned_departure: BusinessTime
    air_waybill: str | None = None
    import_permit: str | None = Field(default=None, max_length=60)
    loggers: list[str] = Field(default_factory=list, max_length=10)

