"""Excursions found in the telemetry, and how far each logger's readings have been evaluated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited, time_field
from logistics.db.types import UTCDateTime


class ExcursionRecord(Audited, SQLModel, table=True):
    """An excursion found in the telemetry of a shipment or of a storage zone (exactly one), and its review.

    Identity: (shipment or zone, logger, rule, start). Late readings that move the start (a hole at its
    beginning filled, or two joined into one) carry the record found first on, so it is announced once.
    """

    __tablename__ = "excursions"
    __table_args__ = (UniqueConstraint("shipment_id", "logger_id", "rule", "start"),
                      UniqueConstraint("storage_zone_id", "logger_id", "rule", "start",
                                       name="uq_excursions_zone_logger_rule_start"),
                      CheckConstraint("(shipment_id IS NULL) <> (storage_zone_id IS NULL)",
                                      name="ck_excursions_one_place"))

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipments.id", index=True)
    storage_zone_id: int | None = Field(default=None, foreign_key="storage_zones.id", index=True)
    logger_id: int = Field(foreign_key="loggers.id", index=True)
    rule: str = Field(max_length=64)
    kind: str = Field(max_length=10)  # above, below, shock, no_data
    mode: str = Field(max_length=12)  # single, cumulative, event, gap
    severity: str = Field(max_length=10)
    profile: str = Field(max_length=40)
    profile_version: int
    start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end: datetime | None = time_field()
    duration_s: float
    peak: float | None = None
    status: str = Field(default="open", max_length=15, index=True)
    found_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_at: datetime | None = time_field()
    acknowledgement: str | None = Field(default=None, max_length=2000)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = time_field()
    assessment: str | None = Field(default=None, max_length=4000)
    disposition: str | None = Field(default=None, max_length=40)


class EvaluationMark(SQLModel, table=True):
    """How far each logger's readings have been evaluated: the position (xid, id) of the last reading
    seen (logistics.db.reading_order)."""

    __tablename__ = "evaluation_marks"

    logger_id: int = Field(foreign_key="loggers.id", primary_key=True)
    last_reading_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_xid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    evaluated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class EvaluationProgress(SQLModel, table=True):
    """How far one logger's window in a shipment has been evaluated under one storage profile.

    Derived data, rebuilt from the readings whenever it cannot be carried on (so not audited): the
    engine's `Progress` as JSON, and the window it was made for.
    """

    __tablename__ = "evaluation_progress"

    assignment_id: int = Field(foreign_key="logger_assignments.id", primary_key=True)
    profile: str = Field(primary_key=True, max_length=40)
    window_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    window_end: datetime | None = time_field()
    state: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
