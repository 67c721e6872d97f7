"""Importing shipments from CSV: every row checked, and either all of them recorded or none.

A file with a mistake in row 7 is easier to fix and load again than a database holding rows 1-6 of
it; so the whole file is one transaction, and the report names every problem by row and column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlmodel import Session, select

from logistics.core.quantities import DEFAULT_MAX_QUANTITY, read_plain_number
from logistics.core.units import QuantityError
from logistics.db.models import Site
from logistics.schemas.shipments import ShipmentCreate
from logistics.services.csv_rows import CsvError, read_rows
from logistics.services.errors import InputError, input_error_from
from logistics.services.shipments import add_line, create_shipment

COLUMNS = ("reference", "origin", "destination", "air_waybill", "planned_departure", "planned_arrival",
           "packaging", "packaging_validated_hours", "import_permit", "notes", "lines")
REQUIRED = ("reference", "origin", "destination")
MAX_ROWS = 1000


@dataclass(frozen=True)
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    problem: str


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def import_csv(session: Session, text: str, *, default_most: float = DEFAULT_MAX_QUANTITY) -> ImportReport:
    """Create a shipment per row (with its lines); on any problem nothing is kept (the caller rolls back).
    A line's quantity is bounded by its item's own bound, else by `default_most` (the max_quantity
    setting)."""
    report = ImportReport()
    try:
        header, rows = read_rows(text)
    except CsvError as error:
        report.problems.append(RowProblem(error.row, "file", error.problem))
        return report
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        detail = "; ".join([*(f"missing column {name!r}" for name in missing),
                            *(f"unknown column {name!r}" for name in unknown)])
        report.problems.append(RowProblem(1, "header", f"{detail} (columns: {', '.join(COLUMNS)})"))
        return report
    zones = dict(session.exec(select(Site.code, Site.timezone)).all())
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            report.problems.append(RowProblem(number, "file", f"at most {MAX_ROWS} shipments per file"))
            break
        report.problems.extend(_import_row(session, number, row, zones, report, default_most))
    return report


def _import_row(session: Session, number: int, row: dict[str, str | None], zones: dict[str, str],
                report: ImportReport, default_most: float) -> Iterable[RowProblem]:
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    try:
        with session.begin_nested():
            draft = _draft(values, zones)
            create_shipment(session, draft)
            for lot, quantity in _lines(values["lines"]):
                add_line(session, draft.reference, lot=lot, quantity=quantity, default_most=default_most)
    except InputError as error:
        # A line's lot or quantity is reported under the lines column, where it was written.
        return [RowProblem(number, "lines" if column in ("lot", "quantity") else column, message)
                for column, message in error.errors.items()]
    report.created.append(values["reference"])
    return []


def _draft(values: dict[str, str], zones: dict[str, str]) -> ShipmentCreate:
    fields: dict[str, object] = {name: values[name] or None for name in COLUMNS if name != "lines"}
    problems: dict[str, str] = {}
    for name, site in (("planned_departure", "origin"), ("planned_arrival", "destination")):
        fields[name] = _time(values[name], zones.get(values[site]), name, problems)
    hours = values["packaging_validated_hours"]
    if hours:
        try:
            fields["packaging_validated_hours"] = read_plain_number(hours)
        except QuantityError as error:
            problems["packaging_validated_hours"] = error.refusal
    if problems:
        raise InputError(problems)
    try:
        return ShipmentCreate.model_validate({name: value for name, value in fields.items()
                                              if value is not None})
    except ValidationError as error:
        raise input_error_from(error) from None


def _time(text: str, zone: str | None, column: str, problems: dict[str, str]) -> datetime | None:
    """ISO 8601; without an offset, in the site's own zone (as people write it on a packing list)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems[column] = f"expected a date and time such as 2026-12-01 09:30, got {text!r}"
        return None
    if moment.tzinfo is None:
        if zone is None:
            problems[column] = "give an offset (+08:00) or a known site, to know which local time this is"
            return None
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def _lines(text: str) -> list[tuple[str, str]]:
    """"SEL-CD34/SK2609-031=6 kit; MED-HSC/M26K05=12 bottle" as (lot, quantity) pairs."""
    pairs = []
    for part in filter(None, (piece.strip() for piece in text.split(";"))):
        lot, separator, quantity = part.partition("=")
        if not separator:
            raise InputError({"lines": f"write each line as ITEM/LOT=QUANTITY, got {part!r}"})
        pairs.append((lot.strip(), quantity.strip()))
    return pairs
