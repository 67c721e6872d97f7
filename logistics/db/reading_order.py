"""The order in which consumers read new readings, and how far they may read (the watermark).

Excursion scans, chart rollups and the geofence each keep a position: "every reading up to here is done".
On SQLite one writer at a time (BEGIN IMMEDIATE) makes reading ids visible in the order they were drawn,
so a reading's position is its id. On PostgreSQL, writers commit in any order: id 101 can be visible while
id 100 is still being inserted. There a reading's position is (xid, id), the 64-bit id of the transaction
that inserted it first, and a consumer reads only positions whose xid is below the watermark: the xmin of
its snapshot, below which every transaction has finished, so no reading will ever appear there again.

The watermark counts only the transactions of this database: every xid the snapshot saw running that a
backend connected here still holds (read after the snapshot, so none that began before it is missed).
Other databases of the cluster cannot insert readings here, so their long transactions (a report, a
restore) do not hold it back. A long transaction in this database does: consumers lag, nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, tuple_
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from logistics.db.models import Reading

# Read before the transaction writes: its own xid would hold the watermark back.
SNAPSHOT_SQL = "SELECT pg_stat_clear_snapshot(), pg_current_snapshot()::text"
# The oldest xid the snapshot saw running that a backend of this database still holds (pg_stat_activity
# shows 32-bit xids: matched modulo 2**32, exact within the snapshot's window), or a prepared transaction
# here (held by no backend until it is committed); else the snapshot's xmax. Every role sees backend_xid.
WATERMARK_SQL = (
    "SELECT coalesce(min(running::text::bigint), pg_snapshot_xmax(%(snapshot)s::pg_snapshot)::text::bigint) "
    "FROM pg_snapshot_xip(%(snapshot)s::pg_snapshot) AS running "
    "WHERE running::text::bigint %% 4294967296 IN (SELECT backend_xid::text::bigint FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_xid IS NOT NULL "
    "UNION ALL SELECT transaction::text::bigint FROM pg_prepared_xacts WHERE database = current_database())"
)


class Position(NamedTuple):
    """How far a consumer has read: (xid, id) of the last reading it processed; xid is 0 on SQLite and for
    readings stored before positions had an xid (all long committed)."""

    xid: int
    reading_id: int


START = Position(0, 0)


@dataclass(frozen=True)
class ReadingFeed:
    """How one transaction reads readings past a position: by (xid, id) on PostgreSQL, below the watermark
    when it has one; by id alone on SQLite (so its queries, and their plans, stay those of plain ids)."""

    by_xid: bool
    watermark: int | None = None  # None: no limit (SQLite, or a reader of everything visible)


def open_feed(session: Session, *, settled: bool = True) -> ReadingFeed:
    """The feed for this transaction. `settled` (a consumer that moves a position) reads the watermark:
    call it before the transaction writes anything. Without it, every visible reading (what charts show)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return ReadingFeed(by_xid=False)
    if not settled:
        return ReadingFeed(by_xid=True)
    return ReadingFeed(by_xid=True, watermark=watermark(connection))


def watermark(connection: Connection) -> int:
    """Every transaction of this database with an xid below it has finished (PostgreSQL)."""
    snapshot = connection.exec_driver_sql(SNAPSHOT_SQL).one()[1]
    return int(connection.exec_driver_sql(WATERMARK_SQL, {"snapshot": snapshot}).scalar_one())


def past(feed: ReadingFeed, xid: Any, reading_id: Any) -> ColumnElement[bool]:
    """Readings after the position (xid, reading_id), values or columns, and below the feed's watermark:
    those no later commit can precede."""
    if not feed.by_xid:
        return col(Reading.id) > reading_id
    after = tuple_(col(Reading.xid), col(Reading.id)) > tuple_(xid, reading_id)
    return after if feed.watermark is None else and_(after, col(Reading.xid) < feed.watermark)


def up_to(feed: ReadingFeed, position: Position) -> ColumnElement[bool]:
    """Readings at or before `position`."""
    if not feed.by_xid:
        return col(Reading.id) <= position.reading_id
    return tuple_(col(Reading.xid), col(Reading.id)) <= tuple_(position.xid, position.reading_id)


def in_order(feed: ReadingFeed) -> list[Any]:
    """ORDER BY terms of the position."""
    return [col(Reading.xid), col(Reading.id)] if feed.by_xid else [col(Reading.id)]


def newest(feed: ReadingFeed) -> ColumnElement[Any]:
    """An aggregate of the greatest position in a group; read it back with `position_of`."""
    if feed.by_xid:
        return func.max(array([col(Reading.xid), col(Reading.id)]))  # arrays compare element by element
    return func.max(Reading.id)


def position_of(feed: ReadingFeed, value: Any) -> Position:
    """The Position of a `newest` aggregate's value."""
    if feed.by_xid:
        return Position(int(value[0]), int(value[1]))
    return Position(0, int(value))


def row_position(feed: ReadingFeed, xid: int | None, reading_id: int) -> Position:
    """The position of a reading read with its xid and id."""
    return Position(int(xid or 0) if feed.by_xid else 0, int(reading_id))
