"""Ingest throughput, as ratios against baselines measured in the same run (SPEC §4, issue: ingest).

(a) one reading per message: `logistics ingest` (store, commit, then acknowledge) draining a queue of
    QoS 1 messages vs a raw paho subscriber that only counts them.           target >= 0.8x
(b) 100 readings per message: readings persisted per second by the ingest vs raw sqlite3.executemany of
    the same rows, committed as often as the ingest committed.                             target >= 0.5x
Both also report the loss count (published minus stored), which must be 0.

Run: .venv/bin/python bench/ingest.py [--messages 20000] [--batched 500] [--inflight 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._broker import BenchBroker  # noqa: E402
from logistics.app import build_runtime, open_telemetry_store  # noqa: E402
from logistics.db import migrate  # noqa: E402
from logistics.db.engine import unit_of_work  # noqa: E402
from logistics.db.models import Logger  # noqa: E402
from logistics.services.telemetry import READING_COLUMNS  # noqa: E402
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


def drain_ingest(broker: BenchBroker, database: Path, expected_readings: int,
                 client_id: str, batch: int) -> tuple[float, int, float]:
    """Seconds for the tracker's ingest to store every queued reading; how many it stored; and the
    mean number of messages it stored per transaction."""
    settings = load_settings(environ={}, overrides={
        "database_url": f"sqlite:///{database}", "secret_key": "bench", "log_level": "WARNING"})
    runtime = build_runtime(settings)
    migrate.upgrade(runtime.engine)
    with unit_of_work(runtime.sessions, actor="bench") as session:
        session.add(Logger(code="LG-BENCH", serial="BENCH"))
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
    with runtime.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT count(*) FROM readings").scalar() or 0
    runtime.close()
    return elapsed, int(stored), ingest.counters.messages / max(ingest.counters.transactions, 1)


def raw_executemany(database: Path, messages: list[bytes], per_transaction: int) -> float:
    """Seconds for sqlite3.executemany of the same rows into the same table, same transaction size.

    The table is the tracker's own (migrated schema, same indexes); the rows are the tuples the
    tracker would insert, prepared before the clock starts: this is the database's own speed.
    """
    runtime = build_runtime(load_settings(environ={}, overrides={
        "database_url": f"sqlite:///{database}", "secret_key": "bench", "log_level": "WARNING"}))
    migrate.upgrade(runtime.engine)
    runtime.close()
    connection = sqlite3.connect(database)
    connection.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    connection.execute("INSERT INTO loggers (code, serial, status) VALUES ('LG-BENCH', 'B', 'active')")
    connection.commit()
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    now = datetime.now(UTC).strftime(stamp)
    rows = [[(1, datetime.fromtimestamp(r["ts"], UTC).strftime(stamp), now, r["temp"], None, None, None,
              None, None, None, "mqtt", False) for r in json.loads(payload)["readings"]]
            for payload in messages]
    sql = (f"INSERT INTO readings ({', '.join(READING_COLUMNS)}) VALUES ({', '.join('?' * 12)}) "
           "ON CONFLICT (logger_id, device_time) DO NOTHING")
    began = time.perf_counter()
    for index, message_rows in enumerate(rows, start=1):
        connection.executemany(sql, message_rows)
        if index % per_transaction == 0:
            connection.commit()
    connection.commit()
    elapsed = time.perf_counter() - began
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="messages of one reading, for (a)")
    parser.add_argument("--batched", type=int, default=500, help="messages of 100 readings, for (b)")
    parser.add_argument("--inflight", type=int, default=20, help="broker max_inflight_messages (default 20)")
    parser.add_argument("--batch", type=int, help="ingest_batch_size (default: the ingest's default)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="baseline and ingest measured alternately this many times; the median counts")
    args = parser.parse_args()
    broker = BenchBroker(inflight=args.inflight)
    batch = args.batch or IngestOptions().batch_size
    print(f"broker max_inflight_messages {args.inflight}, ingest_batch_size {batch}, {args.rounds} rounds")
    try:
        with tempfile.TemporaryDirectory() as folder:
            single = [run_single(broker, Path(folder) / f"a{n}", args.messages, batch)
                      for n in range(args.rounds)]
            report("(a) 1 reading/message: ingest vs raw subscriber", single, target=">= 0.8")
            batched = [run_batched(broker, Path(folder) / f"b{n}", args.batched, batch)
                       for n in range(args.rounds)]
            report("(b) 100 readings/message: ingest vs raw executemany", batched, target=">= 0.5")
    finally:
        broker.close()


def report(title: str, rounds: list[tuple[float, int]], target: str) -> None:
    ratios = sorted(ratio for ratio, _ in rounds)
    print(f"{title}: median ratio {statistics.median(ratios):.2f} (target {target}; rounds "
          f"{', '.join(f'{ratio:.2f}' for ratio in ratios)}); lost {sum(lost for _, lost in rounds)}")


def run_single(broker: BenchBroker, folder: Path, count: int, batch: int) -> tuple[float, int]:
    folder.mkdir()
    messages = payloads(count, 1)
    queue_for(broker, "raw", messages)
    raw_seconds = drain_raw(broker, count)
    queue_for(broker, "ingest", messages)
    ingest_seconds, stored, _ = drain_ingest(broker, folder / "single.db", count, "ingest", batch)
    raw_rate, ingest_rate = count / raw_seconds, stored / ingest_seconds
    print(f"  (a) {count} messages: raw subscriber {raw_rate:,.0f} msg/s, ingest {ingest_rate:,.0f} msg/s "
          f"-> {ingest_rate / raw_rate:.2f}; lost {count - stored}")
    return ingest_rate / raw_rate, count - stored


def run_batched(broker: BenchBroker, folder: Path, count: int, batch: int) -> tuple[float, int]:
    folder.mkdir()
    messages = payloads(count, 100)
    queue_for(broker, "ingest2", messages)
    ingest_seconds, stored, per_transaction = drain_ingest(broker, folder / "batched.db", count * 100,
                                                           "ingest2", batch)
    # The baseline commits as often as the ingest did: the same rows, the same transactions.
    raw_seconds = raw_executemany(folder / "raw.db", messages, per_transaction=round(per_transaction))
    raw_rate, ingest_rate = count * 100 / raw_seconds, stored / ingest_seconds
    print(f"  (b) {count * 100} readings, {per_transaction:.1f} messages per transaction: "
          f"raw executemany {raw_rate:,.0f} rows/s, "
          f"ingest {ingest_rate:,.0f} rows/s -> {ingest_rate / raw_rate:.2f}; lost {count * 100 - stored}")
    return ingest_rate / raw_rate, count * 100 - stored


if __name__ == "__main__":
    main()
