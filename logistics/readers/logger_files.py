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
from operator import itemgetter
from pathlib import Path
from typing import Any

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


_UNSEEN, _REFUSED = object(), object()  # values not read yet; values the careful path has to word


def _columns(reader: Any, layout: _Layout) -> tuple[ReadingColumns, str]:
    """The readings of the rows left in `reader`, and the first one's timestamp as written.

    A year of one-minute readings is half a million rows, so plain rows take a quick path: a time in
    extended ISO 8601 ending in the UTC offset of the first such row (`_offset_suffix`), read without
    it, numbers as the careful path read them the first time (a logger repeats the same few hundred
    values). Any other row goes the careful way (`_sample`), which reads it or names its problem: the
    quick path accepts nothing it refuses, and reads alike.
    """
    local_texts: list[str] = []
    # Each row's (°C, g) as the number of the pair in `pairs`, one per distinct set of cells: a list
    # of half a million small numbers becomes an array at once, and gives the garbage collector
    # nothing new to walk as it grows.
    pairs: list[tuple[float | None, float | None]] = []
    numbers: list[int] = []
    add_text, add_number = local_texts.append, numbers.append
    exact_us: dict[int, int] = {}  # the times of rows read the careful way, by position
    first_timestamp = ""
    known: dict[object, object] = {}
    cells = itemgetter(*(at for at in (layout.temperature, layout.unit, layout.shock) if at is not None))
    stamp, columns = layout.timestamp, layout.columns
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
                    if not earliest <= local < latest:
                        local = None
                except (ValueError, TypeError):  # TypeError: it had an offset of its own
                    local = None
        if local is not None:
            key = cells(row)
            number = known.get(key, _UNSEEN)
            if number is _UNSEEN:
                number = known[key] = _number_of(_quick_values(row, layout), pairs)
            if number is not _REFUSED:
                add_text(local_text)
                add_number(number)  # type: ignore[arg-type]
                first_timestamp = first_timestamp or text.strip()
                continue
        if not _blank(row):
            sample = _sample(row, layout, reader.line_num)
            exact_us[len(local_texts)] = microseconds_of(sample.time)
            add_text(_PLACEHOLDER_TEXT)
            add_number(_number_of((sample.temperature_c, sample.shock_g), pairs))  # type: ignore[arg-type]
            first_timestamp = first_timestamp or row[stamp].strip()
    return _in_columns(local_texts, numbers, pairs, offset, exact_us), first_timestamp


def _number_of(pair: object, pairs: list[tuple[float | None, float | None]]) -> object:
    """Where `pair` is in `pairs`, put there now; _REFUSED stays so."""
    if pair is _REFUSED:
        return _REFUSED
    pairs.append(pair)  # type: ignore[arg-type]
    return len(pairs) - 1


def _quick_values(row: Sequence[str], layout: _Layout) -> object:
    """A row's (°C, g) as `_sample` reads them; _REFUSED for what it refuses (and names)."""
    try:
        pair = _temperature_c(row, layout), _shock_g(_cell(row, layout.shock))
    except BadValue:
        return _REFUSED
    return _REFUSED if pair == (None, None) else pair


def _in_columns(local_texts: list[str], numbers: list[int], pairs: list[tuple[float | None, float | None]],
                offset: timedelta, exact_us: dict[int, int]) -> ReadingColumns:
    """The rows as columns: local times less their offset, and the exact times of careful rows."""
    times_us = _local_microseconds(local_texts) - offset // MICROSECOND
    for index, microseconds in exact_us.items():
        times_us[index] = microseconds
    values = np.array(pairs, dtype=np.float64).reshape(len(pairs), 2)
    rows = np.array(numbers, dtype=np.intp)
    return ReadingColumns(times_us, values[rows, 0], values[rows, 1])


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
    separators = {4: b"-", 7: b"-", 10: b"T ", 13: b":", 16: b":", _SECONDS_WIDTH: b"."}
    for position, allowed in separators.items():
        if position < width and not np.isin(characters[:, position], list(allowed)).all():
            return None
    digits = characters - np.uint8(ord("0"))  # anything but a digit wraps around above 9
    if (digits[:, [position for position in range(width) if position not in separators]] > 9).any():
        return None

    def number(start: int, end: int) -> NDArray[np.int64]:
        value = digits[:, start].astype(np.int64)
        for position in range(start + 1, end):
            value = value * 10 + digits[:, position]
        return value

    days = _days_since_1970(number(0, 4), number(5, 7), number(8, 10))
    seconds = (days * 24 + number(11, 13)) * 3600 + number(14, 16) * 60 + number(17, 19)
    decimals = width - _SECONDS_WIDTH - 1
    fraction = number(_SECONDS_WIDTH + 1, width) * 10 ** (6 - decimals) if decimals > 0 else 0
    counted: NDArray[np.int64] = seconds * 1_000_000 + fraction
    return counted


def _days_since_1970(year: NDArray[np.int64], month: NDArray[np.int64],
                     day: NDArray[np.int64]) -> NDArray[np.int64]:
    """Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil)."""
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days: NDArray[np.int64] = era * 146_097 + day_of_era - 719_468
    return days


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
