"""Import permits: the register of the permits goods enter Thailand under, and the items each covers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited, utc_now
from logistics.db.types import UTCDateTime


class ImportPermit(Audited, SQLModel, table=True):
    __tablename__ = "import_permits"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60, unique=True)  # what a shipment's import_permit names
    holder: str = Field(max_length=200)  # the licensee (the importing hospital or its agent)
    issued: date
    expires: date  # the last day it is valid
    protocol_number: str = Field(max_length=60)  # the trial's protocol the permit is for
    notes: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class ImportPermitItem(Audited, SQLModel, table=True):
    __tablename__ = "import_permit_items"
    __table_args__ = (UniqueConstraint("permit_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="import_permits.id", index=True)
    item_id: int = Field(foreign_key="items.id", index=True)
