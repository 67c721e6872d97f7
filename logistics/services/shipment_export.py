"""The shipments list as CSV, in the import's format: an exported file can be edited and imported again.

Each row carries the columns the import reads (times in the site's own zone, with the offset, to the
second; the contents as `lines`), and the recorded status and actual times, which the import reads past.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, select

from logistics.core.spreadsheet import safe_row
from logistics.db.models import Item, Lot, Shipment, ShipmentLine
from logistics.services import catalogue
from logistics.services.shipment_rows import EXPORT_COLUMNS, hours_cell, lines_cell, time_cell
from logistics.services.shipments import ShipmentFilter, matching

Contents = list[tuple[str, str, float, str]]  # (item code, lot number, quantity, unit), as added
CHUNK = 500  # shipment ids per query for their lines, well inside any database's parameter limit


def export_csv(session: Session, filters: ShipmentFilter | None = None) -> str:
    """The shipments the filters let through, newest first, as CSV text with a header row."""
    found = matching(session, filters)
    contents = _contents(session, [shipment.id for shipment, _, _ in found if shipment.id is not None])
    zones = catalogue.site_zones(session)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for shipment, origin, destination in found:
        cells = _cells(shipment, origin, destination, contents[shipment.id or 0], zones)
        writer.writerow(safe_row(cells[name] for name in EXPORT_COLUMNS))
    return out.getvalue()


def _cells(shipment: Shipment, origin: str, destination: str, lines: Contents,
           zones: dict[str, str]) -> dict[str, object]:
    leaving, arriving = zones[origin], zones[destination]
    return {
        "reference": shipment.reference, "status": shipment.status, "origin": origin,
        "destination": destination, "air_waybill": shipment.air_waybill or "",
        "planned_departure": time_cell(shipment.planned_departure, leaving),
        "actual_departure": time_cell(shipment.actual_departure, leaving),
        "planned_arrival": time_cell(shipment.planned_arrival, arriving),
        "actual_arrival": time_cell(shipment.actual_arrival, arriving),
        "packaging": shipment.packaging or "",
        "packaging_validated_hours": hours_cell(shipment.packaging_validated_s),
        "import_permit": shipment.import_permit or "", "notes": shipment.notes or "",
        "lines": lines_cell(lines),
    }


def _contents(session: Session, shipment_ids: Sequence[int]) -> defaultdict[int, Contents]:
    """Each shipment's lines, in the order they were added."""
    contents: defaultdict[int, Contents] = defaultdict(list)
    for start in range(0, len(shipment_ids), CHUNK):
        rows = session.exec(
            select(ShipmentLine.shipment_id, Item.code, Lot.lot_number, ShipmentLine.quantity,
                   ShipmentLine.unit)
            .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
            .where(col(ShipmentLine.shipment_id).in_(shipment_ids[start:start + CHUNK]))
            .order_by(col(ShipmentLine.id))).all()
        for shipment_id, item, lot, quantity, unit in rows:
            contents[shipment_id].append((item, lot, quantity, unit))
    return contents
