"""What the tables share: the time columns and the mark of a GxP record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlmodel import Field

from logistics.db.types import UTCDateTime


def utc_now() -> datetime:
    return datetime.now(UTC)


def time_field(*, nullable: bool = True, index: bool = False) -> datetime | None:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Audited:
    """Marks a table as a GxP record; `__audit_redact__` names columns never copied into the trail."""

    __audited__: ClassVar[bool] = True
    __audit_redact__: ClassVar[frozenset[str]] = frozenset()
