"""The readings API's cost, as ratios against baselines measured in the same run (issue 19, point 13).

One shipment whose logger sent 1,000,000 readings over 30 days; pages of 1,000 through
`GET /api/v1/shipments/{reference}/readings` with a bearer token, in-process.

(a) a page deep in the readings (the last full one, reached with its cursor) vs page 1.      target <= 1.5x
(b) page 1 through the API vs a bare SELECT of the same 1,000 rows (the API's own overhead: JSON).
(c) for contrast, what keyset paging avoids: a bare SELECT of that deep page with OFFSET vs of page 1.
(d) every reading as CSV through the API vs a bare SELECT of every row.
Each page is timed as the best of several tries, page 1 and the deep page taking turns. The database's
plan of each query the API ran for the deep page is printed: an index range scan, no sort.

Run: .venv/bin/python bench/readings.py [--readings 1000000] [--limit 1000] [--tries 7]
     [--database sqlite|postgresql] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import bindparam, event, insert, text  # noqa: E402

from bench.excursions import NOW, add_shipments  # noqa: E402
from logistics.app import Runtime, build_runtime  # noqa: E402
from logistics.core.reading_selection import Position, encode_cursor  # noqa: E402
from logistics.db import migrate  # noqa: E402
from logistics.db.engine import unit_of_work  # noqa: E402
from logistics.db.models import Reading  # noqa: E402
from logistics.db.types import UTCDateTime  # noqa: E402
from logistics.services.users import add_user, issue_token  # noqa: E402
from logistics.settings import load_settings  # noqa: E402
from logistics.web import create_app  # noqa: E402

SPAN = timedelta(days=30)
ADDRESS = "/api/v1/shipments/S-00000/readings"
LOGGER = "LG-00000"  # the one logger of bench.excursions.add_shipments(runtime, 1)
PAGE_AFTER = text("SELECT * FROM readings WHERE logger_id = :logger AND device_time > :after "
                  "ORDER BY device_time LIMIT :limit").bindparams(bindparam("after", type_=UTCDateTime))
PAGE_AT = text("SELECT * FROM readings WHERE logger_id = :logger ORDER BY device_time "
               "LIMIT :limit OFFSET :skip")
EVERY_ROW = text("SELECT * FROM readings WHERE logger_id = :logger ORDER BY device_time")


@contextmanager
def database(kind: str, folder: Path, admin_url: str) -> Iterator[Runtime]:
    """A migrated database of `kind` with the bench's shipment and logger."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'readings.db'}"
        with _runtime(url) as runtime:
            yield runtime
        return
    from bench.scale import fresh_database  # PostgreSQL: a database of its own, dropped afterwards

    with fresh_database(admin_url, f"bench_readings_{os.getpid()}", 0) as url, _runtime(url) as runtime:
        yield runtime


@contextmanager
def _runtime(url: str) -> Iterator[Runtime]:
    runtime = build_runtime(load_settings(environ={}, overrides={
        "database_url": url, "secret_key": "bench", "log_level": "WARNING"}))
    try:
        migrate.upgrade(runtime.engine)
        yield runtime
    finally:
        runtime.close()


def reading_time(index: int, count: int) -> Any:
    return NOW - SPAN + SPAN * index / count


def add_readings(runtime: Runtime, logger_id: int, count: int) -> None:
    """`count` readings spread evenly over the last 30 days, then the planner's statistics."""
    with runtime.engine.begin() as connection:
        for chunk in range(0, count, 50_000):
            connection.execute(insert(Reading), [
                {"logger_id": logger_id, "device_time": reading_time(i, count), "received_at": NOW,
                 "temperature_c": 5.0 + (i % 37) / 10, "source": "bench", "time_flagged": False}
                for i in range(chunk, min(chunk + 50_000, count))])
        connection.exec_driver_sql("ANALYZE")


def api_client(runtime: Runtime) -> tuple[FlaskClient, dict[str, str]]:
    with unit_of_work(runtime.sessions, actor="bench") as session:
        add_user(session, username="bench", role="viewer", password="bench-password")
        token = issue_token(session, "bench")
    return create_app(runtime).test_client(), {"Authorization": f"Bearer {token}"}


def api_seconds(client: FlaskClient, headers: dict[str, str], address: str, expect: int) -> float:
    began = time.perf_counter()
    response = client.get(address, headers=headers)
    seconds = time.perf_counter() - began
    assert response.status_code == 200, (address, response.get_data(as_text=True)[:300])
    assert len(response.get_json()["items"]) == expect, address
    return seconds


def select_seconds(runtime: Runtime, query: Any, expect: int, **values: Any) -> float:
    with runtime.engine.connect() as connection:
        began = time.perf_counter()
        rows = connection.execute(query, values).fetchall()
        seconds = time.perf_counter() - began
    assert len(rows) == expect
    return seconds


def plans(runtime: Runtime, client: FlaskClient, headers: dict[str, str], address: str) -> list[str]:
    """The database's plan of each query on `readings` that one request to `address` runs."""
    ran: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM readings" in statement:
            ran.append((statement, parameters))

    event.listen(runtime.engine, "before_cursor_execute", keep)
    try:
        client.get(address, headers=headers)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", keep)
    prefix = "EXPLAIN QUERY PLAN " if runtime.engine.dialect.name == "sqlite" else "EXPLAIN "
    lines = []
    with runtime.engine.connect() as connection:
        for statement, parameters in ran:
            cursor = connection.connection.cursor()
            cursor.execute(prefix + statement, parameters)
            lines += [" | ".join(str(cell) for cell in row) for row in cursor.fetchall()]
            cursor.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--limit", type=int, default=1000, help="readings per page")
    parser.add_argument("--tries", type=int, default=7, help="each page timed this often; the best counts")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--admin-url", default=os.environ.get(
        "LOGISTICS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL role that may create databases (with --database postgresql)")
    args = parser.parse_args()
    count, limit = args.readings, args.limit
    with (tempfile.TemporaryDirectory() as folder,
          database(args.database, Path(folder), args.admin_url) as runtime):
        [logger_id] = add_shipments(runtime, 1)
        began = time.perf_counter()
        add_readings(runtime, logger_id, count)
        print(f"{count:,} readings of one logger in one shipment, {args.database}, pages of {limit:,} "
              f"(stored in {time.perf_counter() - began:.0f} s)")
        client, headers = api_client(runtime)
        deep_index = count - limit - 1  # the deep page holds the readings after this one: the last full page
        cursor = encode_cursor(Position(LOGGER, reading_time(deep_index, count)))
        deep = f"{ADDRESS}?limit={limit}&cursor={cursor}"
        first = f"{ADDRESS}?limit={limit}"
        page_1, page_n, bare_1, offset_1, offset_n = [], [], [], [], []
        for _ in range(args.tries):
            page_1.append(api_seconds(client, headers, first, limit))
            page_n.append(api_seconds(client, headers, deep, limit))
            bare_1.append(select_seconds(runtime, PAGE_AFTER, limit, logger=logger_id, after=NOW - SPAN * 2,
                                         limit=limit))
            offset_1.append(select_seconds(runtime, PAGE_AT, limit, logger=logger_id, limit=limit, skip=0))
            offset_n.append(select_seconds(runtime, PAGE_AT, limit, logger=logger_id, limit=limit,
                                           skip=deep_index + 1))
        one, deep_s, bare, off_1, off_n = (min(series) for series in (page_1, page_n, bare_1, offset_1,
                                                                       offset_n))
        print(f"(a) API page 1 {one * 1000:.1f} ms, page {deep_index // limit + 2:,} {deep_s * 1000:.1f} ms "
              f"-> ratio {deep_s / one:.2f} (target <= 1.5)")
        print(f"(b) API page 1 {one * 1000:.1f} ms vs bare SELECT of its rows {bare * 1000:.1f} ms "
              f"-> ratio {one / bare:.1f}")
        print(f"(c) contrast, bare SELECT with OFFSET: page 1 {off_1 * 1000:.1f} ms, the deep page "
              f"{off_n * 1000:.1f} ms -> ratio {off_n / off_1:.0f}")
        for line in plans(runtime, client, headers, deep):
            print(f"    plan of the deep page: {line}")
        csv_began = time.perf_counter()
        body = client.get(f"{ADDRESS}?format=csv", headers=headers).get_data()
        csv_s = time.perf_counter() - csv_began
        assert body.count(b"\n") == count + 1, "the CSV does not hold every reading"
        every = select_seconds(runtime, EVERY_ROW, count, logger=logger_id)
        print(f"(d) CSV of all {count:,} readings {csv_s:.1f} s ({count / csv_s:,.0f} rows/s, "
              f"{len(body) / 1e6:.0f} MB) vs bare SELECT of every row {every:.1f} s "
              f"-> ratio {csv_s / every:.1f}")


if __name__ == "__main__":
    main()
