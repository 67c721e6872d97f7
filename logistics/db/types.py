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
    return lambda moment: None if moment is None else sqlite_time_text(moment)


# Hours already written out, and every "MM:SS" of an hour: a time's text is then two look-ups, where
# datetime.isoformat asks the zone for its offset each time and costs three times as much.
_HOURS_KEPT = 10_000
_hour_texts: dict[tuple[int, int, int, int], str] = {}
_MINUTES_SECONDS = tuple(f"{minute:02d}:{second:02d}" for minute in range(60) for second in range(60))


def sqlite_time_text(moment: datetime) -> str:
    """The text SQLAlchemy stores on SQLite for an aware time: its UTC wall time, six fractional digits
    ("2026-12-07 08:05:09.000000"), the same as `moment.astimezone(UTC).isoformat(" ", "microseconds")`
    without the offset. The hot path of the SQLite ingest."""
    if moment.tzinfo is not UTC:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise NaiveDatetimeError(f"naive datetime {moment.isoformat()} has no time zone")
        moment = moment.astimezone(UTC)
    hour = moment.year, moment.month, moment.day, moment.hour
    text = _hour_texts.get(hour)
    if text is None:
        if len(_hour_texts) >= _HOURS_KEPT:
            _hour_texts.clear()
        text = _hour_texts[hour] = f"{hour[0]:04d}-{hour[1]:02d}-{hour[2]:02d} {hour[3]:02d}:"
    fraction = moment.microsecond
    return (text + _MINUTES_SECONDS[moment.minute * 60 + moment.second]
            + (f".{fraction:06d}" if fraction else ".000000"))


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
