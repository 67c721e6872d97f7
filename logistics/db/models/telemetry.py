"""Telemetry as stored: readings, the chart rollups derived from them, and what could not be stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from logistics.db.models.base import time_field
from logistics.db.types import InsertingTransaction, UTCDateTime


class Reading(SQLModel, table=True):
    """Raw telemetry (SPEC §3). Not audited row by row: it is append-only by construction."""

    __tablename__ = "readings"
    __table_args__ = (
        Index("ux_readings_logger_time", "logger_id", "device_time", unique=True),
        Index("ix_readings_received", "received_at"),
        # Consumers read new readings in (xid, id) order (logistics.db.reading_order); SQLite's xid is 0.
        Index("ix_readings_xid_id", "xid", "id").ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    logger_id: int = Field(sa_column=Column(Integer, ForeignKey("loggers.id"), nullable=False))
    device_time: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    temperature_c: float | None = None
    shock_g: float | None = None
    humidity: float | None = None
    battery: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    # 64-bit (SPEC §3 allows any sequence number up to 2**63-1); SQLite's INTEGER is 64-bit already.
    seq: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite")))
    source: str = Field(sa_column=Column(String(8), nullable=False))  # mqtt, http, file
    time_flagged: bool = False  # device sent no time (or no zone); receive time was used
    light_lux: float | None = None  # light on the sensor: a shipper opened (where the logger measures it)
    door_open: bool | None = None  # the logger's door or lid contact, where it has one
    # The inserting transaction's id, filled by the database (never written by the ingest): with the id,
    # the order in which consumers read new readings; 0 on SQLite and for readings stored before it.
    xid: int | None = Field(default=None, sa_column=Column(
        BigInteger, nullable=False, server_default=InsertingTransaction()))


class ReadingRollup(SQLModel, table=True):
    """One logger's readings in one time bucket, summarised for charts (see logistics.core.series).

    Derived from `readings` by the rollup job, which folds each reading in exactly once (its cursor
    advances in the same transaction); not audited.
    """

    __tablename__ = "reading_rollups"

    logger_id: int = Field(foreign_key="loggers.id", primary_key=True)
    level_s: int = Field(primary_key=True)
    bucket: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    count: int = 0
    first_at: datetime | None = time_field()
    first_c: float | None = None
    last_at: datetime | None = time_field()
    last_c: float | None = None
    min_at: datetime | None = time_field()
    min_c: float | None = None
    max_at: datetime | None = time_field()
    max_c: float | None = None
    max_shock_g: float | None = None


class RollupCursor(SQLModel, table=True):
    """How far the rollup job has read the readings table: the position (xid, id) of the last reading
    folded in (logistics.db.reading_order)."""

    __tablename__ = "rollup_cursor"

    id: int = Field(default=1, primary_key=True)
    last_reading_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_xid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class Rejection(SQLModel, table=True):
    """Telemetry that could not be stored (SPEC §5), kept with its raw bytes for investigation."""

    __tablename__ = "rejections"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    source: str = Field(sa_column=Column(String(8), nullable=False))  # mqtt, http, file
    topic: str | None = Field(default=None, max_length=300)
    logger_code: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    readings_rejected: int = 0  # readings lost from this message (an undecodable message counts 1)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # first 64 KiB
    payload_size: int  # the whole message, in bytes


class GeofenceCursor(SQLModel, table=True):
    """How far the milestone detector has read the readings table: the position (xid, id) of the last
    reading looked at (logistics.db.reading_order)."""

    __tablename__ = "geofence_cursor"

    id: int = Field(default=1, primary_key=True)
    last_reading_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_xid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class GeofenceTrack(SQLModel, table=True):
    """Where one logger is in one shipment, as its fixes say (core.geofence `Tracks` as JSON), and whether
    its shipper is open (light or door). Derived from the readings, carried on batch by batch; not
    audited (the milestones and leg times it leads to are)."""

    __tablename__ = "geofence_tracks"

    assignment_id: int = Field(foreign_key="logger_assignments.id", primary_key=True)
    state: str = Field(sa_column=Column(Text, nullable=False))
    opened: bool = False
    light_checked_at: datetime | None = time_field()  # the newest light or door reading looked at
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
