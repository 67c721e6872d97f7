"""QA's structured assessments of excursions for a lot, and what stands between a quarantined line and its
release (see core.excursion_assessment).

A line's evidence is every excursion, not withdrawn, of every shipment its lot (as shipped) travelled in
up to the line's own (later shipments carry other units of the lot, decided on their own receipts), and
of the storage zones that held its goods: at the receiving site since the receipt, anywhere before.
Each must be assessed for that lot before the line can be released; assessing resolves the excursion's
review (core.excursion_review.assess), and the assessment joins the signed decision's content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from logistics.core.excursion_assessment import (
    AssessmentDraft,
    Blocker,
    Evidence,
    ExcursionFigures,
    Outcome,
    ProductImpact,
    RootCause,
    assessment_problems,
    release_blockers,
    summary,
)
from logistics.core.excursion_review import MAX_ASSESSMENT, ReviewError, ReviewStatus, assess
from logistics.core.profiles import StorageProfile
from logistics.core.refusals import N_, Refusal
from logistics.core.stability import LotStability
from logistics.db.models import (
    ExcursionAssessment,
    ExcursionRecord,
    Item,
    Leg,
    Logger,
    Lot,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Site,
    StorageZone,
)
from logistics.services.catalogue import shipments_carrying
from logistics.services.errors import InputError, NotFound
from logistics.services.stability import stability_of
from logistics.services.storage_periods import zone_excursions_of_lot

__all__ = ["AssessmentDraft", "Blocker", "EvidenceRow", "LegChoice", "Outcome", "RootCause",
           "assess_excursion", "blockers", "current_assessments", "evidence_lot", "evidence_rows",
           "line_blockers", "lot_evidence", "matches", "shipped_lot"]


@dataclass(frozen=True)
class LegChoice:
    id: int
    label: str  # "2. air HKG → BKK CX 751"


@dataclass(frozen=True)
class EvidenceRow:
    """One excursion as QA's decision on a lot sees it."""

    record: ExcursionRecord
    logger: str
    shipment: str  # the shipment's reference, or where the goods were stored: "SIR-FRIDGE-1 at SIRIRAJ-PH"
    legs: list[LegChoice]  # the shipment's, to name where the goods were handled (none in storage)
    assessment: ExcursionAssessment | None  # the latest for the lot that still matches the excursion
    impact: ProductImpact

    @property
    def label(self) -> str:
        return f"{self.logger} {self.record.rule} ({self.shipment})"

    @property
    def running(self) -> bool:
        return self.record.end is None and self.record.mode == "single"


def shipped_lot(session: Session, line: ReceiptLine) -> tuple[Lot, int]:
    """The lot the shipping record names for the line (what travelled, so what the loggers watched), and
    the shipment it came in."""
    shipment_line = session.get(ShipmentLine, line.shipment_line_id)
    lot = session.get(Lot, shipment_line.lot_id) if shipment_line else None
    if lot is None or shipment_line is None:
        raise NotFound(f"no lot for receipt line {line.id}")
    return lot, shipment_line.shipment_id


def evidence_lot(session: Session, line: ReceiptLine, shipped: Lot) -> Lot:
    """The lot whose life (shipments, storage, allowance) the line's goods are followed under: the lot read
    on the pack once QA accepted it (the shipment carried that one, catalogue.shipments_carrying), else
    the shipped one."""
    booked = session.get(Lot, line.lot_id) if line.lot_id is not None else None
    return booked or shipped


def lot_evidence(session: Session, lot_id: int, up_to: int) -> list[tuple[ExcursionRecord, str, str]]:
    """(excursion, logger, where) for every excursion not withdrawn of every shipment the lot travelled
    in, up to shipment id `up_to` (its own included, whatever lot the pack was booked under), and of the
    storage zones that held the goods (`_stored_evidence`), in time order. `where` names the shipment, or
    the zone and its site ("SIR-FRIDGE-1 at SIRIRAJ-PH")."""
    carried = shipments_carrying(lot_id).where(col(ShipmentLine.shipment_id) <= up_to)
    query = (select(ExcursionRecord, Logger.code, Shipment.reference)
             .join(Logger, Logger.id == ExcursionRecord.logger_id)
             .join(Shipment, Shipment.id == ExcursionRecord.shipment_id)
             .where(or_(col(ExcursionRecord.shipment_id).in_(carried), ExcursionRecord.shipment_id == up_to),
                    ExcursionRecord.status != ReviewStatus.WITHDRAWN.value))
    found = [(record, code, reference) for record, code, reference in session.exec(query).all()]
    found += _stored_evidence(session, lot_id, up_to)
    return sorted(found, key=lambda row: (row[0].start, row[0].id or 0))


def _stored_evidence(session: Session, lot_id: int, up_to: int) -> list[tuple[ExcursionRecord, str, str]]:
    """The storage-zone excursions (core.storage's rule) that concern the goods shipment `up_to` brought:
    at the site that received them, those that ran since the receipt, under the lot or the lot read on the
    pack they were booked under; anywhere, those that ran while the lot was held before they arrived (they
    may have been among it). What the lot's stock elsewhere meets afterwards is other goods' evidence."""
    received = session.exec(
        select(Receipt.site_id, Receipt.received_at, ReceiptLine.lot_id)
        .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
        .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
        .where(Receipt.shipment_id == up_to, ShipmentLine.lot_id == lot_id)).all()
    if not received:
        return []
    site_id, received_at = received[0][0], received[0][1]
    booked = {read for _, _, read in received if read is not None and read != lot_id}
    found: dict[int | None, tuple[ExcursionRecord, str, str]] = {}
    for each in (lot_id, *booked):
        for record in zone_excursions_of_lot(session, each):
            zone = session.get(StorageZone, record.storage_zone_id)
            assert zone is not None
            since = record.end is None or record.end > received_at
            if (zone.site_id == site_id and since) or (each == lot_id and record.start < received_at):
                found[record.id] = (record, _logger_code(session, record), _zone_place(session, zone))
    return list(found.values())


def _logger_code(session: Session, record: ExcursionRecord) -> str:
    logger = session.get(Logger, record.logger_id)
    return logger.code if logger else "?"


def _zone_place(session: Session, zone: StorageZone) -> str:
    site = session.get(Site, zone.site_id)
    return f"{zone.code} at {site.code if site else '?'}"


def figures(record: ExcursionRecord) -> ExcursionFigures:
    return ExcursionFigures(record.start, record.end, record.duration_s, record.peak, record.severity)


def matches(assessment: ExcursionAssessment, record: ExcursionRecord) -> bool:
    """Whether the assessment was made on the excursion as it stands (late readings may have changed it)."""
    assessed = ExcursionFigures(assessment.excursion_start, assessment.excursion_end,
                                assessment.excursion_duration_s, assessment.excursion_peak,
                                assessment.excursion_severity)
    return assessed == figures(record)


def current_assessments(session: Session, lot_id: int, records: list[ExcursionRecord], *,
                        as_of: datetime | None = None) -> dict[int, ExcursionAssessment]:
    """Excursion id → the latest assessment for the lot (made by `as_of`) that still matches it."""
    query = (select(ExcursionAssessment)
             .where(ExcursionAssessment.lot_id == lot_id,
                    col(ExcursionAssessment.excursion_id).in_([record.id for record in records]))
             .order_by(col(ExcursionAssessment.assessed_at), col(ExcursionAssessment.id)))
    if as_of is not None:
        query = query.where(ExcursionAssessment.assessed_at <= as_of)
    latest = {assessment.excursion_id: assessment for assessment in session.exec(query).all()}
    by_id = {record.id: record for record in records}
    return {excursion_id: assessment for excursion_id, assessment in latest.items()
            if matches(assessment, by_id[excursion_id])}


def evidence_rows(session: Session, lot: Lot, up_to: int, stability: LotStability) -> list[EvidenceRow]:
    """The lot's excursions up to shipment `up_to`, each with its shipment's legs, its current assessment
    and its impact."""
    assert lot.id is not None
    found = lot_evidence(session, lot.id, up_to)
    assessed = current_assessments(session, lot.id, [record for record, _, _ in found])
    legs = _legs(session, {record.shipment_id for record, _, _ in found if record.shipment_id is not None})
    return [EvidenceRow(record, code, reference, legs.get(record.shipment_id, []),
                        assessed.get(record.id or 0), _impact(record, stability))
            for record, code, reference in found]


def blockers(rows: list[EvidenceRow]) -> list[tuple[Blocker, str]]:
    """Why the lot cannot be released (empty: nothing stands in the way)."""
    return release_blockers([Evidence(row.label, row.running,
                                      Outcome(row.assessment.outcome) if row.assessment else None)
                             for row in rows])


def line_blockers(session: Session, lot_id: int, up_to: int) -> list[tuple[Blocker, str]]:
    """`blockers` without the stability figures, which the check does not need."""
    found = lot_evidence(session, lot_id, up_to)
    assessed = current_assessments(session, lot_id, [record for record, _, _ in found])
    return release_blockers([
        Evidence(f"{code} {record.rule} ({reference})", record.end is None and record.mode == "single",
                 Outcome(assessed[record.id].outcome) if record.id in assessed else None)
        for record, code, reference in found])


def _impact(record: ExcursionRecord, stability: LotStability) -> ProductImpact:
    return ProductImpact(kind=record.kind, peak=record.peak, used_s=stability.out_of_range_s,
                         budget_s=stability.budget_s, limit_c=stability.limit_c)


def _legs(session: Session, shipment_ids: set[int]) -> dict[int, list[LegChoice]]:
    origin, destination = aliased(Site), aliased(Site)
    rows = session.exec(
        select(Leg, origin.code, destination.code)
        .join(origin, origin.id == Leg.from_site_id).join(destination, destination.id == Leg.to_site_id)
        .where(col(Leg.shipment_id).in_(shipment_ids))
        .order_by(col(Leg.shipment_id), col(Leg.sequence))).all()
    found: dict[int, list[LegChoice]] = {}
    for leg, start, end in rows:
        words = [f"{leg.sequence}. {leg.mode} {start} → {end}", leg.transport_ref or ""]
        found.setdefault(leg.shipment_id, []).append(LegChoice(leg.id or 0, " ".join(w for w in words if w)))
    return found


def assess_excursion(session: Session, line_id: int, excursion_id: int, draft: AssessmentDraft,
                     profiles: dict[str, StorageProfile], *, by: str, now: datetime) -> ExcursionAssessment:
    """Record QA's assessment of one excursion for the line's lot, and resolve the excursion's review.
    InputError names the field that is wrong; the line must be waiting for QA."""
    line = session.get(ReceiptLine, line_id)
    if line is None:
        raise NotFound(f"no receipt line {line_id}")
    if line.qa_status != "pending":
        refusal = Refusal(N_("this line is decided: assess its excursions when it waits for QA"))
        raise InputError({"decision": refusal})
    lot, shipment_id = shipped_lot(session, line)
    assert lot.id is not None
    stability = stability_of(session, evidence_lot(session, line, lot), profiles, now=now)
    rows = {row.record.id: row for row in evidence_rows(session, lot, shipment_id, stability)}
    row = rows.get(excursion_id)
    if row is None:
        raise NotFound(f"excursion {excursion_id} is not evidence for receipt line {line_id}")
    leg_ids = {leg.id for leg in row.legs}
    problems = assessment_problems(draft, leg_ids, row.impact)
    try:
        status = assess(row.record.status, running=row.running)
    except ReviewError as error:
        problems[error.field] = str(error).split(": ", 1)[1]
    if problems:
        raise InputError(problems)
    leg = draft.leg_id if draft.root_cause == RootCause.HANDLING else None
    assessment = ExcursionAssessment(
        excursion_id=excursion_id, lot_id=lot.id, receipt_line_id=line_id, root_cause=draft.root_cause,
        leg_id=leg, comment=draft.comment.strip(), outcome=draft.outcome,
        excursion_start=row.record.start, excursion_end=row.record.end,
        excursion_duration_s=row.record.duration_s, excursion_peak=row.record.peak,
        excursion_severity=row.record.severity, used_s=row.impact.used_s, budget_s=row.impact.budget_s,
        limit_c=row.impact.limit_c, assessed_by=by, assessed_at=now)
    session.add(assessment)
    if row.record.status != status.value:
        _resolve(session, row, lot, draft, leg, by=by, now=now)
    session.flush()
    return assessment


def _resolve(session: Session, row: EvidenceRow, lot: Lot, draft: AssessmentDraft, leg_id: int | None, *,
             by: str, now: datetime) -> None:
    """The first assessment of an excursion is its resolution (the record keeps one; each lot's own
    assessment is kept beside it)."""
    item = session.get(Item, lot.item_id)
    leg = next((choice.label for choice in row.legs if choice.id == leg_id), None)
    text = summary(f"{item.code if item else '?'} {lot.lot_number}", draft, leg, row.impact)
    record = row.record
    record.status = ReviewStatus.RESOLVED.value
    record.resolved_by, record.resolved_at = by, now
    record.assessment, record.disposition = text[:MAX_ASSESSMENT], draft.outcome
