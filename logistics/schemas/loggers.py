"""Shapes of data loggers and of what their telemetry did: ingest counts and rejections."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import (
    Field,
)

from logistics.schemas.base import Schema


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
    storage_zone: str | None = Field(default=None, description="Storage zone it watches now")


class LoggerCredentials(LoggerPublic):
    secret: str = Field(description="Shown once: the logger's MQTT password and HTTP bearer token")


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


class LoggerTimePublic(Schema):
    """One logger of a shipment judged by one storage profile over its assignment window (SPEC §2.1)."""

    logger: str
    profile: str
    profile_version: int
    window_start: datetime = Field(description="When the logger joined the shipment")
    window_end: datetime | None = Field(description="When it left it; None while it is still open (then "
                                                    "the figures run until now)")
    readings: int
    start: datetime | None = Field(description="The first reading in the window")
    end: datetime | None = Field(description="The end of the last reading's coverage")
    min_c: float | None
    max_c: float | None
    mean_c: float | None
    mkt_c: float | None
    time_in_range_s: float
    time_above_s: float
    time_below_s: float
    time_no_data_s: float = Field(description="Time in the window no reading covers: before the first, "
                                              "between readings further apart than the hold, after the last")


class LoggerTimeList(Schema):
    items: list[LoggerTimePublic]


class IngestCounts(Schema):
    accepted: int
    duplicates: int
    rejected: int
    problems: list[str] = Field(description="Why readings were rejected (the first 100)")
