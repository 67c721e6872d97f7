"""Ingest throughput, as ratios against baselines measured in the same run (SPEC §4, issue: ingest).

(a) one reading per message: `logistics ingest` (store, commit, then acknowledge) draining a queue of
    QoS 1 messages vs a raw paho subscriber that only counts them.           target >= 0.8x
(b) 100 readings per message, on SQLite and on PostgreSQL: readings stored per second by the ingest vs
    bare writes of the same rows into the same table, committed as often as the ingest committed
    (sqlite3 executemany; PostgreSQL binary COPY)                                          target >= 0.8x
    and vs the database's own limit, one executemany of every row (200,000) in one transaction.
                                                                                           target >= 0.5x
All report the loss count (published minus stored), which must be 0.

Run: .venv/bin/python bench/ingest.py [--messages 20000] [--batched 2000] [--inflight 20] [--rounds 3]
     [--parts a,b] [--databases sqlite,postgresql] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._broker import BenchBroker  # noqa: E402
from logistics.app import build_runtime, open_telemetry_store  # noqa: E402
from logistics.db import migrate  # noqa: E402
from logistics.db.engine import unit_of_work  # noqa: E402
from logistics.db.models import Logger  # noqa: E402
from logistics.services.telemetry import COLUMN_TYPES_SQL, READING_COLUMNS  # noqa: E402
from logistics.settings import load_settings  # noqa: E402
from sensors.ingest import IngestOptions, MqttIngest  # noqa: E402
from sensors.topics import BrokerAddress  # noqa: E402

TOPIC = "coldchain/loggers/LG-BENCH/telemetry"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=6)


def payloads(messages: int, per_message: int) -> list[bytes]:
    out, second = [], 0
    for _ in range(messages):
        readings = []
        for _ in range(per_message):
            readings.append({"ts": int((START + timedelta(seconds=second)).timestamp()),
                             "temp": 5.0 + (second % 30) / 10})
            second += 1
        out.append(json.dumps(readings[0] if per_message == 1 else {"readings": readings}).encode())
    return out


def session_client(broker: BenchBroker, client_id: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.connect(broker.host, broker.port)
    return client


def queue_for(broker: BenchBroker, client_id: str, messages: list[bytes]) -> None:
    """Create the subscriber's persistent session, then fill its queue while it is away."""
    subscriber = session_client(broker, client_id)
    subscriber.loop_start()
    subscriber.subscribe(TOPIC, qos=1)
    time.sleep(0.3)
    subscriber.disconnect()
    subscriber.loop_stop()
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{client_id}")
    publisher.max_inflight_messages_set(200)
    publisher.connect(broker.host, broker.port)
    publisher.loop_start()
    infos = [publisher.publish(TOPIC, payload, qos=1) for payload in messages]
    for info in infos:
        info.wait_for_publish(30)
    publisher.disconnect()
    publisher.loop_stop()


def drain_raw(broker: BenchBroker, count: int) -> float:
    """Seconds for a bare paho subscriber (auto-acknowledging) to receive `count` queued messages."""
    received, done = [0], threading.Event()

    def on_message(_client, _userdata, _message) -> None:
        received[0] += 1
        if received[0] >= count:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="raw", clean_session=False)
    client.on_message = on_message
    began = time.perf_counter()
    client.connect(broker.host, broker.port)
    client.loop_start()
    done.wait(600)
    elapsed = time.perf_counter() - began
    client.disconnect()
    client.loop_stop()
    return elapsed


def drain_ingest(broker: BenchBroker, database_url: str, expected_readings: int,
                 client_id: str, batch: int) -> tuple[float, int, float]:
    """Seconds for the tracker's ingest to store every queued reading; how many it stored; and the
    mean number of messages it stored per transaction."""
    settings = load_settings(environ={}, overrides={
        "database_url": database_url, "secret_key": "bench", "log_level": "WARNING"})
    ingest = MqttIngest(broker=BrokerAddress(broker.host, broker.port, None, None, False),
                        open_store=partial(open_telemetry_store, settings),
                        options=IngestOptions(client_id=client_id, batch_size=batch))
    stop = threading.Event()
    thread = threading.Thread(target=ingest.run, args=(stop,))
    thread.start()
    ingest.connecting.wait(120)  # from the connect call, as for the raw subscriber
    began = time.perf_counter()
    while ingest.counters.readings_stored < expected_readings and time.perf_counter() - began < 600:
        time.sleep(0.002)
    elapsed = time.perf_counter() - began
    stop.set()
    thread.join(30)
    runtime = build_runtime(settings)
    with runtime.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT count(*) FROM readings").scalar() or 0
    runtime.close()
    return elapsed, int(stored), ingest.counters.messages / max(ingest.counters.transactions, 1)


class Database:
    """Where a round writes: a fresh SQLite file, or a fresh PostgreSQL database of the bench's own."""

    def __init__(self, kind: str, folder: Path, admin_url: str) -> None:
        self.kind, self._folder, self._admin_url = kind, folder, admin_url

    @contextmanager
    def fresh(self, name: str) -> Iterator[tuple[str, int]]:
        """A migrated database holding the bench logger: its URL and the logger's id."""
        if self.kind == "sqlite":
            url = f"sqlite:///{self._folder / name}.db"
        else:
            name = f"bench_ingest_{os.getpid()}_{name}"
            self._admin(f'CREATE DATABASE "{name}"')
            server = re.sub(r"^postgresql:", "postgresql+psycopg:", self._admin_url).rsplit("/", 1)[0]
            url = f"{server}/{name}"
        runtime = build_runtime(load_settings(environ={}, overrides={
            "database_url": url, "secret_key": "bench", "log_level": "WARNING"}))
        migrate.upgrade(runtime.engine)
        with unit_of_work(runtime.sessions, actor="bench") as session:
            session.add(Logger(code="LG-BENCH", serial="BENCH"))
        with runtime.engine.connect() as connection:
            logger_id = connection.exec_driver_sql("SELECT id FROM loggers WHERE code = 'LG-BENCH'").scalar()
        runtime.close()
        try:
            yield url, int(logger_id or 0)
        finally:
            if self.kind == "postgresql":
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self._admin_url, autocommit=True) as admin:
            admin.execute(sql)

    def rows(self, logger_id: int, messages: list[bytes]) -> list[list[tuple[Any, ...]]]:
        """The rows the tracker would insert for each message, as this database's driver takes them."""
        def time(moment: datetime) -> Any:
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self.kind == "sqlite" else moment

        received = time(datetime.now(UTC))

        def row(reading: dict[str, Any]) -> tuple[Any, ...]:
            values = {"logger_id": logger_id, "received_at": received, "source": "mqtt",
                      "time_flagged": False, "device_time": time(datetime.fromtimestamp(reading["ts"], UTC)),
                      "temperature_c": reading["temp"]}
            return tuple(values.get(column) for column in READING_COLUMNS)
        return [[row(reading) for reading in json.loads(payload)["readings"]] for payload in messages]

    def bare_by_transaction(self, url: str, rows: list[list[tuple[Any, ...]]], per_transaction: int) -> float:
        """Seconds to write the rows a message at a time, committing every `per_transaction` messages:
        executemany on SQLite, binary COPY on PostgreSQL (each database's fastest bare way in)."""
        if self.kind == "sqlite":
            connection = _sqlite(url)
            began = time.perf_counter()
            for index, message_rows in enumerate(rows, start=1):
                connection.executemany(_insert_sql("?"), message_rows)
                if index % per_transaction == 0:
                    connection.commit()
            connection.commit()
            elapsed = time.perf_counter() - began
            connection.close()
            return elapsed
        with psycopg.connect(_driver_url(url)) as pg:
            types = dict(pg.execute(COLUMN_TYPES_SQL).fetchall())
            began = time.perf_counter()
            with pg.cursor() as cursor:
                for start in range(0, len(rows), per_transaction):
                    with cursor.copy(f"COPY readings ({', '.join(READING_COLUMNS)}) FROM STDIN "
                                     "(FORMAT BINARY)") as copy:
                        copy.set_types([types[column] for column in READING_COLUMNS])
                        for message_rows in rows[start:start + per_transaction]:
                            for row in message_rows:
                                copy.write_row(row)
                    pg.commit()
            return time.perf_counter() - began

    def bare_one_transaction(self, url: str, rows: list[list[tuple[Any, ...]]]) -> float:
        """Seconds for one executemany of every row in one transaction: the database's own limit."""
        flat = [row for message_rows in rows for row in message_rows]
        if self.kind == "sqlite":
            connection = _sqlite(url)
            began = time.perf_counter()
            connection.executemany(_insert_sql("?"), flat)
            connection.commit()
            elapsed = time.perf_counter() - began
            connection.close()
            return elapsed
        with psycopg.connect(_driver_url(url)) as pg:
            began = time.perf_counter()
            with pg.cursor() as cursor:
                cursor.executemany(_insert_sql("%s"), flat)
            pg.commit()
            return time.perf_counter() - began


def _insert_sql(marker: str) -> str:
    return (f"INSERT INTO readings ({', '.join(READING_COLUMNS)}) "
            f"VALUES ({', '.join([marker] * len(READING_COLUMNS))}) "
            "ON CONFLICT (logger_id, device_time) DO NOTHING")


def _sqlite(url: str) -> sqlite3.Connection:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    connection.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    return connection


def _driver_url(url: str) -> str:
    return url.replace("postgresql+psycopg:", "postgresql:")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="messages of one reading, for (a)")
    parser.add_argument("--batched", type=int, default=2_000, help="messages of 100 readings, for (b)")
    parser.add_argument("--inflight", type=int, default=20, help="broker max_inflight_messages (default 20)")
    parser.add_argument("--batch", type=int, help="ingest_batch_size (default: the ingest's default)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="baselines and ingest measured alternately this many times; the median counts")
    parser.add_argument("--parts", default="a,b", help="which measures to run (default a,b)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="for (b) (default sqlite,postgresql)")
    parser.add_argument("--admin-url", default=os.environ.get(
        "LOGISTICS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL role that may create (and drop) the bench's own databases")
    args = parser.parse_args()
    broker = BenchBroker(inflight=args.inflight)
    batch = args.batch or IngestOptions().batch_size
    print(f"broker max_inflight_messages {args.inflight}, ingest_batch_size {batch}, {args.rounds} rounds")
    try:
        with tempfile.TemporaryDirectory() as folder:
            if "a" in args.parts:
                single = [run_single(broker, Database("sqlite", Path(folder), ""), n, args.messages, batch)
                          for n in range(args.rounds)]
                report("(a) 1 reading/message: ingest vs raw subscriber", single, target=">= 0.8")
            for kind in args.databases.split(",") if "b" in args.parts else ():
                database = Database(kind, Path(folder), args.admin_url)
                rounds = [run_batched(broker, database, n, args.batched, batch) for n in range(args.rounds)]
                bare = "COPY" if kind == "postgresql" else "executemany"
                report(f"(b) {kind}: ingest vs bare {bare} committed as often",
                       [(r.by_transaction, r.lost) for r in rounds], target=">= 0.8")
                report(f"(b) {kind}: ingest vs bare executemany in one transaction",
                       [(r.one_transaction, r.lost) for r in rounds], target=">= 0.5")
    finally:
        broker.close()


def report(title: str, rounds: list[tuple[float, int]], target: str) -> None:
    ratios = sorted(ratio for ratio, _ in rounds)
    print(f"{title}: median ratio {statistics.median(ratios):.2f} (target {target}; rounds "
          f"{', '.join(f'{ratio:.2f}' for ratio in ratios)}); lost {sum(lost for _, lost in rounds)}")


def run_single(broker: BenchBroker, database: Database, round_: int, count: int,
               batch: int) -> tuple[float, int]:
    messages = payloads(count, 1)
    queue_for(broker, "raw", messages)
    raw_seconds = drain_raw(broker, count)
    queue_for(broker, "ingest", messages)
    with database.fresh(f"a{round_}") as (url, _):
        ingest_seconds, stored, _ = drain_ingest(broker, url, count, "ingest", batch)
    raw_rate, ingest_rate = count / raw_seconds, stored / ingest_seconds
    print(f"  (a) {count} messages: raw subscriber {raw_rate:,.0f} msg/s, ingest {ingest_rate:,.0f} msg/s "
          f"-> {ingest_rate / raw_rate:.2f}; lost {count - stored}")
    return ingest_rate / raw_rate, count - stored


class BatchedRound(NamedTuple):
    by_transaction: float  # the ingest's rate over bare writes committed as often
    one_transaction: float  # the ingest's rate over one executemany of every row in one transaction
    lost: int


def run_batched(broker: BenchBroker, database: Database, round_: int, count: int, batch: int) -> BatchedRound:
    messages = payloads(count, 100)
    readings = count * 100
    client_id = f"ingest-{database.kind}"
    queue_for(broker, client_id, messages)
    with database.fresh(f"b{round_}") as (url, _):
        ingest_seconds, stored, per_transaction = drain_ingest(broker, url, readings, client_id, batch)
    # The baselines write the same rows into the same (migrated, indexed) table, prepared before the
    # clock starts: one commits as often as the ingest did, the other once.
    with database.fresh(f"c{round_}") as (url, logger_id):
        bare_seconds = database.bare_by_transaction(url, database.rows(logger_id, messages),
                                                    per_transaction=max(round(per_transaction), 1))
    with database.fresh(f"d{round_}") as (url, logger_id):
        limit_seconds = database.bare_one_transaction(url, database.rows(logger_id, messages))
    ingest_rate, bare_rate = stored / ingest_seconds, readings / bare_seconds
    limit_rate = readings / limit_seconds
    print(f"  (b) {database.kind}, {readings} readings, {per_transaction:.1f} messages per transaction: "
          f"ingest {ingest_rate:,.0f} readings/s; bare {bare_rate:,.0f} rows/s "
          f"-> {ingest_rate / bare_rate:.2f}; one transaction {limit_rate:,.0f} rows/s "
          f"-> {ingest_rate / limit_rate:.2f}; lost {readings - stored}")
    return BatchedRound(ingest_rate / bare_rate, ingest_rate / limit_rate, readings - stored)


if __name__ == "__main__":
    main()
