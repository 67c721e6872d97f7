"""Storage profiles and items' stability allowances, one row per version: a change adds a version,
and no version is ever edited, so every excursion can be read against the rules it was judged by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from logistics.core.profiles import DEFAULT_ACTIVATION_ENERGY_KJ
from logistics.db.models.base import Audited
from logistics.db.types import UTCDateTime


class StorageProfileVersion(Audited, SQLModel, table=True):
    """One version of a storage profile; `rules` is its rules as JSON, in the TOML files' shape."""

    __tablename__ = "storage_profile_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)  # looked up through the (name, version) key
    version: int
    label: str = Field(max_length=200)
    min_c: float | None = None
    max_c: float | None = None
    rules: str = Field(sa_column=Column(Text, nullable=False))
    shock_g: float
    max_hold_minutes: float | None = None
    activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ
    gap_severity: str = Field(max_length=10)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reason: str = Field(max_length=1000)


class ItemAllowanceVersion(Audited, SQLModel, table=True):
    """One version of an item's stability allowance: `budget_s` at ≤ `limit_c`, weighed with ΔH."""

    __tablename__ = "item_allowance_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id")  # looked up through the (item_id, version) key
    version: int
    budget_s: float
    limit_c: float
    activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reason: str = Field(max_length=1000)
