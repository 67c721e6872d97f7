"""Shipments and their parts: lines, route legs, milestones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited, time_field, utc_now
from logistics.db.types import UTCDateTime


class Shipment(Audited, SQLModel, table=True):
    __tablename__ = "shipments"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    air_waybill: str | None = Field(default=None, max_length=20)
    origin_id: int = Field(foreign_key="sites.id", index=True)
    destination_id: int = Field(foreign_key="sites.id", index=True)
    status: str = Field(default="planned", max_length=20, index=True)
    planned_departure: datetime | None = time_field()
    planned_arrival: datetime | None = time_field()
    actual_departure: datetime | None = time_field()
    actual_arrival: datetime | None = time_field()
    packaging: str | None = Field(default=None, max_length=200)
    packaging_validated_s: float | None = None  # qualified duration of the passive shipper
    import_permit: str | None = Field(default=None, max_length=60)  # a number of the permit register
    invoice_number: str | None = Field(default=None, max_length=40)  # the commercial invoice's
    lane_id: int | None = Field(default=None, foreign_key="lanes.id", index=True)  # planned from
    coolant: str | None = Field(default=None, max_length=20)  # core.lanes.Coolant
    coolant_kg: float | None = None
    notes: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    # The generation of its hand-over links: a link made before the number last went up no longer works.
    handover_links: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ShipmentLine(Audited, SQLModel, table=True):
    __tablename__ = "shipment_lines"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    lot_id: int = Field(foreign_key="lots.id", index=True)
    quantity: float  # in `unit`, which is the item's unit of issue
    unit: str = Field(max_length=20)
    net_weight_kg: float | None = None  # for the licence per invoice


class Leg(Audited, SQLModel, table=True):
    __tablename__ = "legs"
    __table_args__ = (UniqueConstraint("shipment_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    sequence: int
    mode: str = Field(max_length=20)  # truck, air, customs, courier, storage
    from_site_id: int = Field(foreign_key="sites.id")
    to_site_id: int = Field(foreign_key="sites.id")
    carrier: str | None = Field(default=None, max_length=100)
    transport_ref: str | None = Field(default=None, max_length=40)  # flight or truck number
    planned_start: datetime | None = time_field()
    planned_end: datetime | None = time_field()
    actual_start: datetime | None = time_field()
    actual_end: datetime | None = time_field()


class Handover(Audited, SQLModel, table=True):
    """The box changing hands on its way (core.handovers); the pharmacy's hand-over is its receipt."""

    __tablename__ = "handovers"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    from_party: str = Field(max_length=20)  # core.handovers.Party
    to_party: str = Field(max_length=20)
    name: str = Field(max_length=64)  # who recorded it, as they wrote it
    site_id: int | None = Field(default=None, foreign_key="sites.id")  # where, when it is a site
    place: str | None = Field(default=None, max_length=200)  # where, in words, when it is not
    leg_sequence: int | None = None  # the leg the box goes onto, as numbered when recorded
    seals_intact: bool
    packaging_intact: bool
    coolant_state: str = Field(max_length=20)  # core.receiving.CoolantState
    note: str | None = Field(default=None, max_length=1000)
    recorded_via: str = Field(max_length=10)  # link: through a one-shipment link
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class Milestone(Audited, SQLModel, table=True):
    __tablename__ = "milestones"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    kind: str = Field(max_length=40)  # packed, picked_up, departed, landed, customs_cleared, ...
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    site_id: int | None = Field(default=None, foreign_key="sites.id")
    note: str | None = Field(default=None, max_length=1000)


class DispatchOverride(Audited, SQLModel, table=True):
    """QA letting a shipment leave despite the dispatch gate's reasons: it covers the reasons it names
    (as they read when it was given), and no reason found later (core.dispatch_gate)."""

    __tablename__ = "dispatch_overrides"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    reasons: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the reasons covered, in English
    why: str = Field(max_length=1000)
    by: str = Field(max_length=64)  # the QA user's name
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
