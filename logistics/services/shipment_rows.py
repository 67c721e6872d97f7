"""The shipments CSV format, both ways, without a database: its columns, every problem of a file found in
one pass, and the cells an export writes so that the file can be imported again.

`check_file` is a pure function of the parsed rows and the few facts it needs from the database (site
zones, lots, references already used), which the import service looks up and passes in: a clerk fixing a
file sees all of its problems at once, and the rules are tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from logistics.core.limits import REFERENCE_PATTERN
from logistics.core.quantities import QuantityRule, plain_number, read_plain_number, read_quantity
from logistics.core.spreadsheet import FORMULA_STARTS
from logistics.core.units import QuantityError
from logistics.schemas.shipments import ShipmentCreate
from logistics.services.errors import input_error_from

COLUMNS = ("reference", "origin", "destination", "air_waybill", "planned_departure", "planned_arrival",
           "packaging", "packaging_validated_hours", "import_permit", "notes", "lines")
REQUIRED = ("reference", "origin", "destination")
# Written by the export from the record, read past by the import: a new shipment starts planned, and its
# actual times are recorded as it travels.
RECORDED = ("status", "actual_departure", "actual_arrival")
EXPORT_COLUMNS = ("reference", "status", "origin", "destination", "air_waybill", "planned_departure",
                  "actual_departure", "planned_arrival", "actual_arrival", "packaging",
                  "packaging_validated_hours", "import_permit", "notes", "lines")
MAX_ROWS = 1000
LINE_EXAMPLE = "SEL-CD34/SK2609-031=6 kit; MED-HSC/M26K05=12 bottle"
# A row as csv.DictReader gives it: cells by column name, and those beyond the header under None.
Row = Mapping[Any, object]


@dataclass(frozen=True)
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1 (0: the file as a whole)
    column: str
    problem: str


@dataclass(frozen=True)
class Lookups:
    """What the database knows about the names a file uses."""

    site_zones: Mapping[str, str]  # site code -> IANA time zone
    # (item code, lot number) -> the item's quantity rule: its unit of issue and the most one line may hold
    lot_rules: Mapping[tuple[str, str], QuantityRule]
    references_used: frozenset[str]  # references already given to a shipment


@dataclass(frozen=True)
class ContentsLine:
    lot: str  # ITEM/LOT
    quantity: str  # as typed, with its unit


@dataclass(frozen=True)
class ShipmentRow:
    number: int
    draft: ShipmentCreate
    lines: tuple[ContentsLine, ...]


@dataclass(frozen=True)
class CheckedFile:
    rows: tuple[ShipmentRow, ...]
    problems: tuple[RowProblem, ...]


def check_file(header: Sequence[str], rows: Sequence[Row], lookups: Lookups) -> CheckedFile:
    """Every row read into a draft with its lines, or every problem of the file (nothing is half-read)."""
    problems = header_problems(header)
    if any(name not in header for name in REQUIRED):
        return CheckedFile((), tuple(problems))
    checked: list[ShipmentRow] = []
    first_row: dict[str, int] = {}  # reference -> the row that gave it first
    for number, row in enumerate(rows[:MAX_ROWS], start=2):
        shipment, found = _check_row(number, row, lookups, first_row)
        problems += found
        checked += [shipment] if shipment else []
    if len(rows) > MAX_ROWS:
        problems.append(RowProblem(MAX_ROWS + 2, "file", f"at most {MAX_ROWS} shipments per file: split it"))
    return CheckedFile(tuple(checked) if not problems else (), tuple(problems))


def header_problems(header: Sequence[str]) -> list[RowProblem]:
    """Columns missing, unknown, unnamed or given twice: each named, with the columns the import reads."""
    expected = f"(columns: {', '.join(COLUMNS)}; the export's {', '.join(RECORDED)} are read past)"
    problems = [RowProblem(1, name, f"missing column {name!r} {expected}")
                for name in REQUIRED if name not in header]
    for position, name in enumerate(header, start=1):
        if not name.strip():
            problems.append(RowProblem(1, f"#{position}", f"column {position} has no name {expected}"))
        elif name not in COLUMNS and name not in RECORDED:
            problems.append(RowProblem(1, name, f"unknown column {name!r} {expected}"))
        elif name in header[:position - 1]:
            problems.append(RowProblem(1, name, f"column {name!r} is given twice"))
    return problems


def cell(value: object) -> str:
    """A cell's text, stripped, without the quote an export puts before text a spreadsheet would run."""
    text = value.strip() if isinstance(value, str) else ""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def named_references(rows: Sequence[Row]) -> set[str]:
    """The references a file gives (those that could be one), to ask the database which are used."""
    given = (cell(row.get("reference")) for row in rows[:MAX_ROWS])
    return {text for text in given if re.fullmatch(REFERENCE_PATTERN, text)}


def _check_row(number: int, row: Row, lookups: Lookups,
               first_row: dict[str, int]) -> tuple[ShipmentRow | None, list[RowProblem]]:
    values = {name: cell(row.get(name)) for name in COLUMNS}
    found: dict[str, list[str]] = {}
    extra = row.get(None)
    left_over = [cell(value)[:40] for value in extra if cell(value)] if isinstance(extra, list) else []
    if left_over:
        found.setdefault("row", []).append(
            f"more cells than the header has columns (left over: {', '.join(map(repr, left_over))})")
    draft = _draft(values, lookups.site_zones, found)
    _check_reference(number, values["reference"], lookups.references_used, first_row, found)
    lines = _check_lines(values["lines"], lookups.lot_rules, found)
    problems = [RowProblem(number, column, message) for column, messages in found.items()
                for message in messages]
    return (ShipmentRow(number, draft, lines) if draft and not problems else None), problems


def _draft(values: Mapping[str, str], zones: Mapping[str, str],
           found: dict[str, list[str]]) -> ShipmentCreate | None:
    fields: dict[str, object] = {name: values[name] for name in COLUMNS if name != "lines" and values[name]}
    for end in ("origin", "destination"):
        if values[end] and values[end] not in zones:
            found.setdefault(end, []).append(f"no site with code {values[end]!r}")
    for name, end in (("planned_departure", "origin"), ("planned_arrival", "destination")):
        fields.pop(name, None)
        moment = _time(values[name], zones.get(values[end]), name, found)
        if moment is not None:
            fields[name] = moment
    if values["packaging_validated_hours"]:
        try:  # written out in full, as every number a person types ("9.6e1" is refused)
            fields["packaging_validated_hours"] = read_plain_number(values["packaging_validated_hours"])
        except QuantityError as error:
            fields.pop("packaging_validated_hours")
            found.setdefault("packaging_validated_hours", []).append(error.refusal)
    try:
        draft = ShipmentCreate.model_validate(fields)
    except ValidationError as error:
        for column, message in input_error_from(error).errors.items():
            found.setdefault(column, []).append("required" if message == "Field required" else message)
        return None
    return None if found else draft


def _time(text: str, zone: str | None, column: str, found: dict[str, list[str]]) -> datetime | None:
    """ISO 8601; without an offset, in the site's own zone (as people write it on a packing list)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        found.setdefault(column, []).append(
            f"expected a date and time such as 2026-12-01 09:30, got {text!r}")
        return None
    if moment.tzinfo is None:
        if zone is None:
            found.setdefault(column, []).append(
                "give an offset (+08:00) or a known site, to know which local time this is")
            return None
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def _check_reference(number: int, reference: str, used: frozenset[str], first_row: dict[str, int],
                     found: dict[str, list[str]]) -> None:
    if not reference:
        return
    if reference in first_row:
        found.setdefault("reference", []).append(f"{reference!r} is also in row {first_row[reference]}")
    elif reference in used:
        found.setdefault("reference", []).append(f"{reference!r} is already used")
    first_row.setdefault(reference, number)


def split_lines(text: str) -> list[tuple[str, str | None]]:
    """"SEL-CD34/SK2609-031=6 kit; MED-HSC/M26K05=12 bottle" as (lot, quantity) pairs; quantity None where
    a part has no "=". The last "=" splits, since a quantity never holds one."""
    pairs: list[tuple[str, str | None]] = []
    for part in filter(None, (piece.strip() for piece in text.split(";"))):
        lot, separator, quantity = part.rpartition("=")
        pairs.append((lot.strip(), quantity.strip()) if separator else (part, None))
    return pairs


def _check_lines(text: str, lot_rules: Mapping[tuple[str, str], QuantityRule],
                 found: dict[str, list[str]]) -> tuple[ContentsLine, ...]:
    lines: list[ContentsLine] = []
    seen: set[str] = set()
    for lot, quantity in split_lines(text):
        problem = _line_problem(lot, quantity, lot_rules, seen)
        if problem:
            found.setdefault("lines", []).append(problem)
        else:
            lines.append(ContentsLine(lot, quantity or ""))
        seen.add(lot)
    return tuple(lines)


def _line_problem(lot: str, quantity: str | None, lot_rules: Mapping[tuple[str, str], QuantityRule],
                  seen: set[str]) -> str | None:
    if quantity is None:
        return f"write each line as ITEM/LOT=QUANTITY, e.g. {LINE_EXAMPLE}; got {lot!r}"
    item_code, _, lot_number = lot.partition("/")
    rule = lot_rules.get((item_code.strip(), lot_number.strip()))
    if rule is None:
        return f"no lot {lot!r} (write ITEM/LOT, e.g. SEL-CD34/SK2609-031)"
    if lot in seen:
        return f"{lot} is listed twice: give it one line"
    try:
        read_quantity(quantity, rule)  # the item's quantity rule, as a line added on the page asks it
    except QuantityError as error:
        return f"{lot}: {error.refusal} (this item is issued in {rule.unit})"
    return None


def named_lots(rows: Sequence[Row]) -> set[str]:
    """The lot numbers a file's lines name, to look up (no record holds a NUL, nor can a query send one)."""
    named = (lot.partition("/")[2].strip() for row in rows[:MAX_ROWS]
             for lot, _ in split_lines(cell(row.get("lines"))))
    return {number for number in named if "\x00" not in number}


# -- the export's cells --------------------------------------------------------------------------------

def time_cell(moment: datetime | None, zone: str) -> str:
    """A time in its site's zone, ISO 8601 with the offset, to the second; in UTC where the zone cannot
    express it (a stored year 9999)."""
    if moment is None:
        return ""
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except OverflowError:
        local = moment.astimezone(UTC)
    return local.replace(microsecond=0).isoformat()


def hours_cell(seconds: float | None) -> str:
    """Hours as the import reads them, written out in full (`96`, `1.1`, never `1e-06`); rounded so that
    reading them back gives the same text again."""
    return "" if seconds is None else plain_number(round(seconds / 3600, 6))


def quantity_text(amount: float) -> str:
    """A stored quantity as text the import reads back to the same value, written out in full as the
    import wants it: 6, 0.5, 0.00001 (never 1e-05)."""
    return plain_number(amount)


def lines_cell(lines: Iterable[tuple[str, str, float, str]]) -> str:
    """(item code, lot number, quantity, unit) as the import's `lines`: ITEM/LOT=QUANTITY UNIT; ..."""
    return "; ".join(f"{item}/{lot}={quantity_text(quantity)} {unit}" for item, lot, quantity, unit in lines)
