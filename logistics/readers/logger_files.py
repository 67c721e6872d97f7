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
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from logistics.core.excursion_types import MICROSECOND, Sample
from logistics.core.reading_columns import ReadingColumns, microseconds_of
from sensors.units import BadValue, as_number, convert, parse_time
from sensors.validate import ABSOLUTE_ZERO_C, MAX_TEMPERATURE_C

FIXED_UNIT_COLUMNS = {"temperature_c": "degC", "temperature_f": "degF", "temperature_k": "kelvin"}
UNIT_COLUMN_VALUES = {"C": "degC", "F": "degF", "K": "kelvin"}
TEMPERATURE_COLUMNS = (*FIXED_UNIT_COLUMNS, "temperature")
# Times a logger file can hold: Unix time 0 onwards, and nothing so far ahead that adding a reading's
# coverage to it would leave the calendar.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)
# What stands in the local times for a row read the careful way, whose time is kept exactly beside them.
_PLACEHOLDER_TEXT, _PLACEHOLDER_TIME = "1970-01-01T00:00:00", datetime(1970, 1, 1)
_SECONDS_WIDTH = len(_PLACEHOLDER_TEXT)  # YYYY-MM-DDTHH:MM:SS


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


class LoggerFile:
    """A logger file's readings in file order, and the UTC offset its first row was written with.

    Read as columns (what the excursion engine takes); `samples` gives them as rows when asked."""

    def __init__(self, samples: list[Sample] | None = None, offset: timedelta = timedelta(0), *,
                 columns: ReadingColumns | None = None) -> None:
        if (samples is None) == (columns is None):
            raise ValueError("give the readings as samples or as columns")
        self._samples, self._columns, self.offset = samples, columns, offset

    @property
    def samples(self) -> list[Sample]:
        if self._samples is None:
            assert self._columns is not None
            self._samples = self._columns.samples()
        return self._samples

    @property
    def columns(self) -> ReadingColumns:
        if self._columns is None:
            self._columns = ReadingColumns.from_samples(self.samples)
        assert self._columns is not None
        return self._columns

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LoggerFile):
            return NotImplemented
        return (self.samples, self.offset) == (other.samples, other.offset)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LoggerFile(samples={self.samples!r}, offset={self.offset!r})"


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
        columns, first_timestamp = _columns(reader, _layout(header))
    except csv.Error as error:
        raise LoggerFileError(f"row {reader.line_num}: {error}") from None
    if not len(columns):
        raise LoggerFileError("the file has a header but no data rows")
    if np.isnan(columns.temperatures_c).all():
        raise LoggerFileError("the file has no temperature readings")
    return LoggerFile(columns=columns, offset=_written_offset(first_timestamp))


_UNSEEN, _REFUSED = object(), object()  # a value not read yet; one the careful path has to word


def _columns(reader: Any, layout: _Layout) -> tuple[ReadingColumns, str]:
    """The readings of the rows left in `reader`, and the first one's timestamp as written.

    A year of one-minute readings is half a million rows, so plain rows take a quick path: a time in
    extended ISO 8601 ending in the UTC offset of the first such row (`_offset_suffix`), read without
    it, numbers as the careful path read them the first time (a logger repeats the same few hundred
    values). Any other row goes the careful way (`_sample`), which reads it or names its problem: the
    quick path accepts nothing it refuses, and reads alike.
    """
    # Four lists, not a tuple per row: tuples would be watched by the garbage collector, which
    # would walk all of them again and again as the lists grow.
    rows = _Rows([], [], [])
    add_text = rows.local_texts.append
    add_temperature, add_shock = rows.temperatures_c.append, rows.shocks_g.append
    exact_us: dict[int, int] = {}  # the times of rows read the careful way, by position
    first_timestamp = ""
    temperatures: dict[object, object] = {}
    shocks: dict[str, object] = {}
    stamp, temperature_at, unit_at, shock_at = layout.timestamp, layout.temperature, layout.unit, layout.shock
    columns = layout.columns
    suffix, cut, offset, earliest, latest = "", 0, timedelta(0), _PLACEHOLDER_TIME, _PLACEHOLDER_TIME
    from_text = datetime.fromisoformat
    for row in reader:
        local = None
        if len(row) >= columns:
            text = row[stamp]
            if not suffix and (written := _offset_suffix(text)) is not None:
                suffix, offset = written
                cut = -len(suffix)
                # The years a logger file holds, as local times at that offset.
                earliest, latest = ((EARLIEST_TIME + offset).replace(tzinfo=None),
                                    (LATEST_TIME + offset).replace(tzinfo=None))
            if text[cut:] == suffix and len(text) + cut > len("2020-01-01"):
                local_text = text[:cut]
                try:
                    local = from_text(local_text)
                except ValueError:
                    pass
                else:
                    if local.tzinfo is not None or not earliest <= local < latest:
                        local = None
        if local is not None:
            key = row[temperature_at] if unit_at is None else (row[temperature_at], row[unit_at])
            temperature = temperatures.get(key, _UNSEEN)
            if temperature is _UNSEEN:
                temperature = temperatures[key] = _read_or_refuse(_temperature_c, row, layout)
            shock_text = "" if shock_at is None else row[shock_at]
            shock = shocks.get(shock_text, _UNSEEN)
            if shock is _UNSEEN:
                shock = shocks[shock_text] = _read_or_refuse(_shock_g, shock_text.strip())
            if temperature is _REFUSED or shock is _REFUSED or (temperature is None and shock is None):
                local = None
        if local is not None:
            add_text(local_text)
            add_temperature(temperature)  # type: ignore[arg-type]
            add_shock(shock)  # type: ignore[arg-type]
        elif not _blank(row):
            sample = _sample(row, layout, reader.line_num)
            exact_us[len(rows.local_texts)] = microseconds_of(sample.time)
            add_text(_PLACEHOLDER_TEXT)
            add_temperature(sample.temperature_c)
            add_shock(sample.shock_g)
        else:
            continue
        first_timestamp = first_timestamp or row[stamp].strip()
    return _in_columns(rows, offset, exact_us), first_timestamp


def _read_or_refuse(read: Any, *arguments: Any) -> object:
    try:
        return read(*arguments)
    except BadValue:
        return _REFUSED


class _Rows(NamedTuple):
    """The rows read so far: local times as written (less their UTC offset), °C, g."""

    local_texts: list[str]
    temperatures_c: list[float | None]
    shocks_g: list[float | None]


def _in_columns(rows: _Rows, offset: timedelta, exact_us: dict[int, int]) -> ReadingColumns:
    """The rows as columns: local times less their offset, and the exact times of careful rows."""
    times_us = _local_microseconds(rows.local_texts) - offset // MICROSECOND
    for index, microseconds in exact_us.items():
        times_us[index] = microseconds
    return ReadingColumns(times_us, np.array(rows.temperatures_c, dtype=np.float64),
                          np.array(rows.shocks_g, dtype=np.float64))


def _offset_suffix(text: str) -> tuple[str, timedelta] | None:
    """The UTC offset a time ends with as written ("Z" or such as "+07:00"), and what it stands for."""
    suffix = "Z" if text.endswith("Z") else text[-6:]
    if suffix != "Z" and not (len(suffix) == 6 and suffix[0] in "+-" and suffix[3] == ":"):
        return None
    try:
        offset = datetime.fromisoformat(text).utcoffset()
    except ValueError:
        return None
    return None if offset is None else (suffix, offset)


def _local_microseconds(texts: list[str]) -> NDArray[np.int64]:
    """Microseconds from 1970-01-01T00:00 to each local time that datetime.fromisoformat read."""
    counted = _canonical_microseconds(texts)
    if counted is not None:
        return counted
    from_text = datetime.fromisoformat
    return np.array([(from_text(text) - _PLACEHOLDER_TIME) // MICROSECOND for text in texts], dtype=np.int64)


def _canonical_microseconds(texts: list[str]) -> NDArray[np.int64] | None:
    """`_local_microseconds` at once, from the digits, when every text is written alike as
    YYYY-MM-DDTHH:MM:SS (or with a space for T) and the same number of decimals after a point; else None.
    Written so, a text that fromisoformat read can mean only what its digits say."""
    if not texts or len(set(map(len, texts))) != 1:
        return None
    width = len(texts[0])
    if width != _SECONDS_WIDTH and not _SECONDS_WIDTH + 2 <= width <= _SECONDS_WIDTH + 7:
        return None
    try:
        characters = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), width)
    except UnicodeEncodeError:
        return None
    digits = characters - np.uint8(ord("0"))  # anything else wraps around above 9
    separators = {4: b"-", 7: b"-", 10: b"T ", 13: b":", 16: b":", _SECONDS_WIDTH: b"."}
    for position in range(width):
        expected = separators.get(position)
        column = characters[:, position]
        if expected is None and np.any(digits[:, position] > 9):
            return None
        if expected is not None and not np.all(np.isin(column, np.frombuffer(expected, dtype=np.uint8))):
            return None
    numbers = digits.astype(np.int64)

    def number(start: int, end: int) -> NDArray[np.int64]:
        value = np.zeros(len(texts), dtype=np.int64)
        for position in range(start, end):
            value = value * 10 + numbers[:, position]
        return value

    days = ((number(0, 4) - 1970).astype("datetime64[Y]").astype("datetime64[M]")
            + (number(5, 7) - 1).astype("timedelta64[M]")).astype("datetime64[D]") \
        + (number(8, 10) - 1).astype("timedelta64[D]")
    seconds = (number(11, 13) * 60 + number(14, 16)) * 60 + number(17, 19)
    decimals = width - _SECONDS_WIDTH - 1
    fraction = number(_SECONDS_WIDTH + 1, width) * 10 ** (6 - decimals) if decimals > 0 else 0
    counted: NDArray[np.int64] = days.astype(np.int64) * 86_400_000_000 + seconds * 1_000_000 + fraction
    return counted


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
