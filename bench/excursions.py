"""Excursion evaluation cost, as ratios against baselines measured in the same run (issue: engine).

(a) evaluating 43,200 readings (30 days at one a minute) vs merely reading them from the database.
                                                                                  target <= 2x
(b) a scan of 1,000 active shipments with one new reading each, with 100x more history behind them
    vs the same scan with little history (the cost must follow new data, not history).  target <= 1.5x

Run: .venv/bin/python bench/excursions.py [--shipments 1000] [--history 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select  # noqa: E402

from logistics.app import Runtime, build_runtime  # noqa: E402
from logistics.core.excursions import evaluate  # noqa: E402
from logistics.db import migrate  # noqa: E402
from logistics.db.engine import unit_of_work  # noqa: E402
from logistics.db.models import (  # noqa: E402
    Item,
    Logger,
    LoggerAssignment,
    Lot,
    Reading,
    Shipment,
    ShipmentLine,
    Site,
)
from logistics.services.excursions import scan  # noqa: E402
from logistics.settings import load_settings  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def runtime_at(path: Path) -> Runtime:
    runtime = build_runtime(load_settings(environ={}, overrides={
        "database_url": f"sqlite:///{path}", "secret_key": "bench", "log_level": "WARNING"}))
    migrate.upgrade(runtime.engine)
    return runtime


def add_shipments(runtime: Runtime, count: int) -> list[int]:
    """`count` in-transit refrigerated shipments, one logger each, assigned 40 days ago; logger ids."""
    with unit_of_work(runtime.sessions, actor="bench") as session:
        origin = Site(code="A", name="A", kind="warehouse", country="CN", timezone="Asia/Shanghai")
        destination = Site(code="B", name="B", kind="hospital", country="TH", timezone="Asia/Bangkok")
        item = Item(code="KIT", name="kit", category="reagent", storage_profile="refrigerated", unit="kit")
        session.add_all([origin, destination, item])
        session.flush()
        lot = Lot(item_id=item.id, lot_number="L1", expiry=date(2030, 1, 1))
        session.add(lot)
        session.flush()
        logger_ids = []
        for number in range(count):
            shipment = Shipment(reference=f"S-{number:05d}", origin_id=origin.id,
                                destination_id=destination.id, status="in_transit")
            logger = Logger(code=f"LG-{number:05d}", serial=str(number))
            session.add_all([shipment, logger])
            session.flush()
            session.add_all([ShipmentLine(shipment_id=shipment.id, lot_id=lot.id, quantity=1, unit="kit"),
                             LoggerAssignment(logger_id=logger.id, shipment_id=shipment.id,
                                              starts_at=NOW - timedelta(days=40))])
            logger_ids.append(logger.id)
    return logger_ids


def add_readings(runtime: Runtime, logger_ids: list[int], per_logger: int, *, end: datetime) -> None:
    """`per_logger` readings a minute apart ending at `end`, inserted straight through the driver."""
    received = NOW.strftime(STAMP)
    with runtime.engine.begin() as connection:
        for logger_id in logger_ids:
            rows = [(logger_id, (end - timedelta(minutes=per_logger - 1 - i)).strftime(STAMP), received,
                     5.0 + (i % 20) / 10, "bench") for i in range(per_logger)]
            connection.exec_driver_sql("INSERT INTO readings (logger_id, device_time, received_at, "
                                       "temperature_c, source, time_flagged) VALUES (?, ?, ?, ?, ?, 0)", rows)


def timed_scan(runtime: Runtime) -> float:
    began = time.perf_counter()
    with unit_of_work(runtime.sessions, actor="bench") as session:
        scan(session, runtime.profiles, [], now=NOW)
    return time.perf_counter() - began


def bench_evaluation(folder: Path) -> None:
    runtime = runtime_at(folder / "a.db")
    [logger_id] = add_shipments(runtime, 1)
    add_readings(runtime, [logger_id], 43_200, end=NOW - timedelta(minutes=1))
    query = select(Reading.device_time, Reading.temperature_c, Reading.shock_g).where(
        Reading.logger_id == logger_id)
    read_s, full_s = [], []
    for _ in range(5):
        began = time.perf_counter()
        with runtime.sessions() as session:
            rows = session.exec(query).all()
        read_s.append(time.perf_counter() - began)
        began = time.perf_counter()
        with runtime.sessions() as session:
            evaluate(session.exec(query).all(), runtime.profiles["refrigerated"], live_until=NOW)
        full_s.append(time.perf_counter() - began)
    runtime.close()
    read, full = min(read_s), min(full_s)
    print(f"(a) {len(rows)} readings: read {read * 1000:.0f} ms, read + evaluate {full * 1000:.0f} ms "
          f"-> ratio {full / read:.2f} (target <= 2)")


def bench_scan(folder: Path, shipments: int, history: int) -> None:
    seconds = {}
    for label, per_logger in (("little", history), ("100x", history * 100)):
        runtime = runtime_at(folder / f"scan-{label}.db")
        logger_ids = add_shipments(runtime, shipments)
        add_readings(runtime, logger_ids, per_logger, end=NOW - timedelta(minutes=2))
        timed_scan(runtime)  # evaluates the history once: the marks now stand after it
        add_readings(runtime, logger_ids, 1, end=NOW - timedelta(minutes=1))
        seconds[label] = timed_scan(runtime)
        runtime.close()
    print(f"(b) scan of {shipments} shipments with one new reading each: {history} readings of history "
          f"{seconds['little']:.2f} s, {history * 100} readings {seconds['100x']:.2f} s "
          f"-> ratio {seconds['100x'] / seconds['little']:.2f} (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=1000)
    parser.add_argument("--history", type=int, default=10, help="readings per logger in the small case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_evaluation(Path(folder))
        bench_scan(Path(folder), args.shipments, args.history)


if __name__ == "__main__":
    main()
