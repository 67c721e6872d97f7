"""Importing shipments from CSV: every row checked, and either all of them recorded or none.

A file with a mistake in row 7 is easier to fix and load again than a database holding rows 1-6 of
it; so the whole file is one transaction, and the report names every problem by row and column, all of
them at once (the checks are in shipment_rows.py; this module looks up what they need and writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from logistics.core.quantities import DEFAULT_MAX_QUANTITY
from logistics.db.models import Item, Lot, Shipment
from logistics.services import catalogue
from logistics.services.csv_rows import CsvError, read_rows
from logistics.services.errors import InputError
from logistics.services.shipment_rows import (
    COLUMNS,
    MAX_ROWS,
    RECORDED,
    Lookups,
    Row,
    RowProblem,
    ShipmentRow,
    check_file,
    named_lots,
    named_references,
)
from logistics.services.shipments import add_line, create_shipment

__all__ = ["COLUMNS", "MAX_ROWS", "RECORDED", "ImportReport", "RowProblem", "import_csv"]


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
    try:
        header, rows = read_rows(text)
    except CsvError as error:
        return ImportReport(problems=[RowProblem(error.row, "file", error.problem)])
    checked = check_file(header, rows, lookups(session, rows, default_most))
    if checked.problems:
        return ImportReport(problems=list(checked.problems))
    return _record(session, checked.rows, default_most)


def lookups(session: Session, rows: Sequence[Row], default_most: float = DEFAULT_MAX_QUANTITY) -> Lookups:
    """What the database knows of the sites, lots and references that `rows` name; each lot with its
    item's quantity rule (its own bound, else `default_most`)."""
    references = sorted(named_references(rows))
    used = session.exec(select(Shipment.reference).where(col(Shipment.reference).in_(references))).all()
    lots = session.exec(select(Item, Lot.lot_number).join(Item, Item.id == Lot.item_id)
                        .where(col(Lot.lot_number).in_(sorted(named_lots(rows))))).all()
    return Lookups(site_zones=catalogue.site_zones(session),
                   lot_rules={(item.code, lot): catalogue.quantity_rule(item, default_most)
                              for item, lot in lots},
                   references_used=frozenset(used))


def _record(session: Session, rows: Sequence[ShipmentRow], default_most: float) -> ImportReport:
    report = ImportReport()
    for row in rows:
        try:
            create_shipment(session, row.draft)
            for line in row.lines:
                add_line(session, row.draft.reference, lot=line.lot, quantity=line.quantity,
                         default_most=default_most)
        except InputError as error:  # changed since the check, by someone else meanwhile
            # A line's lot or quantity is reported under the lines column, where it was written.
            return ImportReport(problems=[
                RowProblem(row.number, "lines" if column in ("lot", "quantity") else column, message)
                for column, message in error.errors.items()])
        report.created.append(row.draft.reference)
    return report
