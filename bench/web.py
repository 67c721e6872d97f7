"""Web page cost, as ratios against baselines measured in the same run (issue: staff web app).

(a) the shipment page (chart, per-logger summary, lot stability) of a 30-day shipment whose logger sent
    1,000,000 readings vs the same page with 10,000 readings.                     target <= 1.5x
(b) the dashboard with 1,000 active shipments                                     target <= 100 ms
    and with 10,000, against 1,000                                                target <= 10x
    The page is "/" exactly as a signed-in viewer gets it: every active shipment judged and counted
    (per attention level and status, the caption's "n of N need attention"), and the first page of
    rows, `page_size` of them (25 by default), the most urgent first.

As in production the scheduler has run (evaluations stored, readings rolled up) before the pages are
served; a handful of new readings arrive after it, as between two scans. Each time is the median of
three rounds after one to warm up.

Run: .venv/bin/python bench/web.py [--part a|b] [--many 1000000] [--few 10000] [--shipments 1000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask.testing import FlaskClient  # noqa: E402

from bench.excursions import NOW, STAMP, add_shipments, runtime_at  # noqa: E402
from logistics.app import Runtime  # noqa: E402
from logistics.db.engine import unit_of_work  # noqa: E402
from logistics.services.excursions import scan  # noqa: E402
from logistics.services.series import roll_up  # noqa: E402
from logistics.services.users import add_user  # noqa: E402
from logistics.web import create_app  # noqa: E402

SPAN = timedelta(days=30)
PASSWORD = "bench-password"


def add_readings(runtime: Runtime, logger_ids: list[int], count: int) -> None:
    """`count` readings per logger spread evenly over the last 30 days, through the driver."""
    step = SPAN / count
    received = NOW.strftime(STAMP)
    with runtime.engine.begin() as connection:
        for logger_id in logger_ids:
            for chunk in range(0, count, 100_000):
                rows = [(logger_id, (NOW - SPAN + step * i).strftime(STAMP), received,
                         5.0 + (i % 37) / 10 + (4.0 if i % 50_000 < 40 else 0.0), "bench")
                        for i in range(chunk, min(chunk + 100_000, count))]
                connection.exec_driver_sql("INSERT INTO readings (logger_id, device_time, received_at, "
                                           "temperature_c, source, time_flagged) VALUES (?, ?, ?, ?, ?, 0)",
                                           rows)


def keep_latest(runtime: Runtime) -> None:
    """Each logger's latest reading on its row, as ingest keeps it (the readings above bypass ingest)."""
    newest = ("(SELECT {} FROM readings WHERE readings.logger_id = loggers.id AND temperature_c IS NOT NULL "
              "ORDER BY device_time DESC LIMIT 1)")
    with runtime.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE loggers SET latest_at = {newest.format('device_time')}, "
                                   f"latest_temperature_c = {newest.format('temperature_c')}")


def run_scheduler_once(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions, actor="bench") as session:
        scan(session, runtime.profiles, [], now=NOW)
    while True:
        with unit_of_work(runtime.sessions, actor="bench") as session:
            if roll_up(session) == 0:
                return


def signed_in(runtime: Runtime) -> FlaskClient:
    with unit_of_work(runtime.sessions, actor="bench") as session:
        add_user(session, username="bench", role="viewer", password=PASSWORD)
    client = create_app(runtime).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    response = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 302, "could not sign in"
    return client


def page_seconds(client: FlaskClient, path: str, rounds: int = 3) -> float:
    """The median time of `rounds` requests for the page, after one to warm up."""
    seconds = []
    for _ in range(rounds + 1):
        began = time.perf_counter()
        response = client.get(path)
        seconds.append(time.perf_counter() - began)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    return statistics.median(seconds[1:])


def shipment_page(folder: Path, readings: int) -> float:
    runtime = runtime_at(folder / f"page-{readings}.db")
    logger_ids = add_shipments(runtime, 1)
    add_readings(runtime, logger_ids, readings)
    run_scheduler_once(runtime)
    add_readings_after(runtime, logger_ids)
    keep_latest(runtime)
    seconds = page_seconds(signed_in(runtime), "/shipments/S-00000")
    runtime.close()
    return seconds


def add_readings_after(runtime: Runtime, logger_ids: list[int]) -> None:
    """A few readings newer than the last scan and rollup, as between two scheduler ticks."""
    received = NOW.strftime(STAMP)
    with runtime.engine.begin() as connection:
        for logger_id in logger_ids:
            rows = [(logger_id, (NOW + timedelta(seconds=i + 1)).strftime(STAMP), received, 5.5, "bench")
                    for i in range(5)]
            connection.exec_driver_sql("INSERT INTO readings (logger_id, device_time, received_at, "
                                       "temperature_c, source, time_flagged) VALUES (?, ?, ?, ?, ?, 0)", rows)


def dashboard(folder: Path, shipments: int) -> float:
    runtime = runtime_at(folder / f"dashboard-{shipments}.db")
    logger_ids = add_shipments(runtime, shipments)
    add_readings(runtime, logger_ids, 30)
    keep_latest(runtime)
    run_scheduler_once(runtime)
    client = signed_in(runtime)
    seconds = page_seconds(client, "/")
    page = client.get("/").get_data(as_text=True)
    rows = page.count("data-reference=")
    assert rows == min(shipments, runtime.settings.page_size), f"{rows} rows on the dashboard"
    assert f"of {shipments:,} need attention" in page or f"of {shipments} need attention" in page
    runtime.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("a", "b"), help="run one part only")
    parser.add_argument("--many", type=int, default=1_000_000)
    parser.add_argument("--few", type=int, default=10_000)
    parser.add_argument("--shipments", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.part in (None, "a"):
            few, many = shipment_page(Path(folder), args.few), shipment_page(Path(folder), args.many)
            print(f"(a) shipment page: {args.few:,} readings {few * 1000:.0f} ms, {args.many:,} readings "
                  f"{many * 1000:.0f} ms -> ratio {many / few:.2f} (target <= 1.5)")
        if args.part in (None, "b"):
            more = args.shipments * 10
            usual, large = dashboard(Path(folder), args.shipments), dashboard(Path(folder), more)
            print(f"(b) dashboard: {args.shipments:,} active shipments {usual * 1000:.0f} ms "
                  f"(target <= 100), {more:,} {large * 1000:.0f} ms -> ratio {large / usual:.1f} "
                  "(target <= 10)")


if __name__ == "__main__":
    main()
