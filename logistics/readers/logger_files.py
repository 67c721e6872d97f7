"""Logger files: a data logger's CSV export read into readings for `logistics analyze` (SPEC §2.2).

The header names the columns (case and surrounding spaces do not matter, other columns are ignored):
`timestamp` (ISO 8601 with an offset or `Z`, or Unix seconds), then exactly one of `temperature_c`,
`temperature_f`, `temperature_k`, or `temperature` with a `unit` column (`C`, `F` or `K`); `shock_g` is
optional. Every row has a cell (empty or not) for each column the header names; a row may leave its
temperature empty if it has a shock (a shock-only reading); blank lines are skipped. Rows are numbered as a
spreadsheet numbers them: the header is row 1. The first row's UTC offset is kept, to show times as the
file wrote them.
Every problem is reported as one `LoggerFileError` naming the row, e.g.
"row 17: temperature_c 'abc' is not a number".
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from logistics.core.excursion_types import Sample
from sensors.units import BadValue, as_number, convert, parse_time
from sensors.validate import ABSOLUTE_ZERO_C, MAX_TEMPERATURE_C

FIXED_UNIT_COLUMNS = {"temperature_c": "degC", "temperature_f": "degF", "temperature_k": "kelvin"}
UNIT_COLUMN_VALUES = {"C": "degC", "F": "degF", "K": "kelvin"}
TEMPERATURE_COLUMNS = (*FIXED_UNIT_COLUMNS, "temperature")
# Times a logger file can hold: Unix time 0 onwards, and nothing so far ahead that adding a reading's
# coverage to it would leave the calendar.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)


class LoggerFileError(ValueError):
    """A logger file that cannot be read; the message names the row and the problem."""


@dataclass(frozen=True)
class _Layout:
    """Where each column is, and the pint unit of the temperature column (None: the `unit` column says)."""

    timestamp: int
    temperature: int
    temperature_name: str
    fixed_unit: str | None
    unit: int | None
    shock: int | None
    columns: int  # up to the last named one: a row must reach it


@dataclass(frozen=True)
class LoggerFile:
    """A logger file's readings in file order, and the UTC offset its first row was written with."""

    samples: list[Sample]
    offset: timedelta


def read_logger_file(path: Path) -> LoggerFile:
    """The readings in the CSV file at `path`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return read_logger_csv(handle)
    except UnicodeDecodeError:
        raise LoggerFileError("the file is not UTF-8 text") from None
    except OSError as error:
        raise LoggerFileError(f"cannot read the file: {error.strerror or error}") from None


def read_logger_csv(lines: Iterable[str]) -> LoggerFile:
    """The readings in CSV text (an open file or lines)."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
        if header is None or _blank(header):
            raise LoggerFileError("the file is empty" if header is None else "row 1: the header is empty")
        samples, first_timestamp = _samples(reader, _layout(header))
    except csv.Error as error:
        raise LoggerFileError(f"row {reader.line_num}: {error}") from None
    if not samples:
        raise LoggerFileError("the file has a header but no data rows")
    if all(sample.temperature_c is None for sample in samples):
        raise LoggerFileError("the file has no temperature readings")
    return LoggerFile(samples, offset=_written_offset(first_timestamp))


def _samples(reader: Any, layout: _Layout) -> tuple[list[Sample], str]:
    """The samples of the rows left in `reader`, and the first one's timestamp as written.

    A year of one-minute readings is half a million rows, so plain rows take a quick path: a time in
    extended ISO 8601 with an offset (`_quick_time`), numbers as the careful path read them the first
    time (a logger repeats the same few hundred values). Any other row goes the careful way (`_sample`),
    which reads it or names its problem: the quick path accepts nothing it refuses, and reads alike.
    """
    samples: list[Sample] = []
    first_timestamp = ""
    temperatures: dict[tuple[str, str], float | None] = {}
    shocks: dict[str, float | None] = {}
    stamp, shock_at, columns = layout.timestamp, layout.shock, layout.columns
    for row in reader:
        sample = None
        moment = _quick_time(row[stamp]) if len(row) >= columns else None
        if moment is not None:
            try:
                key = (row[layout.temperature], "" if layout.unit is None else row[layout.unit])
                if key not in temperatures:
                    temperatures[key] = _temperature_c(row, layout)
                shock_text = "" if shock_at is None else row[shock_at]
                if shock_text not in shocks:
                    shocks[shock_text] = _shock_g(shock_text.strip())
            except BadValue:
                pass  # the careful path names it
            else:
                if temperatures[key] is not None or shocks[shock_text] is not None:
                    sample = Sample(moment, temperatures[key], shocks[shock_text])
        if sample is None and not _blank(row):
            sample = _sample(row, layout, reader.line_num)
        if sample is not None:
            first_timestamp = first_timestamp or row[stamp].strip()
            samples.append(sample)
    return samples, first_timestamp


def _quick_time(text: str) -> datetime | None:
    """A time `_time` would read as this one: extended ISO 8601 (never a number: "2026-" can only begin
    a date) with an offset, within the years a logger file holds; else None."""
    if len(text) <= len("2020-01-01") or text[4] != "-" or text[-1] == "z":
        return None
    try:
        written = datetime.fromisoformat(text)
        if written.tzinfo is None:
            return None
        moment = written.astimezone(UTC)  # first: comparing times in two zones costs four times as much
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST_TIME <= moment < LATEST_TIME else None


def _blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _layout(header: Sequence[str]) -> _Layout:
    names = [cell.strip().lower() for cell in header]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise LoggerFileError(f"row 1: the header has the column {repeated[0]!r} more than once")
    if "timestamp" not in names:
        raise LoggerFileError("row 1: the header has no timestamp column")
    temperature_name = _temperature_column(names)
    if temperature_name == "temperature" and "unit" not in names:
        raise LoggerFileError("row 1: the temperature column needs a unit column (C, F or K)")
    return _Layout(
        timestamp=names.index("timestamp"),
        temperature=names.index(temperature_name), temperature_name=temperature_name,
        fixed_unit=FIXED_UNIT_COLUMNS.get(temperature_name),
        unit=names.index("unit") if temperature_name == "temperature" else None,
        shock=names.index("shock_g") if "shock_g" in names else None,
        columns=max(index for index, name in enumerate(names) if name) + 1,
    )


def _temperature_column(names: Sequence[str]) -> str:
    present = [name for name in TEMPERATURE_COLUMNS if name in names]
    if not present:
        raise LoggerFileError("row 1: the header has no temperature column (temperature_c, temperature_f, "
                              "temperature_k, or temperature with unit)")
    if len(present) > 1:
        raise LoggerFileError(f"row 1: the header has several temperature columns ({', '.join(present)}); "
                              "keep one")
    return present[0]


def _cell(row: Sequence[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _sample(row: Sequence[str], layout: _Layout, number: int) -> Sample:
    if len(row) < layout.columns:  # a cell left out shifts the rest: refused rather than guessed
        raise LoggerFileError(f"row {number}: {len(row)} columns, but the header has {layout.columns}; "
                              "give every column a cell, an empty one if it has no value")
    try:
        sample = Sample(time=_time(_cell(row, layout.timestamp)),
                        temperature_c=_temperature_c(row, layout),
                        shock_g=_shock_g(_cell(row, layout.shock)))
    except BadValue as error:
        raise LoggerFileError(f"row {number}: {error}") from None
    if sample.temperature_c is None and sample.shock_g is None:
        raise LoggerFileError(f"row {number}: no {layout.temperature_name} and no shock_g")
    return sample


def _time(text: str) -> datetime:
    if not text:
        raise BadValue("timestamp is empty")
    try:
        moment, without_zone = parse_time(text)
    except BadValue as error:
        raise BadValue(f"timestamp {error}") from None
    if without_zone:
        raise BadValue(f"timestamp {text!r} has no UTC offset; add Z or an offset such as +07:00")
    if not EARLIEST_TIME <= moment < LATEST_TIME:
        raise BadValue(f"timestamp {text!r} is outside {EARLIEST_TIME.year} to {LATEST_TIME.year - 1}; "
                       "no logger recorded it")
    return moment


def _written_offset(text: str) -> timedelta:
    """The UTC offset of a timestamp that _time accepted: zero for Unix seconds and for Z."""
    try:
        float(text)
    except ValueError:
        written = datetime.fromisoformat(text[:-1] + "Z" if text.endswith("z") else text)
        return written.utcoffset() or timedelta(0)
    return timedelta(0)


def _temperature_c(row: Sequence[str], layout: _Layout) -> float | None:
    text = _cell(row, layout.temperature)
    if not text:
        return None
    unit = layout.fixed_unit or _row_unit(_cell(row, layout.unit))
    try:
        value = as_number(text)
    except BadValue as error:
        raise BadValue(f"{layout.temperature_name} {error}") from None
    celsius = convert(value, unit, "degC")
    if not ABSOLUTE_ZERO_C <= celsius <= MAX_TEMPERATURE_C:
        raise BadValue(f"{layout.temperature_name} {text!r} is {celsius:g} °C, outside the physical range "
                       f"{ABSOLUTE_ZERO_C:g} to +{MAX_TEMPERATURE_C:g} °C")
    return celsius


def _row_unit(text: str) -> str:
    unit = UNIT_COLUMN_VALUES.get(text.upper().removeprefix("°"))
    if unit is None:
        raise BadValue(f"unit {text!r} is not C, F or K" if text else "unit is empty")
    return unit


def _shock_g(text: str) -> float | None:
    if not text:
        return None
    try:
        shock = as_number(text)
    except BadValue as error:
        raise BadValue(f"shock_g {error}") from None
    if shock < 0:
        raise BadValue(f"shock_g {text!r} is negative, but a shock magnitude is never below 0")
    return shock
