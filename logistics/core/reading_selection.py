"""Which stored readings a request selects, in the order they are read out, and where a page ends.

A selection is a list of scans: one logger's readings over one time range, each of which the database
answers with one range scan of its index on (logger, device time). Scans run in the order of the logger
ids (as text), then by time, so a page that ends at reading (logger, time) is continued from exactly there:
the next page costs the same however deep into the readings it lies (keyset paging, no OFFSET).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from logistics.core.limits import business_time_problem

# Stored device times have microsecond precision (Python's, SQLite's text and PostgreSQL's timestamptz),
# so "after t" is "from t + 1 µs": every range keeps an inclusive start.
TICK = timedelta(microseconds=1)
MAX_CURSOR_CHARACTERS = 200
FAR_PAST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TimeRange:
    """[start, end); None leaves that side unbounded."""

    start: datetime | None = None
    end: datetime | None = None

    def is_empty(self) -> bool:
        return self.start is not None and self.end is not None and self.end <= self.start


@dataclass(frozen=True)
class Scan:
    """One logger's readings over one time range."""

    logger: str
    range: TimeRange


@dataclass(frozen=True)
class Position:
    """The last reading a page gave: the next page starts after it."""

    logger: str
    time: datetime


def ranges_within(windows: Iterable[TimeRange], *, since: datetime | None = None,
                  until: datetime | None = None) -> list[TimeRange]:
    """The windows clipped to [since, until), in time order, overlapping or touching ones merged (so that
    no reading is read twice)."""
    clipped = [clip for window in windows if not (clip := _clip(window, since, until)).is_empty()]
    clipped.sort(key=lambda window: (window.start is not None, window.start or FAR_PAST))
    merged: list[TimeRange] = []
    for window in clipped:
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or (window.start is not None and window.start <= last.end)):
            merged[-1] = TimeRange(last.start, _later_end(last.end, window.end))
        else:
            merged.append(window)
    return merged


def _clip(window: TimeRange, since: datetime | None, until: datetime | None) -> TimeRange:
    start = max(filter(None, (window.start, since)), default=None)
    end = min(filter(None, (window.end, until)), default=None)
    return TimeRange(start, end)


def _later_end(first: datetime | None, second: datetime | None) -> datetime | None:
    return None if first is None or second is None else max(first, second)


def scans_after(scans: Sequence[Scan], position: Position | None) -> list[Scan]:
    """What remains of `scans` (in reading order: by logger id, then time) after `position`."""
    if position is None:
        return list(scans)
    remaining = []
    for scan in scans:
        if scan.logger < position.logger:
            continue
        if scan.logger == position.logger:
            scan = Scan(scan.logger, _clip(scan.range, position.time + TICK, None))
            if scan.range.is_empty():
                continue
        remaining.append(scan)
    return remaining


def encode_cursor(position: Position) -> str:
    """An opaque text for ?cursor= that says where the next page starts."""
    text = f"{position.logger}\n{position.time.isoformat()}"
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position an `encode_cursor` text says; ValueError naming the cursor otherwise."""
    problem = "cursor: not a cursor this API gave (use next_cursor from the previous page, unchanged)"
    if len(cursor) > MAX_CURSOR_CHARACTERS or not cursor.isascii():
        raise ValueError(problem)
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        logger, moment = text.split("\n")
        time = datetime.fromisoformat(moment)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(problem) from None
    if not logger or time.tzinfo is None or business_time_problem(time):
        raise ValueError(problem)
    return Position(logger, time)
