"""The evidence QA decides a quarantined line on, read in one call: every logger of every period the line's
lot went through (its shipments, this one and the others; storage periods join the same list), each judged
by the lot's own storage profile, with its chart, its figures and the excursions recorded on it; the lot's
stability allowance next to what it has used; and what the pharmacy found in the box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from logistics.core.excursion_types import LoggerSummary
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
from logistics.services.catalogue import shipments_carrying
from logistics.services.errors import NotFound
from logistics.services.excursions import earliest_unscanned, logger_window, window_evaluation
from logistics.services.series import shipment_charts
from logistics.services.stability import stability_of


class PeriodKind(StrEnum):
    """What watched the lot during a period: a shipment's loggers (a storage zone's, once lots are
    followed into storage)."""

    SHIPMENT = "shipment"


@dataclass(frozen=True)
class LoggerEvidence:
    """One logger over one period, judged by the lot's profile."""

    summary: LoggerSummary  # the logger, the profile and version it is judged by, and what it saw
    chart: Chart | None  # None while its window has not begun
    excursions: tuple[ExcursionPublic, ...]  # recorded on it in this period (by any profile), oldest first
    counted: bool  # the period's worst-placed logger: the one the stability allowance counts

    @property
    def logger(self) -> str:
        return self.summary.logger


@dataclass(frozen=True)
class Period:
    """A stretch of the lot's life and the loggers that watched it."""

    kind: PeriodKind
    reference: str  # the shipment's
    route: str  # "HG-SZ → SIRIRAJ-CM"
    current: bool  # the shipment whose receipt QA is deciding
    start: datetime | None  # when its first logger began watching; None without loggers
    loggers: tuple[LoggerEvidence, ...]

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
    lot_number: str
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
    line, receipt, shipped, lot, item, site = row
    profile = profiles[item.storage_profile]
    allowance = stability_of(session, lot, profiles, now=now)
    counted = {(exposure.shipment, exposure.logger) for exposure in allowance.exposures}
    periods = sorted((_shipment_period(session, shipment, profile, now, counted,
                                       current=shipment.id == receipt.shipment_id)
                      for shipment in _shipments_of(session, lot)),
                     key=lambda period: (period.start is None, period.start))
    return Evidence(line_id=line_id, item_code=item.code, item_name=item.name, lot_number=lot.lot_number,
                    profile=profile, zone=site.timezone, periods=tuple(periods), allowance=allowance,
                    box=_box(receipt, line, shipped, lot))


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


def _recorded(session: Session, shipment: Shipment) -> dict[str, list[ExcursionPublic]]:
    """The shipment's excursion records by logger code, oldest first, withdrawn ones left out."""
    rows = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment.id, ExcursionRecord.status != "withdrawn")
        .order_by(col(ExcursionRecord.start), col(ExcursionRecord.id))).all()
    fields = set(ExcursionPublic.model_fields) - {"logger"}
    found: dict[str, list[ExcursionPublic]] = {}
    for record, code in rows:
        found.setdefault(code, []).append(ExcursionPublic(logger=code, **record.model_dump(include=fields)))
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
