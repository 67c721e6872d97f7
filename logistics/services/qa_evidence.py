"""The evidence QA decides a quarantined line on, read in one call: every logger of every period the line's
lot went through (its shipments, this one and the others, and its storage periods at sites, cut where a
zone's logger started or stopped watching), each judged by the lot's own storage profile, with its chart,
its figures and the excursions recorded on it; storage no logger watched, as such; the lot's stability
allowance next to what it has used; and what the pharmacy found in the box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from logistics.core.excursion_types import LoggerSummary, Window
from logistics.core.profiles import StorageProfile
from logistics.core.receiving import YES_NO_CHECKS, Checklist, CoolantState, stored_codes
from logistics.core.series import Chart
from logistics.core.stability import LotStability
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Logger,
    LoggerAssignment,
    Lot,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Site,
)
from logistics.schemas.records import ExcursionPublic
from logistics.services.assessments import evidence_lot
from logistics.services.catalogue import get_logger, shipments_carrying
from logistics.services.errors import NotFound
from logistics.services.excursions import earliest_unscanned, logger_window, window_evaluation
from logistics.services.series import shipment_charts, watch_chart
from logistics.services.stability import stability_of
from logistics.services.storage import get_zone, piece_summary, storage_pieces
from logistics.services.storage_periods import zone_excursions_of_lot


class PeriodKind(StrEnum):
    """What watched the lot during a period: a shipment's loggers, or the loggers of the storage zones of
    a site that held it."""

    SHIPMENT = "shipment"
    STORAGE = "storage"


@dataclass(frozen=True)
class LoggerEvidence:
    """One logger over one period, judged by the lot's profile."""

    summary: LoggerSummary  # the logger, the profile and version it is judged by, and what it saw
    chart: Chart | None  # None while its window has not begun
    excursions: tuple[ExcursionPublic, ...]  # recorded on it in this period (by any profile), oldest first
    counted: bool  # the period's worst-placed logger: the one the stability allowance counts
    zone: str | None = None  # the storage zone it watched, in a storage period

    @property
    def logger(self) -> str:
        return self.summary.logger


@dataclass(frozen=True)
class Period:
    """A stretch of the lot's life and the loggers that watched it."""

    kind: PeriodKind
    reference: str  # the shipment's; in storage, the site's
    route: str  # "HG-SZ → SIRIRAJ-CM"; in storage, the site's zones of the lot's profile ("SIR-FRIDGE-1")
    current: bool  # the shipment whose receipt QA is deciding
    start: datetime | None  # when its first logger began watching; None without loggers
    loggers: tuple[LoggerEvidence, ...]  # none: not monitored
    end: datetime | None = None  # in storage: when the piece ended; None while the lot is still held
    zones: tuple[str, ...] = ()  # in storage: where the lot may have been kept

    @property
    def key(self) -> str:
        """Unique on the page, for its anchors: the shipment's reference, or the site and the start."""
        if self.kind is PeriodKind.SHIPMENT or self.start is None:
            return self.reference
        return f"{self.reference}-{self.start:%Y%m%dT%H%M%S}"

    @property
    def charts(self) -> list[Chart]:
        return [logger.chart for logger in self.loggers if logger.chart is not None]

    @property
    def excursions(self) -> list[ExcursionPublic]:
        return sorted((x for logger in self.loggers for x in logger.excursions), key=lambda x: x.start)


@dataclass(frozen=True)
class BoxFindings:
    """What the pharmacy found: the box's checklist, and this line as counted against the shipping record."""

    received_at: datetime
    received_by: str
    checklist: Checklist
    findings: tuple[str, ...]  # codes (core.receiving.Finding)
    open_excursions: int  # not resolved when it was received
    notes: str | None
    lot_shipped: str
    lot_seen: str
    expiry_shipped: date
    expiry_seen: date | None
    unit: str
    shipped: float
    received: float  # intact
    damaged: float
    missing: float
    reasons: tuple[str, ...]  # why it went to quarantine (codes)
    discrepancies: tuple[str, ...]  # how it differs from the shipping record (codes)

    @property
    def answers(self) -> list[tuple[str, bool]]:
        """Each yes/no question of the checklist with its answer, in the order they are asked."""
        return [(check, bool(getattr(self.checklist, check))) for check in YES_NO_CHECKS]


@dataclass(frozen=True)
class Evidence:
    """Everything QA reads before deciding on one quarantined line."""

    line_id: int
    item_code: str
    item_name: str
    lot_number: str  # the lot its life is followed under: the one booked, once QA accepted the pack's
    profile: StorageProfile  # the lot's: every logger is judged by it here
    zone: str  # the receiving site's time zone: times are read there
    periods: tuple[Period, ...]  # in the order they began
    allowance: LotStability
    box: BoxFindings

    @property
    def excursions(self) -> list[ExcursionPublic]:
        return [x for period in self.periods for x in period.excursions]

    @property
    def unresolved(self) -> int:
        """Excursions nobody has resolved yet, over every period."""
        return sum(x.status in ("open", "acknowledged") for x in self.excursions)


def line_evidence(session: Session, line_id: int, profiles: dict[str, StorageProfile], *,
                  now: datetime) -> Evidence:
    """The evidence on receipt line `line_id`; NotFound for an unknown line."""
    row = session.exec(
        select(ReceiptLine, Receipt, ShipmentLine, Lot, Item, Site)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .join(Site, Site.id == Receipt.site_id).where(ReceiptLine.id == line_id)).first()
    if row is None:
        raise NotFound(f"no receipt line {line_id}")
    line, receipt, shipped, shipped_lot, item, site = row
    lot = evidence_lot(session, line, shipped_lot)
    profile = profiles[item.storage_profile]
    allowance = stability_of(session, lot, profiles, now=now)
    counted = {(exposure.shipment, exposure.logger) for exposure in allowance.exposures}
    periods = [_shipment_period(session, shipment, profile, now, counted,
                                current=shipment.id == receipt.shipment_id)
               for shipment in _shipments_of(session, lot)]
    periods += _storage_periods(session, lot, profile, allowance, now)
    periods.sort(key=lambda period: (period.start is None, period.start))
    return Evidence(line_id=line_id, item_code=item.code, item_name=item.name, lot_number=lot.lot_number,
                    profile=profile, zone=site.timezone, periods=tuple(periods), allowance=allowance,
                    box=_box(receipt, line, shipped, shipped_lot))


def _shipments_of(session: Session, lot: Lot) -> Sequence[Shipment]:
    """Every shipment that carried (part of) the lot, as the allowance counts them."""
    return session.exec(select(Shipment).where(col(Shipment.id).in_(shipments_carrying(lot.id)))
                        .order_by(col(Shipment.id))).all()


def _shipment_period(session: Session, shipment: Shipment, profile: StorageProfile, now: datetime,
                     counted: set[tuple[str, str]], *, current: bool) -> Period:
    assignments = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id).order_by(col(Logger.code))).all()
    charts = {chart.logger: chart for chart in shipment_charts(session, shipment, {}, now=now,
                                                                judged_by=profile)}
    recorded = _recorded(session, shipment)
    loggers = tuple(LoggerEvidence(
        summary=LoggerSummary(code, profile, window_evaluation(
            session, assignment, shipment, profile, now, earliest_unscanned(session, assignment.logger_id),
            keep=False), logger_window(assignment, shipment)),
        chart=charts.get(code), excursions=tuple(recorded.get(code, ())),
        counted=(shipment.reference, code) in counted) for assignment, code in assignments)
    origin, destination = session.get(Site, shipment.origin_id), session.get(Site, shipment.destination_id)
    route = f"{origin.code if origin else '?'} → {destination.code if destination else '?'}"
    start = min((assignment.starts_at for assignment, _code in assignments), default=None)
    return Period(PeriodKind.SHIPMENT, shipment.reference, route, current, start, loggers)


def _storage_periods(session: Session, lot: Lot, profile: StorageProfile, allowance: LotStability,
                     now: datetime) -> list[Period]:
    """A period per piece of the lot's storage (services.storage's rule): each zone logger watching all of
    it, judged over the piece, with its chart and the zone's excursions that ran while the lot was there."""
    counted = {(x.site, x.zone, x.logger, x.window.start) for x in allowance.exposures
               if x.stored and x.window is not None}
    assert lot.id is not None
    records, shown = _zone_records(session, lot.id), set()
    periods = []
    for piece in storage_pieces(session, lot, profile):
        loggers = []
        for watch in piece.segment.watches:
            summary = piece_summary(session, watch.logger, piece.window, profile, now=now)
            zone, logger = get_zone(session, watch.zone), get_logger(session, watch.logger)
            assert zone.id is not None and logger.id is not None
            # each excursion once, in the first piece it ran in
            found = [x for x in records.get((zone.id, logger.id), [])
                     if x.id not in shown and _during(x, piece.window, now)]
            shown |= {x.id for x in found}
            loggers.append(LoggerEvidence(
                summary=summary, chart=watch_chart(session, zone.id, logger.id, summary, now=now),
                excursions=tuple(found), zone=watch.zone,
                counted=(piece.site, watch.zone, watch.logger, piece.segment.start) in counted))
        periods.append(Period(PeriodKind.STORAGE, piece.site, " · ".join(piece.zones), False,
                              piece.segment.start, tuple(loggers), piece.segment.end, piece.zones))
    return periods


def _zone_records(session: Session, lot_id: int) -> dict[tuple[int, int], list[ExcursionPublic]]:
    """The zone excursions that ran while the lot was held in the zone, by (zone id, logger id), oldest
    first."""
    found: dict[tuple[int, int], list[ExcursionPublic]] = {}
    for record in zone_excursions_of_lot(session, lot_id):
        logger = session.get(Logger, record.logger_id)
        assert record.storage_zone_id is not None
        found.setdefault((record.storage_zone_id, record.logger_id), []).append(
            _public(record, logger.code if logger else "?"))
    return found


def _during(record: ExcursionPublic, window: Window, now: datetime) -> bool:
    """Whether the excursion ran during the window (an open one runs until `now`)."""
    return (record.end is None or record.end > window.start) and record.start < (window.end or now)


def _public(record: ExcursionRecord, logger: str) -> ExcursionPublic:
    fields = set(ExcursionPublic.model_fields) - {"logger"}
    return ExcursionPublic(logger=logger, **record.model_dump(include=fields))


def _recorded(session: Session, shipment: Shipment) -> dict[str, list[ExcursionPublic]]:
    """The shipment's excursion records by logger code, oldest first, withdrawn ones left out."""
    rows = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment.id, ExcursionRecord.status != "withdrawn")
        .order_by(col(ExcursionRecord.start), col(ExcursionRecord.id))).all()
    found: dict[str, list[ExcursionPublic]] = {}
    for record, code in rows:
        found.setdefault(code, []).append(_public(record, code))
    return found


def _box(receipt: Receipt, line: ReceiptLine, shipped: ShipmentLine, lot: Lot) -> BoxFindings:
    checklist = Checklist(**{check: getattr(receipt, check) for check in YES_NO_CHECKS},
                          coolant_state=CoolantState(receipt.coolant_state))
    return BoxFindings(
        received_at=receipt.received_at, received_by=receipt.received_by, checklist=checklist,
        findings=tuple(stored_codes(receipt.findings)), open_excursions=receipt.open_excursions,
        notes=receipt.notes, lot_shipped=lot.lot_number, lot_seen=line.lot_number_seen,
        expiry_shipped=lot.expiry, expiry_seen=line.expiry_seen, unit=shipped.unit, shipped=shipped.quantity,
        received=line.received, damaged=line.damaged, missing=line.missing,
        reasons=tuple(stored_codes(line.reasons)), discrepancies=tuple(stored_codes(line.discrepancies)))
