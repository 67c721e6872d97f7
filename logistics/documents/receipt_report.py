"""The shipment receipt report, for the batch record: what was shipped, how the journey went (a chart and
a summary per logger, the excursions and their review), what the pharmacy found in the box, where each
line went, and QA's signed decisions with a check that each signature still binds its record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from logistics.core.clock import local_text
from logistics.core.excursion_types import LoggerSummary
from logistics.core.receiving import YES_NO_CHECKS, Checklist
from logistics.core.series import Chart
from logistics.documents.chart import temperature_chart
from logistics.documents.fonts import FontChoice
from logistics.documents.packing_list import Place
from logistics.documents.pdf import Column, Document, PageFrame, heading, key_values, paragraph, table, title
from logistics.schemas.records import ExcursionPublic
from logistics.schemas.shipments import ShipmentPublic

TITLE = "Shipment receipt report"
QUESTIONS = {"packaging_intact": "Outer packaging intact", "seals_intact": "Seals intact",
             "coolant_present": "Coolant present", "logger_present": "Logger present",
             "logger_alarm": "Logger shows an alarm", "documents_complete": "Documents complete",
             "import_permit_present": "Import permit present"}
SUMMARY_COLUMNS = (Column("Logger", 24), Column("Readings", 18, "RIGHT"), Column("Min / max", 30),
                   Column("Mean", 18, "RIGHT"), Column("MKT", 18, "RIGHT"), Column("Above", 18, "RIGHT"),
                   Column("Below", 18, "RIGHT"), Column("No data", 18, "RIGHT"), Column("Judged by", 18))
EXCURSION_COLUMNS = (Column("Logger", 20), Column("Rule", 32), Column("Severity", 17), Column("From", 33),
                     Column("Minutes", 15, "RIGHT"), Column("Peak", 14, "RIGHT"), Column("Review", 49))
LINE_COLUMNS = (Column("Item", 22), Column("Lot shipped / found", 33), Column("Shipped", 18, "RIGHT"),
                Column("Intact", 15, "RIGHT"), Column("Damaged", 16, "RIGHT"), Column("Missing", 15, "RIGHT"),
                Column("Disposition", 22), Column("Why", 39))
DECISION_COLUMNS = (Column("Item / lot", 34), Column("Decision", 26), Column("Released", 18, "RIGHT"),
                    Column("Rejected", 18, "RIGHT"), Column("Signed by", 48), Column("Signature", 36))
ASSESSMENT_COLUMNS = (Column("Item / lot", 34), Column("Excursion", 46), Column("Outcome", 20),
                      Column("Cause", 28), Column("Allowance used", 22, "RIGHT"), Column("Assessed by", 30))


@dataclass(frozen=True)
class Inspection:
    """The receipt of the box: who took it and when, and what the checklist found."""

    received_at: datetime
    received_by: str
    checklist: Checklist
    open_excursions: int  # not resolved when it was received
    notes: str | None


@dataclass(frozen=True)
class Decision:
    """QA's electronic signature on a quarantined line, and whether it still binds the line's record."""

    meaning: str
    signer: str
    signer_name: str
    signed_at: datetime
    digest: str
    holds: bool
    evidence_changed: str | None = None  # why the line went back to QA after this signature, if it did


@dataclass(frozen=True)
class ReceivedLine:
    """A shipped line as the pharmacy found it, where it went, and QA's decision."""

    item_code: str
    lot_shipped: str
    lot_found: str
    quantity: float  # shipped, in `unit`
    unit: str
    received: float  # intact
    damaged: float
    missing: float
    disposition: str
    reasons: tuple[str, ...]  # why it could not be accepted (codes)
    discrepancies: tuple[str, ...]  # how it differs from what was shipped (codes)
    qa_status: str | None
    released: float | None
    rejected: float | None
    decision: Decision | None
    lot_booked: str | None = None  # the lot read on the pack, once QA accepted it


@dataclass(frozen=True)
class Assessment:
    """QA's assessment of one excursion for one lot, part of the signed decision."""

    item_lot: str
    excursion: str  # logger, rule and start
    outcome: str
    cause: str
    used_s: float
    budget_s: float | None
    assessed_by: str
    assessed_at: datetime


@dataclass(frozen=True)
class ReceiptReport:
    shipment: ShipmentPublic
    origin: Place
    destination: Place
    inspection: Inspection | None  # None until it is received
    lines: list[ReceivedLine]
    summaries: list[LoggerSummary]
    charts: list[Chart]
    excursions: list[ExcursionPublic]
    generated_at: datetime
    assessments: list[Assessment] = field(default_factory=list)


def render(report: ReceiptReport, fonts: FontChoice) -> bytes:
    doc = Document(PageFrame(TITLE, report.shipment.reference, report.generated_at), fonts,
                   text=repr(report))  # the records' strings, to choose the fonts
    shipment = report.shipment
    title(doc, TITLE, shipment.reference, f"{report.origin.code} → {report.destination.code}")
    key_values(doc, _facts(report))
    _journey(doc, report)
    _excursions(doc, report)
    if report.inspection is None:
        heading(doc, "Receipt")
        paragraph(doc, "Not received yet.")
    else:
        _inspection(doc, report.inspection)
        _lines(doc, report)
        _decisions(doc, report)
    return doc.to_bytes()


def _when(moment: datetime | None, place: Place) -> str:
    return f"{local_text(moment, place.zone)} ({place.zone})" if moment else "—"


def _facts(report: ReceiptReport) -> list[tuple[str, str]]:
    shipment, inspection = report.shipment, report.inspection
    facts = [("Air waybill", shipment.air_waybill or "—"),
             ("From", f"{report.origin.code} — {report.origin.name}"),
             ("To", f"{report.destination.code} — {report.destination.name}"),
             ("Departed", _when(shipment.actual_departure, report.origin)),
             ("Arrived", _when(shipment.actual_arrival, report.destination)),
             ("Import permit", shipment.import_permit or "—")]
    if inspection is not None:
        received = _when(inspection.received_at, report.destination)
        facts.append(("Received", f"{received} by {inspection.received_by}"))
    return facts


def _journey(doc: Document, report: ReceiptReport) -> None:
    heading(doc, "Temperature during the journey", keep_with_next_mm=60)
    if not report.charts:
        paragraph(doc, "No data logger recorded this shipment.")
    for chart in report.charts:
        paragraph(doc, f"{chart.logger} (°C; times at {report.destination.code}, {report.destination.zone})")
        temperature_chart(doc, chart, zone=report.destination.zone)
    if report.summaries:
        table(doc, SUMMARY_COLUMNS, (_summary_row(summary) for summary in report.summaries))


def _summary_row(summary: LoggerSummary) -> list[str]:
    evaluation, stats = summary.evaluation, summary.evaluation.stats
    time = evaluation.partition
    return [summary.logger, str(evaluation.readings),
            f"{stats.min_c:.1f} / {stats.max_c:.1f} °C" if stats else "—",
            f"{stats.mean_c:.1f} °C" if stats else "—", f"{stats.mkt_c:.1f} °C" if stats else "—",
            _minutes(time.above_s), _minutes(time.below_s), _minutes(time.no_data_s),
            f"{summary.profile.name} v{summary.profile.version}"]


def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60):d} min"


def _excursions(doc: Document, report: ReceiptReport) -> None:
    heading(doc, "Excursions")
    if not report.excursions:
        paragraph(doc, "None recorded.")
        return
    table(doc, EXCURSION_COLUMNS, (
        [record.logger, record.rule, record.severity, local_text(record.start, report.destination.zone),
         f"{record.duration_s / 60:.0f}", "—" if record.peak is None else f"{record.peak:.1f}",
         _review(record)] for record in report.excursions))


def _review(record: ExcursionPublic) -> str:
    parts = [record.status]
    if record.acknowledgement:
        parts.append(f"{record.acknowledged_by}: {record.acknowledgement}")
    if record.assessment:
        disposition = (record.disposition or "").replace("_", " ")
        parts.append(f"{record.resolved_by}: {record.assessment} ({disposition})")
    return "; ".join(parts)


def _inspection(doc: Document, inspection: Inspection) -> None:
    heading(doc, "Inspection of the box")
    checklist = inspection.checklist
    rows = [(QUESTIONS[name], "yes" if getattr(checklist, name) else "no") for name in YES_NO_CHECKS]
    rows.append(("Coolant", checklist.coolant_state.replace("_", " ")))
    rows.append(("Unresolved excursions at receipt", str(inspection.open_excursions)))
    if inspection.notes:
        rows.append(("Notes", inspection.notes))
    key_values(doc, rows, label_width=60)


def _lines(doc: Document, report: ReceiptReport) -> None:
    heading(doc, "Lines and dispositions")
    table(doc, LINE_COLUMNS, (_line_row(row) for row in report.lines))


def _line_row(row: ReceivedLine) -> list[str]:
    return [row.item_code, _lots(row), _amount(row.quantity, row.unit), _amount(row.received),
            _amount(row.damaged), _amount(row.missing), row.disposition,
            ", ".join(code.replace("_", " ") for code in (*row.reasons, *row.discrepancies))]


def _lots(row: ReceivedLine) -> str:
    found = row.lot_found
    if found == row.lot_shipped:
        return row.lot_shipped
    booked = f"; booked under {row.lot_booked}" if row.lot_booked else ""
    return f"{row.lot_shipped} / {found} (differs{booked})"


def _decisions(doc: Document, report: ReceiptReport) -> None:
    decided = [row for row in report.lines if row.decision is not None]
    waiting = [row for row in report.lines if row.qa_status == "pending" and row.decision is None]
    heading(doc, "QA decisions (electronic signatures, 21 CFR 11.50)")
    if report.assessments:
        paragraph(doc, "Excursion assessments signed with the decisions:")
        table(doc, ASSESSMENT_COLUMNS, (_assessment_row(row) for row in report.assessments))
    if decided:
        table(doc, DECISION_COLUMNS, (_decision_row(row) for row in decided))
    for row in decided:
        if row.decision and row.decision.evidence_changed:
            paragraph(doc, f"{row.item_code} {row.lot_shipped}: evidence changed since signing: "
                           f"{row.decision.evidence_changed}. A new signed decision is needed.")
    if waiting:
        paragraph(doc, "Waiting for QA: " + ", ".join(f"{row.item_code} {row.lot_shipped}"
                                                      for row in waiting))
    if not decided and not waiting:
        paragraph(doc, "Nothing went to quarantine.")


def _decision_row(row: ReceivedLine) -> list[str]:
    signature = row.decision
    assert signature is not None
    check = ("EVIDENCE CHANGED SINCE SIGNING" if signature.evidence_changed
             else "valid" if signature.holds else "DOES NOT MATCH THE RECORD")
    return [f"{row.item_code} {row.lot_shipped}", signature.meaning.replace("_", " "),
            _amount(row.released or 0.0), _amount(row.rejected or 0.0),
            f"{signature.signer_name} ({signature.signer}), {local_text(signature.signed_at, 'UTC')}",
            f"{check}; {signature.digest[:16]}…"]


def _assessment_row(row: Assessment) -> list[str]:
    budget = f" of {row.budget_s / 3600:.1f} h" if row.budget_s is not None else ""
    return [row.item_lot, row.excursion, row.outcome.replace("_", " "), row.cause,
            f"{row.used_s / 3600:.1f} h{budget}", f"{row.assessed_by}, {local_text(row.assessed_at, 'UTC')}"]


def _amount(value: float, unit: str = "") -> str:
    number = f"{value:,.6f}".rstrip("0").rstrip(".")
    return f"{number} {unit}".strip()
