"""People, their API tokens and their sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited, time_field, utc_now
from logistics.db.types import UTCDateTime


class User(Audited, SQLModel, table=True):
    __tablename__ = "users"
    __audit_redact__ = frozenset({"password_hash"})

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=255)
    active: bool = True
    language: str = Field(default="en", max_length=10)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    # Copied into the session cookie at sign-in; raising it ends every session signed in before.
    session_version: int = 0


class ApiToken(Audited, SQLModel, table=True):
    __tablename__ = "api_tokens"
    __audit_redact__ = frozenset({"token_hash"})

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of a 256-bit random token
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = time_field()


class LoginAttempt(SQLModel, table=True):
    """A sign-in attempt, kept for throttling (see core.throttle) and for security review."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    username: str = Field(max_length=64)
    address: str = Field(max_length=64)
    ok: bool
