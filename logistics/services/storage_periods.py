"""Which lots a storage zone held, and when: the storage periods that tie a zone's excursions to lots.

The rule is logistics.core.storage's: a lot held at a site (its available and quarantined stock) is in
that site's zones of its item's storage profile, from the moment its stock there rises above zero until it
is back at zero. Kept apart from the zone pages so that the evidence hook can ask it from the scan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from logistics.core.excursion_review import ReviewStatus
from logistics.core.storage import HELD, Span, holding_spans
from logistics.db.models import ExcursionRecord, Item, Lot, Site, StockMovement, StorageZone
from logistics.services.errors import NotFound


def held_spans(session: Session, lot_id: int) -> dict[int, list[Span]]:
    """Per site id: the lot's storage periods there (core.storage.holding_spans over its usable stock)."""
    changes: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    movements = (select(StockMovement.site_id, StockMovement.at, StockMovement.quantity)
                 .where(StockMovement.lot_id == lot_id, col(StockMovement.status).in_(sorted(HELD))))
    for site_id, at, quantity in session.exec(movements).all():
        changes[site_id].append((at, quantity))
    return {site_id: spans for site_id, moves in changes.items() if (spans := holding_spans(moves))}


# --- Zone excursions and the lots they concern ------------------------------------------------------------

@dataclass(frozen=True)
class ExposedLot:
    """A lot held in a zone while one of its excursions ran."""

    item: Item
    lot: Lot
    site: str


def lots_exposed(session: Session, record: ExcursionRecord) -> list[ExposedLot]:
    """The lots that were held in the record's storage zone while it ran ([start, end), or since its start
    while it still runs); nothing for a shipment's excursion (its lots are its lines)."""
    if record.storage_zone_id is None:
        return []
    zone = session.get(StorageZone, record.storage_zone_id)
    if zone is None:
        return []
    candidates = session.exec(
        select(Item, Lot).join(Lot, Lot.item_id == Item.id)
        .join(StockMovement, StockMovement.lot_id == Lot.id)
        .where(StockMovement.site_id == zone.site_id, Item.storage_profile == zone.storage_profile)
        .distinct().order_by(col(Item.code), col(Lot.lot_number))).all()
    site = session.get(Site, zone.site_id)
    exposed = []
    for item, lot in candidates:
        assert lot.id is not None
        spans = held_spans(session, lot.id).get(zone.site_id, [])
        if any(span.overlaps(record.start, record.end) for span in spans):
            exposed.append(ExposedLot(item, lot, site.code if site else "?"))
    return exposed


def zone_excursions_of_lot(session: Session, lot_id: int) -> list[ExcursionRecord]:
    """The storage-zone excursions (withdrawn ones left out) that ran while the lot was held in the zone:
    what the lot's passport and a QA decision must take into account."""
    lot = session.get(Lot, lot_id)
    item = session.get(Item, lot.item_id) if lot else None
    if lot is None or item is None:
        raise NotFound(f"no lot {lot_id}")
    spans = held_spans(session, lot_id)
    if not spans:
        return []
    records = session.exec(
        select(ExcursionRecord, StorageZone.site_id)
        .join(StorageZone, StorageZone.id == ExcursionRecord.storage_zone_id)
        .where(col(StorageZone.site_id).in_(list(spans)), StorageZone.storage_profile == item.storage_profile,
               ExcursionRecord.status != ReviewStatus.WITHDRAWN.value)
        .order_by(col(ExcursionRecord.start), col(ExcursionRecord.id))).all()
    return [record for record, site_id in records
            if any(span.overlaps(record.start, record.end) for span in spans[site_id])]
