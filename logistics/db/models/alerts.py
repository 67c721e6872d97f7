"""Alerts and their deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from logistics.db.models.base import time_field
from logistics.db.types import UTCDateTime


class Alert(SQLModel, table=True):
    """Something a person must hear about; `key` makes raising the same state change twice a no-op."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    severity: str = Field(max_length=20, index=True)
    site: str | None = Field(default=None, max_length=20)
    subject: str = Field(max_length=64)
    title: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=500)
    raised_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class AlertDelivery(SQLModel, table=True):
    """One alert to one target, with its attempts: the delivery log."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "channel", "address"),
                      Index("ix_alert_deliveries_due", "status", "next_attempt_at"))

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=300)
    status: str = Field(default="pending", max_length=20)  # pending, sent, failed, withdrawn
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_error: str | None = Field(default=None, max_length=1000)
    sent_at: datetime | None = time_field()
