"""Scale-out: ingest throughput with one and with two `logistics ingest` workers (issue: scale-out).

The topology of docs/deploy.md: PostgreSQL as the database, the workers on one shared subscription
(`$share/ingest/...`) on Mosquitto, each the real command in a process of its own. A publisher pushes one
reading per message (as loggers do) while the workers run; throughput is readings stored per second, from
the first publish to the last reading stored. The baseline is one worker, measured in the same run,
alternating with two; the figure is two workers' throughput over one's. Also printed: the publisher's own
rate (the ceiling either can reach), each worker's share, and the loss count (published minus stored),
which must be 0.

Run: .venv/bin/python bench/scale.py [--messages 20000] [--loggers 20] [--rounds 3]
     [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._broker import BenchBroker  # noqa: E402
from logistics.app import build_runtime  # noqa: E402
from logistics.db import migrate  # noqa: E402
from logistics.db.engine import unit_of_work  # noqa: E402
from logistics.db.models import Logger  # noqa: E402
from logistics.settings import load_settings  # noqa: E402

SHARE = re.compile(r"ingest stopped: (\d+) messages acknowledged, (\d+) readings stored")
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=6)


def payloads(messages: int, loggers: int) -> list[tuple[str, bytes]]:
    """One reading per message, the loggers taking turns, a second apart on each logger's clock."""
    return [(f"coldchain/loggers/{logger_code(n % loggers)}/telemetry",
             json.dumps({"ts": int((START + timedelta(seconds=n // loggers)).timestamp()),
                         "temp": 5.0 + (n % 30) / 10}).encode()) for n in range(messages)]


def logger_code(index: int) -> str:
    return f"LG-B{index:03d}"


@contextmanager
def fresh_database(admin_url: str, name: str, loggers: int) -> Iterator[str]:
    """A new PostgreSQL database at the current schema with the bench's loggers; dropped afterwards."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{re.sub(r'^postgresql:', 'postgresql+psycopg:', admin_url).rsplit('/', 1)[0]}/{name}"
    runtime = build_runtime(load_settings(environ={}, overrides={
        "database_url": url, "secret_key": "bench", "log_level": "WARNING"}))
    try:
        migrate.upgrade(runtime.engine)
        with unit_of_work(runtime.sessions, actor="bench") as session:
            session.add_all(Logger(code=logger_code(n), serial=f"BENCH-{n}") for n in range(loggers))
    finally:
        runtime.close()
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stored(counter: psycopg.Connection) -> int:
    row = counter.execute("SELECT count(*) FROM readings").fetchone()
    return int(row[0]) if row else 0


@contextmanager
def workers(count: int, database_url: str, broker: BenchBroker, folder: Path) -> Iterator[list[Path]]:
    """`count` real `logistics ingest` processes on one shared subscription; SIGTERM at the end."""
    command = shutil.which("logistics", path=str(Path(sys.executable).parent))
    argv = [command] if command else [sys.executable, "-m", "logistics"]
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ |= {"LOGISTICS_DATABASE_URL": database_url, "LOGISTICS_SECRET_KEY": "bench",
                "LOGISTICS_MQTT_URL": f"mqtt://{broker.host}:{broker.port}",
                "LOGISTICS_INGEST_SHARED_GROUP": "ingest", "LOGISTICS_LOG_LEVEL": "INFO"}
    logs = [folder / f"ingest-{n}.log" for n in range(1, count + 1)]
    processes = []
    for n, log in enumerate(logs, start=1):
        client = {"LOGISTICS_INGEST_CLIENT_ID": f"bench-ingest-{n}"}
        with log.open("wb") as out:
            processes.append(subprocess.Popen([*argv, "ingest"], cwd=folder, stdout=out,
                                              stderr=subprocess.STDOUT, env=environ | client))
    try:
        deadline = time.monotonic() + 60
        while not all("ingest connected" in log.read_text() for log in logs):
            if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
                raise SystemExit("an ingest worker did not connect:\n" +
                                 "\n".join(log.read_text()[-1500:] for log in logs))
            time.sleep(0.05)
        yield logs
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(60)


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat (Linux)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def publish(broker: BenchBroker, messages: list[tuple[str, bytes]]) -> float:
    """Publish at QoS 1 as fast as the broker acknowledges; seconds until the last PUBACK."""
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{time.monotonic_ns()}")
    publisher.max_inflight_messages_set(500)
    publisher.max_queued_messages_set(0)
    publisher.connect(broker.host, broker.port)
    publisher.loop_start()
    began = time.perf_counter()
    infos = [publisher.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(120)
    elapsed = time.perf_counter() - began
    publisher.disconnect()
    publisher.loop_stop()
    return elapsed


def measure(worker_count: int, args: argparse.Namespace, folder: Path,
            messages: list[tuple[str, bytes]]) -> Run:
    name = f"bench_scale_{os.getpid()}_{worker_count}"
    # A broker of its own: a worker's persistent session outlives it and keeps taking its share of the
    # shared subscription, so one worker after two on the same broker would wait for an absent peer.
    broker = BenchBroker(inflight=args.inflight)
    with closing(broker), fresh_database(args.admin_url, name, args.loggers) as url:
        # One connection for every count: a new one per poll would fork a PostgreSQL backend 20 times
        # a second on the machine being measured.
        with psycopg.connect(f"{args.admin_url.rsplit('/', 1)[0]}/{name}", autocommit=True) as counter:
            with workers(worker_count, url, broker, folder) as logs:
                busy_before, total_before = cpu_ticks()
                began = time.perf_counter()
                published_in = publish(broker, messages)
                deadline = time.monotonic() + 600
                while stored(counter) < len(messages) and time.monotonic() < deadline:
                    time.sleep(0.05)
                elapsed = time.perf_counter() - began
                busy_after, total_after = cpu_ticks()
            count = stored(counter)
        shares = [int(match.group(2)) for log in logs if (match := SHARE.search(log.read_text()))]
    return Run(count / elapsed, len(messages) / published_in, shares, len(messages) - count,
               (busy_after - busy_before) / max(total_after - total_before, 1))


class Run(NamedTuple):
    readings_per_s: float
    published_per_s: float  # the publisher's own rate: the ceiling either topology could reach
    shares: list[int]  # readings each worker says it stored
    lost: int
    cpu_busy: float  # of the whole machine, 0..1, while the run lasted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="messages of one reading per run")
    parser.add_argument("--loggers", type=int, default=20, help="loggers the messages are spread over")
    parser.add_argument("--inflight", type=int, default=100,
                        help="broker max_inflight_messages (default 100, as broker-config writes)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="one and two workers measured alternately this many times; the median counts")
    parser.add_argument("--admin-url", default=os.environ.get(
        "LOGISTICS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL role that may create databases")
    args = parser.parse_args()
    messages = payloads(args.messages, args.loggers)
    print(f"{args.messages} messages over {args.loggers} loggers, PostgreSQL, broker max_inflight_messages "
          f"{args.inflight}, {args.rounds} rounds")
    ratios, lost = [], 0
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds):
            rates = {}
            for worker_count in (1, 2):
                run_folder = Path(folder) / f"r{round_number}w{worker_count}"
                run_folder.mkdir()
                run = measure(worker_count, args, run_folder, messages)
                rates[worker_count], lost = run.readings_per_s, lost + run.lost
                print(f"  round {round_number + 1}, {worker_count} worker(s): {run.readings_per_s:,.0f} "
                      f"readings/s (publisher {run.published_per_s:,.0f} msg/s); shares {run.shares}; "
                      f"CPU {run.cpu_busy:.0%} busy on {os.cpu_count()} cores; lost {run.lost}")
            ratios.append(rates[2] / rates[1])
    print(f"two workers vs one: median ratio {statistics.median(ratios):.2f} (rounds "
          f"{', '.join(f'{ratio:.2f}' for ratio in sorted(ratios))}); lost {lost}")


if __name__ == "__main__":
    main()
