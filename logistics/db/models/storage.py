"""Storage zones at sites: a fridge, a freezer, an ultra-low freezer, each watched by its own loggers."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited


class StorageZone(Audited, SQLModel, table=True):
    """A place at a site where stock is kept under one storage profile (e.g. SIR-FRIDGE-1, refrigerated).

    A logger is assigned to it as to a shipment (`LoggerAssignment.storage_zone_id`); the lots held at the
    site under that profile are counted as stored there (see logistics.core.storage)."""

    __tablename__ = "storage_zones"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", index=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    storage_profile: str = Field(max_length=40)
