"""`logistics analyze` cost, as a ratio against a baseline measured in the same run (issue: throughput).

A year of one-minute readings (525,600 rows, ISO 8601 times at +07:00, a few excursions, a gap and some
shocks) judged by `logistics analyze FILE --profile refrigerated --json`, in this process, vs a bare
`csv` read of the same file that parses each row's time and temperature.        target <= 2x

Each time is the median of three rounds.

Run: .venv/bin/python bench/analyze.py [--rows 525600] [--keep FILE.csv]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from click.testing import CliRunner  # noqa: E402

from logistics.cli.analyze import analyze  # noqa: E402

BANGKOK = timezone(timedelta(hours=7))
START = datetime(2025, 1, 1, tzinfo=BANGKOK)


def write_year(path: Path, rows: int) -> None:
    """One reading a minute: 5 °C and a slow wobble, an hour's excursion above 8 °C each month, a
    two-hour gap in June, a shock now and then."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["timestamp", "temperature_c", "shock_g"])
        for minute in range(rows):
            if 240_000 <= minute < 240_120:
                continue  # the logger lost power for two hours
            warm = minute % 43_200 < 60
            temperature = 9.5 if warm else 5.0 + (minute % 97) / 40
            shock = "12.5" if minute % 50_000 == 7 else ("0.4" if minute % 13 == 0 else "")
            moment = (START + timedelta(minutes=minute)).isoformat()
            out.writerow([moment, f"{temperature:.2f}", shock])


def bare_read(path: Path) -> int:
    """The baseline: each row's time and temperature parsed, nothing judged."""
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for row in rows:
            datetime.fromisoformat(row[0])
            float(row[1])
            count += 1
    return count


def analysed(path: Path) -> str:
    result = CliRunner().invoke(analyze, [str(path), "--profile", "refrigerated", "--json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def median_seconds(work: Callable[[], object], rounds: int = 3) -> float:
    seconds = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=525_600, help="minutes of readings (a year: 525,600)")
    parser.add_argument("--keep", type=Path, help="also write the analysis JSON to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "year.csv"
        write_year(path, args.rows)
        analysed(path)  # warm up: profiles read, pint's conversions built
        bare = median_seconds(lambda: bare_read(path))
        full = median_seconds(lambda: analysed(path))
        if args.keep:
            args.keep.write_text(analysed(path), encoding="utf-8")
    print(f"analyze of {args.rows:,} one-minute readings: bare csv read {bare:.2f} s, logistics analyze "
          f"{full:.2f} s -> ratio {full / bare:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
