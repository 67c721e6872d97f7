"""Data loggers and their assignments to shipments and storage zones."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited, time_field
from logistics.db.types import UTCDateTime


class Logger(Audited, SQLModel, table=True):
    __tablename__ = "loggers"
    __audit_redact__ = frozenset({"credential_hash"})
    # Room on each page for the versions the ingest's updates leave (migration 0027 says why).
    __table_args__ = {"postgresql_with": {"fillfactor": 10}}

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # the logger id on the wire (MQTT username)
    serial: str = Field(max_length=64)
    model: str | None = Field(default=None, max_length=100)
    calibration_due: date | None = None
    status: str = Field(default="active", max_length=20)  # active, maintenance, retired
    credential_hash: str | None = Field(default=None, max_length=255)
    # Reported by the logger itself (status topic, readings); written by ingest without audit events,
    # since they are observations rather than changes anyone made to the record.
    firmware: str | None = Field(default=None, max_length=40)
    battery: float | None = None
    online: bool | None = None
    last_seen_at: datetime | None = time_field()
    # Its newest reading with a temperature (by device time), kept by ingest in the transaction that
    # stores it so that the dashboard reads every logger's in one query. Readings are never deleted or
    # rewritten (see Reading), so it always names a stored reading.
    latest_at: datetime | None = time_field()
    latest_temperature_c: float | None = None


class LoggerAssignment(Audited, SQLModel, table=True):
    """A logger answering for a shipment or for a storage zone (exactly one) over [starts_at, ends_at)."""

    __tablename__ = "logger_assignments"
    __table_args__ = (CheckConstraint("(shipment_id IS NULL) <> (storage_zone_id IS NULL)",
                                      name="ck_logger_assignments_one_place"),)

    id: int | None = Field(default=None, primary_key=True)
    logger_id: int = Field(foreign_key="loggers.id", index=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipments.id", index=True)
    storage_zone_id: int | None = Field(default=None, foreign_key="storage_zones.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime | None = time_field()
    position: str | None = Field(default=None, max_length=100)  # where in the shipper it sits
