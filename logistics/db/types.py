"""Column types that keep every stored time in UTC and refuse naive datetimes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached the database."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC, always read back as aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is not UTC:  # the common case, UTC already, skips the conversion
            if value.tzinfo is None or value.utcoffset() is None:
                raise NaiveDatetimeError(f"naive datetime {value.isoformat()} has no time zone")
            value = value.astimezone(UTC)
        # SQLite has no zone-aware type: store the UTC wall time, re-attach UTC on reading.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def driver_time(dialect: Dialect) -> Callable[[datetime | None], Any]:
    """A UTC time as the database driver takes it, stored exactly as UTCDateTime stores it, for the few
    hot paths that hand rows to the driver directly (SQLAlchemy's per-value work costs more than the
    insert). SQLite gets SQLAlchemy's own text, always with six fractional digits."""
    if dialect.name != "sqlite":
        return lambda moment: moment

    def as_text(moment: datetime | None) -> str | None:
        if moment is None:
            return None
        if moment.tzinfo is not UTC:
            moment = moment.astimezone(UTC)
        return moment.isoformat(" ", "microseconds")[:26]  # without the "+00:00"
    return as_text


class InsertingTransaction(FunctionElement[int]):
    """The server default of `readings.xid`: the inserting transaction's 64-bit id on PostgreSQL (epoch and
    xid: it never wraps), 0 on SQLite, where reading ids alone give the order (logistics.db.reading_order)."""

    type = BigInteger()
    inherit_cache = True


@compiles(InsertingTransaction)
def _no_transaction_id(_element: InsertingTransaction, _compiler: Any, **_kw: Any) -> str:
    return "0"


@compiles(InsertingTransaction, "postgresql")
def _transaction_id(_element: InsertingTransaction, _compiler: Any, **_kw: Any) -> str:
    return "(pg_current_xact_id()::text::bigint)"
