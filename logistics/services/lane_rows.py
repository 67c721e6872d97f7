"""The lanes CSV format, both ways, without a database: one row per leg of a lane, the lane's own columns
repeated on each of its rows; every problem of a file found in one pass, each named by its row and column;
and the file an export writes, which loads again as the same lanes.

`check_file` turns the rows into lane drafts (and where each field came from), or the file's problems; the
lane rules that need the database (sites, storage profiles, the legs joining up) are applied where lanes
are recorded, and their refusals are placed back on rows with `place`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from logistics.core.quantities import plain_number, read_plain_number
from logistics.core.spreadsheet import safe_row
from logistics.core.units import QuantityError
from logistics.schemas.lanes import LaneCreate, LanePublic
from logistics.services.errors import input_error_from
from logistics.services.shipment_rows import RowProblem, cell

LANE_COLUMNS = ("code", "name", "origin", "destination", "packaging", "packaging_hold_hours",
                "storage_profiles", "loggers_per_box", "coolant", "coolant_kg", "no_free_liquid", "notes")
LEG_COLUMNS = ("leg", "leg_mode", "leg_origin", "leg_destination", "leg_carrier", "leg_wait_hours",
               "leg_duration_hours")
COLUMNS = LANE_COLUMNS + LEG_COLUMNS
REQUIRED = ("code", "name", "origin", "destination", "leg", "leg_mode", "leg_origin", "leg_destination",
            "leg_duration_hours")
NUMBERS = ("packaging_hold_hours", "loggers_per_box", "coolant_kg", "leg", "leg_wait_hours",
           "leg_duration_hours")
WHOLE = ("loggers_per_box", "leg")
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0", "")
MAX_ROWS = 2000
Row = Mapping[Any, object]  # as csv.DictReader gives it: cells beyond the header under None


@dataclass
class LaneRows:
    """One lane of a file: its first row's lane columns, and its legs' rows by leg number."""

    first_row: int
    lane: dict[str, object]
    legs: dict[int, tuple[int, dict[str, object]]] = field(default_factory=dict)  # number -> (row, cells)

    def rows_of_legs(self) -> list[int]:
        return [row for _, (row, _) in sorted(self.legs.items())]


@dataclass(frozen=True)
class CheckedLanes:
    """The lanes read whole (each lane with no problem of its own), where each lane's fields came from,
    and every problem of the file: the file is recorded only when there is none, but the lanes read are
    checked against the database too, so that the report names the problems of every lane at once."""

    drafts: tuple[LaneCreate, ...]
    lanes: Mapping[str, LaneRows]  # by code
    problems: tuple[RowProblem, ...]


def check_file(header: Sequence[str], rows: Sequence[Row]) -> CheckedLanes:
    """The file's lanes as drafts, and every problem of the file found without the database."""
    problems = header_problems(header)
    if any(name not in header for name in REQUIRED):
        return CheckedLanes((), {}, tuple(problems))
    lanes: dict[str, LaneRows] = {}
    troubled: set[str] = set()  # the codes of lanes with a problem on one of their rows
    for number, row in enumerate(rows[:MAX_ROWS], start=2):
        found = _take_row(number, row, lanes)
        problems += found
        troubled |= {cell(row.get("code"))} if found else set()
    if len(rows) > MAX_ROWS:
        problems.append(RowProblem(MAX_ROWS + 2, "file", f"at most {MAX_ROWS} rows (legs) per file: "
                                                         "split it"))
    if not rows:
        problems.append(RowProblem(2, "file", "no lane in the file: one row per leg after the header"))
    drafts = []
    for code, lane in lanes.items():
        numbers = sorted(lane.legs)
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            problems.append(RowProblem(lane.first_row, "leg", (
                f"the legs of {code} are numbered {', '.join(map(str, numbers))}: number them 1 to "
                f"{len(numbers)}, in the order they are travelled")))
            continue
        legs = [{name.removeprefix("leg_"): value for name, value in cells.items() if name != "leg"}
                for _, (_, cells) in sorted(lane.legs.items())]
        try:
            draft = LaneCreate.model_validate({**lane.lane, "legs": legs})
        except ValidationError as error:  # a cell refused already is missing here: said once
            said = {(problem.row, problem.column) for problem in problems}
            problems += [problem for problem in place(lane, input_error_from(error).errors)
                         if (problem.row, problem.column) not in said]
            continue
        drafts += [draft] if code not in troubled else []
    return CheckedLanes(tuple(drafts), lanes, tuple(problems))


def header_problems(header: Sequence[str]) -> list[RowProblem]:
    """Columns missing, unknown, unnamed or given twice: each named, with the columns the file may have."""
    expected = f"(columns: {', '.join(COLUMNS)})"
    problems = [RowProblem(1, name, f"missing column {name!r} {expected}")
                for name in REQUIRED if name not in header]
    for position, name in enumerate(header, start=1):
        if not name.strip():
            problems.append(RowProblem(1, f"#{position}", f"column {position} has no name {expected}"))
        elif name not in COLUMNS:
            problems.append(RowProblem(1, name, f"unknown column {name!r} {expected}"))
        elif name in header[:position - 1]:
            problems.append(RowProblem(1, name, f"column {name!r} is given twice"))
    return problems


def place(lane: LaneRows, errors: Mapping[str, str]) -> list[RowProblem]:
    """Refusals of a lane's fields ("coolant_kg", "legs.1.origin") on the rows and columns they came from:
    a lane's field on its first row, a leg's on that leg's row."""
    legs, problems = lane.rows_of_legs(), []
    for name, message in errors.items():
        parts = name.split(".")
        if parts[0] == "legs" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(legs):
            column = f"leg_{parts[2]}" if len(parts) > 2 else "leg"
            problems.append(RowProblem(legs[int(parts[1])], column, message))
        else:
            problems.append(RowProblem(lane.first_row, "leg" if parts[0] == "legs" else parts[0], message))
    return problems


def _take_row(number: int, row: Row, lanes: dict[str, LaneRows]) -> list[RowProblem]:
    """Read one row into its lane (the first row of a code gives the lane's columns; the others must say
    the same); the row's problems."""
    problems: list[RowProblem] = []
    texts, values, refused = _read_cells(number, row, problems)
    code = texts["code"]
    if not code:
        return [*problems, RowProblem(number, "code", "required: the code of the lane this leg belongs to")]
    lane_cells = {name: values[name] for name in LANE_COLUMNS if name in values}
    lane = lanes.setdefault(code, LaneRows(number, lane_cells))
    differing = [name for name in LANE_COLUMNS if lane.first_row != number and name not in refused
                 and lane_cells.get(name) != lane.lane.get(name)]
    problems += [RowProblem(number, name, f"differs from row {lane.first_row}, the first row of {code}: a "
                                          "lane's columns are the same on each of its rows")
                 for name in differing]
    leg = values.get("leg")
    if isinstance(leg, int) and leg in lane.legs:
        problems.append(RowProblem(number, "leg", f"leg {leg} of {code} is also in row {lane.legs[leg][0]}"))
    elif isinstance(leg, int):
        lane.legs[leg] = (number, {name: values[name] for name in LEG_COLUMNS if name in values})
    elif not texts["leg"]:
        problems.append(RowProblem(number, "leg", "required: the leg's number in its lane, from 1"))
    return problems


def _read_cells(number: int, row: Row, problems: list[RowProblem]
                ) -> tuple[dict[str, str], dict[str, object], set[str]]:
    """A row's cells as text, the values read from them, and the columns refused (added to `problems`)."""
    extra = row.get(None)
    left_over = [cell(value)[:40] for value in extra if cell(value)] if isinstance(extra, list) else []
    if left_over:
        problems.append(RowProblem(number, "row", "more cells than the header has columns (left over: "
                                                  f"{', '.join(map(repr, left_over))})"))
    texts = {name: cell(row.get(name)) for name in COLUMNS}
    values: dict[str, object] = {}
    refused: set[str] = set()
    for name in COLUMNS:
        if texts[name]:
            before = len(problems)
            value = _value(name, texts[name], number, problems)
            if len(problems) == before:
                values[name] = value
            else:
                refused.add(name)
    return texts, values, refused


def _value(name: str, text: str, number: int, problems: list[RowProblem]) -> object:
    """A cell as the lane's field takes it: numbers written out in full, a flag, a list of profiles."""
    if name == "storage_profiles":
        return [part.strip() for part in text.split(";") if part.strip()]
    if name == "no_free_liquid":
        if text.lower() not in TRUE + FALSE:
            problems.append(RowProblem(number, name, f"write true or false, not {text[:40]!r}"))
            return None
        return text.lower() in TRUE
    if name not in NUMBERS:
        return text
    try:
        amount = read_plain_number(text)
    except QuantityError as error:
        problems.append(RowProblem(number, name, error.refusal))
        return None
    if name in WHOLE:
        if not amount.is_integer() or amount < (1 if name == "leg" else 0):
            problems.append(RowProblem(number, name, "must be a whole number" + (", from 1" if name == "leg"
                                                                                 else "")))
            return None
        return int(amount)
    return amount


def lanes_csv(lanes: Iterable[LanePublic]) -> str:
    """The lanes as CSV text in this format (a header row, then a row per leg), numbers written out in
    full, cells a spreadsheet would run as formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for lane in lanes:
        own = [lane.code, lane.name, lane.origin, lane.destination, lane.packaging or "",
               _number(lane.packaging_hold_hours), "; ".join(lane.storage_profiles), lane.loggers_per_box,
               lane.coolant, _number(lane.coolant_kg), "true" if lane.no_free_liquid else "false",
               lane.notes or ""]
        for leg in lane.legs:
            writer.writerow(safe_row([*own, leg.sequence, leg.mode, leg.origin, leg.destination,
                                      leg.carrier or "", _number(leg.wait_hours),
                                      _number(leg.duration_hours)]))
    return out.getvalue()


def _number(value: float | None) -> str:
    """Hours or kg as the file reads them: written out in full, rounded so they read back the same."""
    return "" if value is None else plain_number(round(value, 6))
