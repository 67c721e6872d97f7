"""Scale-out: ingest throughput with one and with two `logistics ingest` workers (issue: scale-out).

The topology of docs/deploy.md: PostgreSQL as the database, the workers on one shared subscription
(`$share/ingest/...`) on Mosquitto, each the real command in a process of its own. Loggers publish from
elsewhere, so the bench measures how fast the workers drain a queue, with no publisher in the window. Each
topology has a broker of its own. Its workers start once and stop (SIGTERM): their persistent sessions
(fixed client ids, clean_session=False) stay in the shared subscription. Then one reading per message (as
loggers send) is published at QoS 1 while no worker runs; Mosquitto (2.0) queues every message for one
offline member of the group, in turn, so two workers get half each. The broker is then held stopped
(SIGSTOP) while the workers start again, and resumed once each has connected: throughput is readings
stored per second from then until the last one is stored, so neither Python's start-up nor one worker
starting later than the other counts. Each round measures, in turn, one worker on SQLite (the
single-machine path), one worker on PostgreSQL and two; the figures are PostgreSQL's one worker over
SQLite's (target >= 0.5x) and two workers over one (target >= 1.6x), medians over the rounds. Also
printed: the publisher's rate (for information: it is not in the window), each worker's share, the CPU
each worker (with its writer process), the database and the broker used (in cores: CPU seconds per
second of the run, from /proc; the database's counts every PostgreSQL process on the machine), how busy
the whole machine was, and the loss count (published minus stored), which must be 0.

Run: .venv/bin/python bench/scale.py [--messages 20000] [--loggers 20] [--rounds 3] [--inflight 100]
     [--batch-size N]
     [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
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


def seed(url: str, loggers: int) -> None:
    """The database at `url` brought to the current schema, with the bench's loggers."""
    runtime = build_runtime(load_settings(environ={}, overrides={
        "database_url": url, "secret_key": "bench", "log_level": "WARNING"}))
    try:
        migrate.upgrade(runtime.engine)
        with unit_of_work(runtime.sessions, actor="bench") as session:
            session.add_all(Logger(code=logger_code(n), serial=f"BENCH-{n}") for n in range(loggers))
    finally:
        runtime.close()


@contextmanager
def fresh_database(admin_url: str, name: str, loggers: int) -> Iterator[str]:
    """A new PostgreSQL database at the current schema with the bench's loggers; dropped afterwards."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{re.sub(r'^postgresql:', 'postgresql+psycopg:', admin_url).rsplit('/', 1)[0]}/{name}"
    seed(url, loggers)
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_sqlite(folder: Path, loggers: int) -> Iterator[str]:
    """A new SQLite file at the current schema with the bench's loggers."""
    url = f"sqlite:///{folder / 'bench.db'}"
    seed(url, loggers)
    yield url


def stored(counter: psycopg.Connection | sqlite3.Connection) -> int:
    row = counter.execute("SELECT count(*) FROM readings").fetchone()
    return int(row[0]) if row else 0


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 once it is gone (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its descendants (a worker stores through a writer process)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return process_cpu_s(pid) + sum(tree_cpu_s(child) for child in children)


def postgres_cpu_s() -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL server process (the database's share of the machine)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text.split("(", 1)[1].startswith("postgres"):
            found[int(stat.parent.name)] = process_cpu_s(int(stat.parent.name))
    return found


@contextmanager
def workers(count: int, database_url: str, broker: BenchBroker, folder: Path, phase: str,
            ready: Callable[[list[Path]], bool],
            batch_size: int | None = None) -> Iterator[list[tuple[Path, int]]]:
    """`count` real `logistics ingest` processes on one shared subscription, yielded once `ready(logs)`;
    SIGTERM at the end, and each must exit cleanly (0)."""
    command = shutil.which("logistics", path=str(Path(sys.executable).parent))
    argv = [command] if command else [sys.executable, "-m", "logistics"]
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ |= {"LOGISTICS_DATABASE_URL": database_url, "LOGISTICS_SECRET_KEY": "bench",
                "LOGISTICS_MQTT_URL": f"mqtt://{broker.host}:{broker.port}",
                "LOGISTICS_INGEST_SHARED_GROUP": "ingest", "LOGISTICS_LOG_LEVEL": "INFO"}
    if batch_size:
        environ["LOGISTICS_INGEST_BATCH_SIZE"] = str(batch_size)
    logs = [folder / f"ingest-{phase}-{n}.log" for n in range(1, count + 1)]
    processes = []
    for n, log in enumerate(logs, start=1):
        client = {"LOGISTICS_INGEST_CLIENT_ID": f"bench-ingest-{n}"}  # the same session in each phase
        with log.open("wb") as out:
            processes.append(subprocess.Popen([*argv, "ingest"], cwd=folder, stdout=out,
                                              stderr=subprocess.STDOUT, env=environ | client))
    try:
        deadline = time.monotonic() + 60
        while not ready(logs):
            if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
                raise SystemExit(f"ingest workers not ready ({phase}):\n" +
                                 "\n".join(log.read_text()[-1500:] for log in logs))
            time.sleep(0.02)
        yield [(log, process.pid) for log, process in zip(logs, processes, strict=True)]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        if any(process.wait(60) != 0 for process in processes):
            raise SystemExit(f"an ingest worker did not exit cleanly ({phase}):\n" +
                             "\n".join(log.read_text()[-1500:] for log in logs))


def subscribed(logs: list[Path]) -> bool:
    return all("ingest connected" in log.read_text() for log in logs)


def join_group(count: int, database_url: str, broker: BenchBroker, folder: Path) -> None:
    """Start the workers once and stop them: the broker keeps their persistent sessions in the shared
    subscription, and queues for them, round-robin, what is published while they are away."""
    with workers(count, database_url, broker, folder, "join", subscribed):
        pass


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


def measure(database: str, worker_count: int, args: argparse.Namespace, folder: Path,
            messages: list[tuple[str, bytes]]) -> Run:
    """One topology: `worker_count` workers on a fresh `database` ("sqlite" or "postgresql") draining
    the messages queued for them while they were away."""
    name = f"bench_scale_{os.getpid()}_{worker_count}"
    # A broker of its own: a worker's persistent session outlives it and keeps taking its share of the
    # shared subscription, so one worker after two on the same broker would wait for an absent peer.
    broker = BenchBroker(inflight=args.inflight)
    fresh = fresh_sqlite(folder, args.loggers) if database == "sqlite" else \
        fresh_database(args.admin_url, name, args.loggers)
    with closing(broker), fresh as url:
        join_group(worker_count, url, broker, folder)
        published_in = publish(broker, messages)
        # One connection for every count: a new one per poll would fork a PostgreSQL backend 20 times
        # a second on the machine being measured.
        counter = sqlite3.connect(folder / "bench.db") if database == "sqlite" else \
            psycopg.connect(f"{args.admin_url.rsplit('/', 1)[0]}/{name}", autocommit=True)
        # The broker is held stopped while the workers start, until each has connected: the clock runs
        # from when it takes their connections, so neither Python's start-up nor a slower starter counts.
        broker.pause()
        try:
            with closing(counter), workers(worker_count, url, broker, folder, "drain",
                                           lambda _: broker.waiting_connections() >= worker_count,
                                           args.batch_size) as started:
                pids = [pid for _, pid in started]
                workers_before, database_before = [tree_cpu_s(pid) for pid in pids], postgres_cpu_s()
                broker_before = process_cpu_s(broker.pid)
                busy_before, total_before = cpu_ticks()
                began = time.perf_counter()
                broker.resume()
                deadline = time.monotonic() + 600
                while stored(counter) < len(messages) and time.monotonic() < deadline:
                    time.sleep(0.05)
                elapsed = time.perf_counter() - began
                busy_after, total_after = cpu_ticks()
                workers_cpu = [(tree_cpu_s(pid) - before) / elapsed
                               for pid, before in zip(pids, workers_before, strict=True)]
                database_after = postgres_cpu_s()
                broker_cpu = (process_cpu_s(broker.pid) - broker_before) / elapsed
                count = stored(counter)
        finally:
            broker.resume()
        database_cpu = sum(spent - database_before.get(pid, 0.0)
                           for pid, spent in database_after.items()) / elapsed
        shares = [int(match.group(2)) for log, _ in started if (match := SHARE.search(log.read_text()))]
    return Run(count / elapsed, len(messages) / published_in, shares, len(messages) - count,
               (busy_after - busy_before) / max(total_after - total_before, 1), workers_cpu,
               database_cpu if database == "postgresql" else 0.0, broker_cpu)


class Run(NamedTuple):
    readings_per_s: float
    published_per_s: float  # the publisher's own rate, before the workers start (for information)
    shares: list[int]  # readings each worker says it stored
    lost: int
    cpu_busy: float  # of the whole machine, 0..1, while the run lasted
    workers_cpu: list[float]  # cores each worker (with its writer process) used, CPU s per s of the run
    database_cpu: float  # cores PostgreSQL's processes used (SQLite runs inside the worker)
    broker_cpu: float  # cores Mosquitto used


TOPOLOGIES = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="messages of one reading per run")
    parser.add_argument("--loggers", type=int, default=20, help="loggers the messages are spread over")
    parser.add_argument("--inflight", type=int, default=100,
                        help="broker max_inflight_messages (default 100, as broker-config writes)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="the workers' ingest_batch_size (default: the setting's default)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="one and two workers measured alternately this many times; the median counts")
    parser.add_argument("--admin-url", default=os.environ.get(
        "LOGISTICS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL role that may create databases")
    args = parser.parse_args()
    messages = payloads(args.messages, args.loggers)
    print(f"{args.messages} messages over {args.loggers} loggers, SQLite and PostgreSQL, broker "
          f"max_inflight_messages {args.inflight}, ingest_batch_size {args.batch_size or 'default'}, "
          f"{args.rounds} rounds")
    ratios: dict[str, list[float]] = {"postgresql vs sqlite, one worker": [], "two workers vs one": []}
    lost = 0
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds):
            rates = {}
            for database, worker_count in TOPOLOGIES:
                run_folder = Path(folder) / f"r{round_number}{database}{worker_count}"
                run_folder.mkdir()
                run = measure(database, worker_count, args, run_folder, messages)
                rates[database, worker_count], lost = run.readings_per_s, lost + run.lost
                print(f"  round {round_number + 1}, {database}, {worker_count} worker(s): "
                      f"{run.readings_per_s:,.0f} readings/s (publisher {run.published_per_s:,.0f} msg/s); "
                      f"shares {run.shares}; CPU cores used: workers "
                      f"{', '.join(f'{cores:.2f}' for cores in run.workers_cpu)}, database "
                      f"{run.database_cpu:.2f}, broker {run.broker_cpu:.2f}; "
                      f"machine {run.cpu_busy:.0%} busy on {os.cpu_count()} cores; lost {run.lost}",
                      flush=True)
            ratios["postgresql vs sqlite, one worker"].append(rates["postgresql", 1] / rates["sqlite", 1])
            ratios["two workers vs one"].append(rates["postgresql", 2] / rates["postgresql", 1])
    for title, values in ratios.items():
        print(f"{title}: median ratio {statistics.median(values):.2f} "
              f"(rounds {', '.join(f'{ratio:.2f}' for ratio in sorted(values))})")
    print(f"lost {lost}")

if __name__ == "__main__":
    main()
