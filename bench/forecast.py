"""Reorder forecast cost (issue: forecast), against a baseline measured in the same run.

A forecast for the rest of a three-year trial (a 1,095-day horizon) of 50 items at 10,000 Monte Carlo
runs (three sites, a target of 350 patients, bill-of-materials offsets from 0 to 60 days, expiring lots,
learned lead times) vs one excursion scan of 1,000 active shipments with one new reading each: the
scheduler runs both, and the forecast must stay well inside one scheduler tick (scan_interval_seconds,
60 s by default). Each is the median of three rounds; the forecast's memory is measured in a fourth
(tracemalloc's peak, which numpy's arrays report to) beside the process's peak resident size.

Run: .venv/bin/python bench/forecast.py [--items 50] [--runs 10000] [--horizon 1095] [--shipments 1000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.excursions import NOW, add_readings, add_shipments, runtime_at, timed_scan  # noqa: E402
from logistics.core.forecast import forecast  # noqa: E402
from logistics.core.forecast_demand import BYTES_PER_CELL, MAX_CELLS  # noqa: E402
from logistics.core.forecast_inputs import (  # noqa: E402
    Basis,
    Consumption,
    ItemSupply,
    LeadTime,
    Policy,
    Recruitment,
    SitePlan,
    StockLot,
)

AS_OF = date(2026, 12, 1)
TICK_S = 60.0
ROUNDS = 3


def trial() -> Recruitment:
    plans = ((300, 2.0, 20), (150, 1.0, 8), (-20, 1.5, 0))  # days active, planned rate, enrolled so far
    sites = tuple(SitePlan(f"TH-0{number}", AS_OF - timedelta(days=days), rate,
                           tuple(AS_OF - timedelta(days=days - 9 * k) for k in range(enrolled)))
                  for number, (days, rate, enrolled) in enumerate(plans, start=1))
    return Recruitment(target=350, sites=sites, prior_strength=2.0, screen_failure_ratio=0.3)


def items(count: int) -> list[ItemSupply]:
    """Items with one to three uses each, stock in two lots (one short-dated) and stock on order."""
    found = []
    for number in range(count):
        uses = tuple(Consumption(1.0 + (number + k) % 3, offset_days=(number * 7 + 20 * k) % 61,
                                 basis=(Basis.PATIENT, Basis.BATCH, Basis.SCREENED)[k])
                     for k in range(1 + number % 3))
        lots = (StockLot(5 + number % 7, AS_OF + timedelta(days=30 + number % 40)),
                StockLot(10 + number % 5, AS_OF + timedelta(days=400)))
        on_order = (StockLot(4, AS_OF + timedelta(days=500)),)
        found.append(ItemSupply(f"ITEM-{number:03d}", "kit", uses, on_hand=lots, in_transit=on_order,
                                pack_size=1 + number % 4, minimum_order=number % 10, overage=1.1))
    return found


def bench_forecast(count: int, runs: int, horizon: int) -> float:
    recruitment, supplies = trial(), items(count)
    lead = LeadTime((18, 20, 21, 23, 30, 26, 19), learned=True)
    policy = Policy(horizon_days=horizon, runs=runs, seed=1)
    seconds = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        result = forecast(AS_OF, recruitment, supplies, lead, policy)
        seconds.append(time.perf_counter() - began)
    tracemalloc.start()
    forecast(AS_OF, recruitment, supplies, lead, policy)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cells = runs * (horizon + max(lead.days) + 2)
    ordered = sum(item.order_quantity > 0 for item in result.items)
    fan = len(result.items[0].fan.days)
    median = statistics.median(seconds)
    print(f"forecast: {count} items x {runs} runs over {horizon} days in {median:.2f} s (median of "
          f"{', '.join(f'{s:.2f}' for s in seconds)}); {ordered} items to order, fans of {fan} days")
    print(f"memory: peak {peak / 1e6:.0f} MB traced ({peak / cells:.1f} bytes per cell of {cells:,}; budget "
          f"{MAX_CELLS:,} cells, about {MAX_CELLS * BYTES_PER_CELL / 1e6:.0f} MB); peak resident size of the "
          f"process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return median


def bench_scan(folder: Path, shipments: int) -> float:
    runtime = runtime_at(folder / "scan.db")
    logger_ids = add_shipments(runtime, shipments)
    add_readings(runtime, logger_ids, 10, end=NOW - timedelta(minutes=ROUNDS + 1))
    timed_scan(runtime)  # the history is evaluated once; then a scan costs what new readings cost
    seconds = []
    for minutes in range(ROUNDS, 0, -1):
        add_readings(runtime, logger_ids, 1, end=NOW - timedelta(minutes=minutes))
        seconds.append(timed_scan(runtime))
    runtime.close()
    median = statistics.median(seconds)
    print(f"baseline: one excursion scan of {shipments} shipments with a new reading each in {median:.2f} s "
          f"(median of {', '.join(f'{s:.2f}' for s in seconds)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--horizon", type=int, default=1095, help="review period in days (3 years)")
    parser.add_argument("--shipments", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scan_s = bench_scan(Path(folder), args.shipments)
    forecast_s = bench_forecast(args.items, args.runs, args.horizon)
    print(f"-> forecast / scan = {forecast_s / scan_s:.2f}; forecast / one tick ({TICK_S:.0f} s) = "
          f"{forecast_s / TICK_S:.3f} (target: well inside one tick)")


if __name__ == "__main__":
    main()
