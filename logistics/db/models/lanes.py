"""Lanes: route templates that new shipments are planned from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint, false
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited, utc_now
from logistics.db.types import UTCDateTime


class Lane(Audited, SQLModel, table=True):
    __tablename__ = "lanes"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    origin_id: int = Field(foreign_key="sites.id", index=True)
    destination_id: int = Field(foreign_key="sites.id", index=True)
    packaging: str | None = Field(default=None, max_length=200)
    packaging_hold_s: float | None = None  # the packaging's qualified hold time
    storage_profiles: str = Field(default="", max_length=200)  # profile names, comma-separated
    loggers_per_box: int = 1
    coolant: str = Field(default="none", max_length=20)  # core.lanes.Coolant
    coolant_kg: float | None = None  # net kg (dry ice: UN 1845)
    # An LN2 dry shipper charged so that no free liquid remains: "not restricted" (IATA DGR A152).
    no_free_liquid: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    notes: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class LaneLeg(Audited, SQLModel, table=True):
    __tablename__ = "lane_legs"
    __table_args__ = (UniqueConstraint("lane_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    lane_id: int = Field(foreign_key="lanes.id", index=True)
    sequence: int
    mode: str = Field(max_length=20)
    from_site_id: int = Field(foreign_key="sites.id")
    to_site_id: int = Field(foreign_key="sites.id")
    carrier: str | None = Field(default=None, max_length=100)
    wait_s: float = 0.0  # at its origin, before it starts
    duration_s: float
