"""The bounds on what people may type, named once so that the API, the forms, the CSV import and the
README all state the same ones.

Each bound is far beyond any real shipment, and well inside what the database, Python's datetime and the
number formatters can hold: a value outside it is a typo or an attack, and is refused naming its field.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

# Business times (planned and actual departures and arrivals, legs, milestones, logger assignments):
# UTC, from the first instant to before the last. Converting year 1 or 9999 to UTC overflows datetime.
BUSINESS_TIME_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
BUSINESS_TIME_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
WINDOW_TEXT = f"{BUSINESS_TIME_EARLIEST:%Y-%m-%d} up to {BUSINESS_TIME_LATEST:%Y-%m-%d}"

# The most any quantity of an item may be, in its unit of issue (a million kit, or 1,000 L of medium in mL):
# the ceiling of an item's max_quantity and of the setting (quantities.py applies them), and the bound the
# forecast holds stored lines to.
MAX_LINE_QUANTITY = 1_000_000.0

# ?q= of the shipments list: longer is no search anyone types (and SQLite refuses LIKE patterns
# over 50,000 bytes, which would otherwise surface as a database outage).
MAX_SEARCH_CHARACTERS = 100

# The reason given for a change, as the audit trail keeps it (its column's length).
MAX_REASON_CHARACTERS = 1000

# ?page= of any listing: (page - 1) * per_page must stay a 64-bit integer for the database.
MAX_PAGE = 1_000_000

# Readings in one page of the API (?limit=): a page is built in memory; the CSV answer streams them all.
MAX_READINGS_PAGE = 10_000

# JSON request bodies: the API's deepest shape is two levels; 32 leaves room and keeps the
# parser (recursive in CPython) far from the interpreter's recursion limit.
MAX_JSON_DEPTH = 32

# Reference of a shipment: one path segment of its URL (no "/"), and not the name of a page under
# /shipments/ (which the URL would open instead of the shipment).
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$"
RESERVED_REFERENCES = frozenset({"new", "import", "from-lane"})


def business_time_problem(moment: datetime) -> str | None:
    """Why `moment` (aware) is no business time, or None when it lies in the window."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+08:00 is before year 1 in UTC
        utc = None
    if utc is None or not BUSINESS_TIME_EARLIEST <= utc < BUSINESS_TIME_LATEST:
        return f"must be from {WINDOW_TEXT} (UTC), got {moment.isoformat()}"
    return None


def line_quantity_problem(amount: float) -> str | None:
    """Why `amount` is no quantity for a shipment line, or None when it is one."""
    if not math.isfinite(amount) or amount <= 0:
        return "must be more than nothing"
    if amount > MAX_LINE_QUANTITY:
        return f"must be at most {MAX_LINE_QUANTITY:,.0f} per line"
    return None


class TooDeep(ValueError):
    """A JSON document nested deeper than MAX_JSON_DEPTH."""


def loads_bounded(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads that refuses documents nested deeper than `max_depth` levels (a TooDeep error)."""
    try:
        document = json.loads(text)
    except RecursionError:  # CPython's parser recurses: thousands of "[" exhaust the stack
        raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if _depth(document) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return document


def _depth(document: Any) -> int:
    """How deeply lists and objects nest in a parsed document (walked without recursion)."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, level = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in children)
    return deepest


NUL_PROBLEM = "holds a NUL character (U+0000), which no record can keep"


def nul_field(document: Any) -> str | None:
    """The dotted path of the first text holding a NUL character in a parsed JSON document, else None.

    No one types U+0000, and PostgreSQL cannot store it in text: it is refused up front, naming the field."""
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
        elif isinstance(value, dict):
            for key, child in value.items():
                where = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return where
                pending.append((where, child))
        elif isinstance(value, list):
            pending.extend((f"{path}.{index}" if path else str(index), child)
                           for index, child in enumerate(value))
    return None
