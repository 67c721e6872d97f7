"""A shipment's shipping and receiving events as an EPCIS 2.0 document, with its loggers' sensor data."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from logistics.core.epcis import (
    AlarmInterval,
    DecisionFacts,
    LineFacts,
    LoggerFacts,
    ReceiptFacts,
    ReceiptLineFacts,
    ShipmentFacts,
    SiteFacts,
    UnitWithoutCode,
    epcis_document,
)
from logistics.core.excursion_review import ReviewStatus
from logistics.core.profiles import StorageProfile
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Logger,
    Lot,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Site,
)
from logistics.services.errors import InputError
from logistics.services.excursions import summaries
from logistics.services.shipments import describe_shipment, get_shipment

DISPOSITION_OUTCOME = {"accept": "accepted", "quarantine": "quarantined", "reject": "rejected"}


def export_document(session: Session, reference: str, profiles: dict[str, StorageProfile], *,
                    now: datetime) -> dict[str, Any]:
    """The EPCIS document of shipment `reference` (NotFound if there is none), created `now`."""
    facts = shipment_facts(session, reference, profiles, now=now)
    try:
        return epcis_document(facts, created=now)
    except UnitWithoutCode as error:
        raise InputError({"unit": str(error)}) from None


def shipment_facts(session: Session, reference: str, profiles: dict[str, StorageProfile], *,
                   now: datetime) -> ShipmentFacts:
    """What the export says about the shipment, read from the database."""
    described = describe_shipment(session, reference)
    shipment = get_shipment(session, reference)
    return ShipmentFacts(
        reference=described.reference, status=described.status.value,
        origin=_site(session, shipment.origin_id), destination=_site(session, shipment.destination_id),
        lines=tuple(LineFacts(line.item_code, line.lot_number, line.quantity, line.unit)
                    for line in described.lines),
        actual_departure=described.actual_departure,
        actual_arrival=described.actual_arrival, air_waybill=described.air_waybill,
        loggers=_logger_summaries(session, shipment, profiles, now),
        receipt=_receipt(session, shipment), decisions=_decisions(session, shipment),
    )


def _receipt_lines(session: Session, shipment: Shipment) -> Any:
    return session.exec(
        select(Receipt, ReceiptLine, ShipmentLine, Lot, Item)
        .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
        .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .where(Receipt.shipment_id == shipment.id).order_by(col(ReceiptLine.id))).all()


def _receipt(session: Session, shipment: Shipment) -> ReceiptFacts | None:
    """The receipt's outcome per line: intact units under the disposition the rules allowed, and damage."""
    rows = _receipt_lines(session, shipment)
    if not rows:
        return None
    receipt = rows[0][0]
    lines = tuple(ReceiptLineFacts(item.code, lot.lot_number, shipment_line.unit, damaged=line.damaged,
                                   **{DISPOSITION_OUTCOME[line.disposition]: line.received})
                  for _receipt_row, line, shipment_line, lot, item in rows)
    return ReceiptFacts(time=receipt.received_at, site=_site(session, receipt.site_id), lines=lines)


def _decisions(session: Session, shipment: Shipment) -> tuple[DecisionFacts, ...]:
    return tuple(DecisionFacts(line.decided_at, _site(session, receipt.site_id), item.code, lot.lot_number,
                               shipment_line.unit, line.released or 0.0, line.rejected or 0.0)
                 for receipt, line, shipment_line, lot, item in _receipt_lines(session, shipment)
                 if line.decided_at is not None)


def _site(session: Session, site_id: int) -> SiteFacts:
    site = session.get(Site, site_id)
    assert site is not None  # a foreign key
    return SiteFacts(code=site.code, timezone=site.timezone)


def _logger_summaries(session: Session, shipment: Shipment, profiles: dict[str, StorageProfile],
                      now: datetime) -> tuple[LoggerFacts, ...]:
    """Each logger with readings in the shipment, with its excursions. The readings are the same under
    every storage profile of the goods; the first profile's evaluation gives the statistics."""
    alarms = _alarms(session, shipment)
    found: dict[str, LoggerFacts] = {}
    for row in summaries(session, shipment, profiles, now=now):
        evaluation, stats = row.evaluation, row.evaluation.stats
        if row.logger in found or stats is None or evaluation.start is None or evaluation.end is None:
            continue
        found[row.logger] = LoggerFacts(
            device_id=row.logger, start=evaluation.start, end=evaluation.end, min_c=stats.min_c,
            max_c=stats.max_c, mean_c=stats.mean_c, readings=evaluation.readings,
            alarms=tuple(alarms[row.logger]))
    return tuple(found.values())


def _alarms(session: Session, shipment: Shipment) -> dict[str, list[AlarmInterval]]:
    """The shipment's excursion records by logger, oldest first; withdrawn ones no longer stand."""
    rows = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment.id,
               ExcursionRecord.status != ReviewStatus.WITHDRAWN.value)
        .order_by(col(ExcursionRecord.start), col(ExcursionRecord.rule))).all()
    alarms: dict[str, list[AlarmInterval]] = defaultdict(list)
    for record, code in rows:
        alarms[code].append(AlarmInterval(start=record.start, end=record.end, rule=record.rule,
                                          kind=record.kind, severity=record.severity, peak=record.peak))
    return alarms
