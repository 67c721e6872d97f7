"""Stores telemetry: readings and rejections of prepared messages, in one transaction (the Store of
sensors/intake.py).

The one writer path for readings, shared by MQTT and HTTP ingest. A batch of messages is one
transaction, so the caller can acknowledge every message of it once `store` has returned. Writers do
not take turns: on PostgreSQL the database stamps each reading with its transaction's id (`xid`), and
consumers read new readings by that below a watermark (logistics.db.reading_order).

Readings are nearly always new, so a batch's readings go in together, in a few INSERTs of many rows on
SQLite and one binary COPY on PostgreSQL, inside a savepoint; only when one of them is stored already (a
redelivery) is that undone and the batch written the careful way, which skips duplicates and counts them
per message. The pure work, decoding, checking and turning readings into column values, happens before
the transaction (`prepare`), in the writer's decoding thread.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from logistics.db.engine import begin_writing, is_outage
from logistics.db.models import Logger, Rejection
from logistics.db.types import driver_time
from logistics.schemas.loggers import RejectionPage, RejectionPublic
from logistics.services.paging import one_page
from sensors.intake import (
    IncomingMessage,
    Prepared,
    RejectedMessage,
    StoreResult,
    first_line,
    prepare,
    reject,
    rejection,
)
from sensors.readings import ReadingFields
from sensors.topics import MessageKind
from sensors.validate import DEFAULT_MAX_SHOCK_G

log = logging.getLogger(__name__)
PREVIEW_BYTES = 2000
# Every reading of a message shares these columns, known once its logger is found in the transaction ...
MESSAGE_COLUMNS = ("logger_id", "received_at", "source")
# ... and has its own values of these, in ReadingFields' order, worked out before the transaction.
VALUE_COLUMNS = ("device_time", "temperature_c", "shock_g", "humidity", "battery", "latitude", "longitude",
                 "seq", "time_flagged", "light_lux", "door_open")
READING_COLUMNS = MESSAGE_COLUMNS + VALUE_COLUMNS
TIME_AT, TEMPERATURE_AT = VALUE_COLUMNS.index("device_time"), VALUE_COLUMNS.index("temperature_c")


@dataclass(slots=True)
class _Writing:
    """A message on its way into the database: decoded and checked, each valid reading's VALUE_COLUMNS as
    the driver takes them, and its logger once the transaction has found it."""

    prepared: Prepared
    values: list[tuple[Any, ...]] = field(default_factory=list)
    logger_id: int | None = None


class _Sender(NamedTuple):
    id: int
    retired: bool


class _Contact(NamedTuple):
    """A logger's latest contact in a batch, and its latest battery level."""

    seen: datetime
    battery: float | None


# How long the writer trusts what it read about a logger: retiring one takes effect within this.
LOGGER_CACHE_SECONDS = 30.0
SQLITE_ROWS_PER_INSERT = 1024  # the most rows one INSERT takes (a batch of ten native messages)
# With a duplicate in the batch, PostgreSQL takes its readings by COPY into this per-connection table,
# emptied at each commit; `ordinal` keeps the batch's order, so the first of two equal readings is the
# one stored. Made inside the transaction, so a rolled-back batch that made it leaves no half-made table.
STAGING_SQL = (
    "DO $$ BEGIN IF to_regclass('pg_temp.reading_batch') IS NULL THEN "
    "CREATE TEMPORARY TABLE reading_batch ON COMMIT DELETE ROWS AS "
    f"SELECT {', '.join(READING_COLUMNS)} FROM readings WITH NO DATA; "
    "ALTER TABLE reading_batch ADD COLUMN ordinal bigint GENERATED ALWAYS AS IDENTITY; "
    "END IF; END $$"
)
# Binary COPY: psycopg writes a row five times faster than as text (it must be told the columns' types).
COPY_SQL = f"COPY reading_batch ({', '.join(READING_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
# A batch without duplicates goes straight into the table (and any duplicate makes it fail).
DIRECT_COPY_SQL = f"COPY readings ({', '.join(READING_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
COLUMN_TYPES_SQL = ("SELECT attname, atttypid::int FROM pg_attribute "
                    "WHERE attrelid = 'readings'::regclass AND attnum > 0 AND NOT attisdropped")
# Stored readings per message (1-based by its first ordinal among `starts`, the batch positions where
# each message's rows begin): a reading repeated in the batch is stored from its first message only.
INSERT_STAGED_SQL = (
    "WITH batch AS (SELECT *, ordinal - min(ordinal) OVER () AS position FROM reading_batch), "
    f"stored AS (INSERT INTO readings ({', '.join(READING_COLUMNS)}) "
    f"SELECT {', '.join(READING_COLUMNS)} FROM batch ORDER BY position "
    "ON CONFLICT (logger_id, device_time) DO NOTHING RETURNING logger_id, device_time) "
    "SELECT width_bucket(first, %(starts)s::bigint[]), count(*) FROM ("
    "SELECT min(batch.position) AS first FROM stored JOIN batch USING (logger_id, device_time) "
    "GROUP BY logger_id, device_time) AS firsts GROUP BY 1"
)
class TelemetryStore:
    """Decodes and stores telemetry messages; keeps a cache of logger ids."""

    def __init__(self, engine: Engine, *, max_shock_g: float = DEFAULT_MAX_SHOCK_G,
                 logger_cache_s: float = LOGGER_CACHE_SECONDS) -> None:
        self._engine = engine
        self._max_shock_g = max_shock_g
        self._logger_cache_s = logger_cache_s
        self._loggers: dict[str, _Sender] = {}
        self._loggers_read_at = time.monotonic()
        dialect = engine.dialect
        self._time_to_db = driver_time(dialect)
        self._write_all = self._executemany if dialect.name == "sqlite" else self._copy
        self._sqlite_inserts: list[tuple[int, str]] | None = None  # from the first connection's limits
        self._copy_types: list[int] | None = None  # PostgreSQL's type of each of READING_COLUMNS
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        # The hot path speaks to the driver directly: SQLAlchemy's per-statement work costs more
        # than the insert itself.
        self._insert_sql = (
            f"INSERT INTO readings ({', '.join(READING_COLUMNS)}) "
            f"VALUES ({', '.join([marker] * len(READING_COLUMNS))}) "
            "ON CONFLICT (logger_id, device_time) DO NOTHING"
        )
        self._seen_sql = (
            f"UPDATE loggers SET last_seen_at = {marker}, battery = COALESCE({marker}, battery) "
            f"WHERE id = {marker} AND (last_seen_at IS NULL OR last_seen_at < {marker})"
        )
        # Only forwards (a backfill of older readings leaves it), and copied from the stored reading:
        # a reading dropped as a duplicate of one stored without a temperature is not named.
        self._latest_sql = (
            "UPDATE loggers SET (latest_at, latest_temperature_c) = (SELECT device_time, temperature_c "
            f"FROM readings WHERE logger_id = {marker} AND temperature_c IS NOT NULL "
            "ORDER BY device_time DESC LIMIT 1) "
            f"WHERE id = {marker} AND (latest_at IS NULL OR latest_at < {marker})"
        )

    def store(self, messages: Sequence[IncomingMessage]) -> list[StoreResult]:
        """Store a batch; raises (storing nothing more) only when the database cannot take changes.

        A message whose own bytes make decoding, checking or storing it fail becomes a rejection with
        the reason, and the others are stored: one bad message never holds the rest back.
        """
        # The pure work, before the transaction.
        return self.store_prepared([self.prepare(message) for message in messages])

    __call__ = store  # the Store of sensors/intake.py

    def prepare(self, message: IncomingMessage) -> _Writing:
        """The pure first step of `store`: the message decoded and validated, and its valid readings as the
        database takes them (safe in another thread: the writer's decoding thread runs it)."""
        prepared = prepare(message, max_shock_g=self._max_shock_g)
        return _Writing(prepared, self._values(prepared.valid, message))

    def store_prepared(self, writing: Sequence[_Writing]) -> list[StoreResult]:
        """The second step of `store`: write messages made by `prepare`, in one transaction."""
        return self._store_isolating(list(writing))

    def _store_isolating(self, writing: list[_Writing]) -> list[StoreResult]:
        """Store in one transaction; when that fails for a reason other than an outage, find the
        message at fault by storing halves (then single messages) and keep that one as a rejection."""
        try:
            return self._store_prepared(writing)
        except Exception as error:
            if is_outage(error) or not writing:
                raise
            if len(writing) > 1:
                half = len(writing) // 2
                return self._store_isolating(writing[:half]) + self._store_isolating(writing[half:])
            log.warning("a telemetry message could not be stored and is rejected: %s", error)
            return [self._store_refused(writing[0].prepared, error)]

    def _store_prepared(self, writing: list[_Writing]) -> list[StoreResult]:
        with self._engine.begin() as connection:
            begin_writing(connection)
            for item in writing:
                self._stage(connection, item)
            cursor = connection.connection.cursor()
            try:
                with_readings = [item for item in writing if item.values]
                if with_readings:  # a batch of status messages or rejections has none to write
                    self._write_all(cursor, with_readings)
                self._mark_seen(cursor, writing)
                self._mark_latest(cursor, writing)
            finally:
                cursor.close()
            rejected = [_rejection_row(rejection(item.prepared)) for item in writing
                        if item.prepared.result.problems]
            if rejected:
                connection.execute(insert(Rejection), rejected)
        return [item.prepared.result for item in writing]

    def _store_refused(self, prepared: Prepared, error: Exception) -> StoreResult:
        """Keep a message the database would not take as a rejection; raises if even that fails."""
        return self.refuse(prepared.message, f"the message could not be stored: {first_line(error)}",
                           readings=len(prepared.decoded.readings) if prepared.decoded else 0)

    def refuse(self, message: IncomingMessage, reason: str, *, readings: int = 1,
               payload_size: int | None = None) -> StoreResult:
        """Keep `message` as a rejection for `reason` alone, e.g. one refused before it was read whole
        (then `payload_size` is its real size, and the bytes kept are its first ones)."""
        refused = reject(Prepared(message), reason, readings)
        row = _rejection_row(rejection(refused))
        if payload_size is not None:
            row["payload_size"] = payload_size
        with self._engine.begin() as connection:
            begin_writing(connection)
            connection.execute(insert(Rejection), [row])
        return refused.result

    def _stage(self, connection: Connection, item: _Writing) -> None:
        """Find the message's logger; turn its valid readings into rows, or apply its status."""
        prepared = item.prepared
        if prepared.message.kind == MessageKind.STATUS:
            self._apply_status(connection, item)
            return
        if prepared.decoded is None:
            return
        item.logger_id = self._sender_id(connection, prepared)
        if item.logger_id is None:
            item.values = []

    def _apply_status(self, connection: Connection, item: _Writing) -> None:
        status = item.prepared.status
        if status is None:
            return  # rejected while decoding
        item.logger_id = self._sender_id(connection, item.prepared)
        if item.logger_id is None:
            return
        values = {name: value for name, value in (("online", status.online), ("battery", status.battery),
                                                  ("firmware", status.firmware)) if value is not None}
        if values:
            connection.execute(update(Logger).where(Logger.id == item.logger_id)  # type: ignore[arg-type]
                               .values(**values))

    def _values(self, valid: list[ReadingFields], message: IncomingMessage) -> list[tuple[Any, ...]]:
        """Each reading's VALUE_COLUMNS; a reading without time takes the receive time, flagged."""
        to_db = self._time_to_db
        received = to_db(message.received_at)
        # Unpacked by position: a named field read costs more than the row's other work.
        return [(received if moment is None else to_db(moment), temperature, shock, humidity, battery,
                 latitude, longitude, seq, flagged or moment is None, light, door)
                for (moment, temperature, shock, humidity, battery, latitude, longitude, seq, flagged, light,
                     door) in valid]

    def _shared(self, item: _Writing) -> tuple[Any, ...]:
        """The message's MESSAGE_COLUMNS."""
        message = item.prepared.message
        return item.logger_id, self._time_to_db(message.received_at), message.source

    def _executemany(self, cursor: Any, writing: list[_Writing]) -> None:
        """SQLite: the batch's readings in a few INSERTs of many rows; if one of them was there already (a
        redelivery), undo that and insert them message by message, each message's stored ones counted."""
        rows = [[shared + row for row in item.values] for item, shared in
                zip(writing, map(self._shared, writing), strict=True)]
        expected = sum(map(len, rows))
        cursor.execute("SAVEPOINT whole_batch")
        if self._insert_rows(cursor, list(chain.from_iterable(rows))) == expected:
            cursor.execute("RELEASE whole_batch")
            for item in writing:
                _count(item, len(item.values))
            return
        cursor.execute("ROLLBACK TO whole_batch")
        cursor.execute("RELEASE whole_batch")
        for item, message_rows in zip(writing, rows, strict=True):
            _count(item, self._insert_rows(cursor, message_rows))

    def _insert_rows(self, cursor: Any, rows: list[tuple[Any, ...]]) -> int:
        """Insert `rows` (conflicts skipped) by INSERTs of many rows, their sizes powers of two, so that a
        few statements, prepared once, take any number; how many were stored. sqlite3 binds a statement's
        rows in one call, SQLite inserts them in one step, and the GIL is let go once for the lot (the
        writer's decoding thread runs meanwhile)."""
        stored, start = 0, 0
        for size, sql in self._many_rows_inserts(cursor):
            while len(rows) - start >= size:
                cursor.execute(sql, list(chain.from_iterable(rows[start:start + size])))
                stored += max(cursor.rowcount, 0)
                start += size
        return stored

    def _many_rows_inserts(self, cursor: Any) -> list[tuple[int, str]]:
        """The INSERTs of many rows, largest first: 1024 rows down to one, fewer where SQLite takes fewer
        values in one statement (999 before SQLite 3.32)."""
        if self._sqlite_inserts is None:
            limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            largest = min(SQLITE_ROWS_PER_INSERT, limit // len(READING_COLUMNS))
            one_row = f"({', '.join(['?'] * len(READING_COLUMNS))})"
            sizes = [1 << power for power in reversed(range(largest.bit_length()))]
            self._sqlite_inserts = [(size, self._insert_sql.replace(
                f"VALUES {one_row}", "VALUES " + ", ".join([one_row] * size))) for size in sizes]
        return self._sqlite_inserts

    def _copy(self, cursor: Any, writing: list[_Writing]) -> None:
        """PostgreSQL: COPY the batch's readings into the table; if one of them is there already, undo
        that and take them through the staging table, which skips and counts duplicates."""
        cursor.execute("SAVEPOINT direct_copy")
        try:
            self._copy_rows(cursor, DIRECT_COPY_SQL, writing)
        except Exception as error:
            if getattr(error, "sqlstate", None) != UNIQUE_VIOLATION:
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT direct_copy")
            self._copy_staged(cursor, writing)
            return
        cursor.execute("RELEASE SAVEPOINT direct_copy")
        for item in writing:
            _count(item, len(item.values))

    def _copy_rows(self, cursor: Any, sql: str, writing: list[_Writing]) -> None:
        """COPY the rows of every message of the batch, in order, by `sql`."""
        if self._copy_types is None:
            types = dict(cursor.execute(COLUMN_TYPES_SQL).fetchall())
            self._copy_types = [types[column] for column in READING_COLUMNS]
        with cursor.copy(sql) as copy:
            copy.set_types(self._copy_types)
            write_row = copy.write_row
            for item in writing:
                shared = self._shared(item)
                for row in item.values:
                    write_row(shared + row)

    def _copy_staged(self, cursor: Any, writing: list[_Writing]) -> None:
        """COPY the readings into a staging table, then insert them in the batch's order with the
        conflict rule; counted per message in the database, as executemany would."""
        cursor.execute(STAGING_SQL)
        self._copy_rows(cursor, COPY_SQL, writing)
        starts, first = [], 0
        for item in writing:
            starts.append(first)
            first += len(item.values)
        accepted = dict(cursor.execute(INSERT_STAGED_SQL, {"starts": starts}).fetchall())
        for position, item in enumerate(writing, start=1):
            _count(item, accepted.get(position, 0))

    # The two below update each logger of the batch once, in one executemany (psycopg sends it as one
    # pipeline: a round trip per logger cost more than the batch's COPY), in id order, so that two
    # workers updating the same loggers lock them in the same order and never deadlock.
    def _mark_seen(self, cursor: Any, writing: list[_Writing]) -> None:
        """The latest contact of each logger of the batch, and its latest battery level."""
        latest: dict[int, _Contact] = {}
        for item in writing:
            if item.values and item.logger_id is not None:
                battery, earlier = item.prepared.last_battery, latest.get(item.logger_id)
                if battery is None and earlier is not None:
                    battery = earlier.battery
                latest[item.logger_id] = _Contact(item.prepared.message.received_at, battery)
        updates = []
        for logger_id in sorted(latest):
            stamp = self._time_to_db(latest[logger_id].seen)
            updates.append((stamp, latest[logger_id].battery, logger_id, stamp))
        cursor.executemany(self._seen_sql, updates)

    def _mark_latest(self, cursor: Any, writing: list[_Writing]) -> None:
        """Each logger's latest reading with a temperature, if the batch brought a newer one than the row
        names (times compare as stored: text on SQLite, of one form)."""
        newest: dict[int, Any] = {}
        for item in writing:
            if item.logger_id is None:
                continue
            times = [row[TIME_AT] for row in item.values if row[TEMPERATURE_AT] is not None]
            if times:
                found = max(times)
                if item.logger_id not in newest or newest[item.logger_id] < found:
                    newest[item.logger_id] = found
        cursor.executemany(self._latest_sql, [(logger_id, logger_id, newest[logger_id])
                                              for logger_id in sorted(newest)])

    def _sender_id(self, connection: Connection, prepared: Prepared) -> int | None:
        """The id of the logger the message came from, or None once the message is rejected for it."""
        code = prepared.message.logger_code
        sender = self._logger(connection, code)
        readings = len(prepared.decoded.readings) if prepared.decoded else 0
        if sender is None:
            reject(prepared, f"unknown logger {code!r}", readings)
        elif sender.retired:
            reject(prepared, f"logger {code} is retired: it may no longer send readings", readings)
        else:
            return sender.id
        prepared.valid = []
        return None

    def _logger(self, connection: Connection, code: str) -> _Sender | None:
        if time.monotonic() - self._loggers_read_at >= self._logger_cache_s:
            self._loggers.clear()  # a logger retired meanwhile is refused from now on
            self._loggers_read_at = time.monotonic()
        if code not in self._loggers:
            found = connection.execute(select(Logger.id, Logger.status).where(Logger.code == code)).first()
            if found is None:
                return None
            self._loggers[code] = _Sender(found.id, found.status == "retired")
        return self._loggers[code]


def _count(item: _Writing, accepted: int) -> None:
    result = item.prepared.result
    result.accepted = accepted
    result.duplicates = len(item.values) - accepted


def list_rejections(session: Session, *, page: int = 1, per_page: int = 25,
                    logger_code: str | None = None) -> RejectionPage:
    """Rejected telemetry, newest first."""
    query = select(Rejection)
    if logger_code:
        query = query.where(Rejection.logger_code == logger_code)
    rows, total = one_page(session, query.order_by(col(Rejection.id).desc()), page=page, per_page=per_page)
    items = [RejectionPublic(
        id=row.id, received_at=row.received_at, source=row.source, topic=row.topic,
        logger=row.logger_code, reason=row.reason, readings_rejected=row.readings_rejected,
        payload_size=row.payload_size,
        payload_preview=row.payload[:PREVIEW_BYTES].decode("utf-8", errors="replace"),
    ) for row in rows]
    return RejectionPage(items=items, page=page, per_page=per_page, total=total)


def _text(value: str | None, limit: int) -> str | None:
    """Text a database accepts whatever came in: PostgreSQL refuses NUL characters in text."""
    return None if value is None else value.replace("\x00", "\\x00")[:limit]


def _rejection_row(rejected: RejectedMessage) -> dict[str, Any]:
    """The rejection as a row of the rejections table, its text within the columns."""
    return rejected._asdict() | dict(topic=_text(rejected.topic, 300),
                                     logger_code=_text(rejected.logger_code, 64),
                                     reason=_text(rejected.reason, 4000))
