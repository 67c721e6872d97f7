"""Reorder forecast cost (issue: forecast), against a baseline measured in the same run.

A forecast of 50 items at 10,000 Monte Carlo runs (three sites, a target of 120 patients, bill-of-
materials offsets from 0 to 60 days, expiring lots, learned lead times) vs one excursion scan of 1,000
active shipments with one new reading each: the scheduler runs both, and the forecast must stay well
inside one scheduler tick (scan_interval_seconds, 60 s by default).

Run: .venv/bin/python bench/forecast.py [--items 50] [--runs 10000] [--shipments 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.excursions import NOW, add_readings, add_shipments, runtime_at, timed_scan  # noqa: E402
from logistics.core.forecast import forecast  # noqa: E402
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


def trial() -> Recruitment:
    plans = ((300, 2.0, 20), (150, 1.0, 8), (-20, 1.5, 0))  # days active, planned rate, enrolled so far
    sites = tuple(SitePlan(f"TH-0{number}", AS_OF - timedelta(days=days), rate,
                           tuple(AS_OF - timedelta(days=days - 9 * k) for k in range(enrolled)))
                  for number, (days, rate, enrolled) in enumerate(plans, start=1))
    return Recruitment(target=120, sites=sites, prior_strength=2.0, screen_failure_ratio=0.3)


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


def bench_forecast(count: int, runs: int) -> float:
    recruitment, supplies = trial(), items(count)
    lead = LeadTime((18, 20, 21, 23, 30, 26, 19), learned=True)
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = forecast(AS_OF, recruitment, supplies, lead, Policy(horizon_days=90, runs=runs, seed=1))
        best = min(best, time.perf_counter() - began)
    ordered = sum(item.order_quantity > 0 for item in result.items)
    print(f"forecast: {count} items x {runs} runs in {best:.2f} s ({ordered} items to order)")
    return best


def bench_scan(folder: Path, shipments: int) -> float:
    runtime = runtime_at(folder / "scan.db")
    logger_ids = add_shipments(runtime, shipments)
    add_readings(runtime, logger_ids, 10, end=NOW - timedelta(minutes=2))
    timed_scan(runtime)  # the history is evaluated once; then a scan costs what new readings cost
    add_readings(runtime, logger_ids, 1, end=NOW - timedelta(minutes=1))
    seconds = timed_scan(runtime)
    runtime.close()
    print(f"baseline: one excursion scan of {shipments} shipments with a new reading each in {seconds:.2f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--shipments", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scan_s = bench_scan(Path(folder), args.shipments)
    forecast_s = bench_forecast(args.items, args.runs)
    print(f"-> forecast / scan = {forecast_s / scan_s:.2f}; forecast / one tick ({TICK_S:.0f} s) = "
          f"{forecast_s / TICK_S:.3f} (target: well inside one tick)")


if __name__ == "__main__":
    main()
