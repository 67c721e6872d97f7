"""The GxP record keeping: the audit trail and electronic signatures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited
from logistics.db.types import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """Append-only; ids are assigned in order by the writer and hashed into the chain."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False))
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=10)  # create, update, delete
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=40)
    field: str | None = Field(default=None, max_length=64)
    old_value: str | None = None
    new_value: str | None = None
    reason: str | None = Field(default=None, max_length=1000)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class Signature(Audited, SQLModel, table=True):
    """An electronic signature (21 CFR 11.50, 11.70); append-only, bound to its record by a digest."""

    __tablename__ = "signatures"

    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=40)
    record_id: int
    meaning: str = Field(max_length=30)
    signer: str = Field(max_length=64)
    signer_name: str = Field(max_length=200)
    signed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    record_digest: str = Field(max_length=64)
    digest: str = Field(max_length=64)
    comment: str | None = Field(default=None, max_length=2000)


class SigningFailure(Audited, SQLModel, table=True):
    """A signature refused (wrong password): kept, and so audited, though nothing was signed."""

    __tablename__ = "signing_failures"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    username: str = Field(max_length=64, index=True)
    record_type: str = Field(max_length=40)
    record_id: int
    reason: str = Field(max_length=200)
