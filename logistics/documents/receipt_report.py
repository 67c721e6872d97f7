"""The shipment receipt report, for the batch record: what was shipped, how the journey went (a chart and
a summary per logger and profile, the excursions and their review, each lot's stability allowance against
what it used), what the pharmacy found in the box, where each line went, and QA's signed decisions with a
check that each signature still binds its record. The same figures as QA's decision page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from logistics.core.clock import local_text
from logistics.core.excursion_types import LoggerSummary
from logistics.core.profiles import ExcursionKind
from logistics.core.receiving import YES_NO_CHECKS, Checklist
from logistics.core.series import Chart
from logistics.core.stability import Exposure, LotStability
from logistics.documents.chart import temperature_chart
from logistics.documents.fonts import FontChoice
from logistics.documents.packing_list import Place
from logistics.documents.pdf import (
    NBSP,
    SMALL_PT,
    Column,
    Document,
    PageFrame,
    heading,
    key_values,
    paragraph,
    table,
    title,
)
from logistics.schemas.records import ExcursionPublic
from logistics.schemas.shipments import ShipmentPublic

TITLE = "Shipment receipt report"
QUESTIONS = {"packaging_intact": "Outer packaging intact", "seals_intact": "Seals intact",
             "coolant_present": "Coolant present", "logger_present": "Logger present",
             "logger_alarm": "Logger shows an alarm", "documents_complete": "Documents complete",
             "import_permit_present": "Import permit present"}
# Columns are fitted to their words (pdf.column_widths): no heading word is ever split across lines.
SUMMARY_COLUMNS = (Column("Logger"), Column("Judged by"), *(Column(title, align="RIGHT") for title in (
    "Readings", "Min / max", "Mean", "MKT", "Above", "Below", "No data")))
EXCURSION_COLUMNS = (Column("Logger"), Column("Rule"), Column("Severity"), Column("Start"),
                     Column("Duration", align="RIGHT"), Column("Peak", align="RIGHT"), Column("Review"))
LINE_COLUMNS = (Column("Item"), Column("Lot shipped / found"), *(Column(title, align="RIGHT") for title in (
    "Shipped", "Intact", "Damaged", "Missing")), Column("Disposition"), Column("Why"))
DECISION_COLUMNS = (Column("Item / lot"), Column("Decision"), Column("Released", align="RIGHT"),
                    Column("Rejected", align="RIGHT"), Column("Signed by"), Column("Signature"))
ASSESSMENT_COLUMNS = (Column("Item / lot"), Column("Excursion"), Column("Outcome"), Column("Cause"),
                      Column("Allowance used", align="RIGHT"), Column("Assessed by"))


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
class LotAllowance:
    """A lot the shipment carried: its stability allowance against what its whole life has used."""

    item_code: str
    lot_number: str
    stability: LotStability


@dataclass(frozen=True)
class ReceiptReport:
    shipment: ShipmentPublic
    origin: Place
    destination: Place
    inspection: Inspection | None  # None until it is received
    lines: list[ReceivedLine]
    summaries: list[LoggerSummary]  # per logger and storage profile of the goods
    charts: list[Chart]
    excursions: list[ExcursionPublic]
    allowances: list[LotAllowance]
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
    _allowances(doc, report)
    if report.inspection is None:
        heading(doc, "Receipt")
        paragraph(doc, "Not received yet.")
    else:
        _inspection(doc, report.inspection)
        _lines(doc, report)
        _decisions(doc, report, report.destination.zone)
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
        where = report.destination
        paragraph(doc, f"{chart.logger} in {report.shipment.reference} "
                       f"(°C; times at {where.code}, {where.zone})")
        temperature_chart(doc, chart, zone=where.zone)
    if report.summaries:
        paragraph(doc, "One row per logger and storage profile of the goods: each logger is judged by "
                       "every profile among them. Mean and MKT are weighted by the time each reading covers; "
                       "MKT is for information, never the basis of acceptance.", size=SMALL_PT)
        table(doc, SUMMARY_COLUMNS, (_summary_row(summary) for summary in report.summaries))
        for summary in report.summaries:
            for note in unjudged_notes(summary):
                paragraph(doc, note, size=SMALL_PT)


def _summary_row(summary: LoggerSummary) -> list[str]:
    evaluation, stats = summary.evaluation, summary.evaluation.stats
    time = evaluation.partition
    return [summary.logger, f"{summary.profile.name} v{summary.profile.version}", f"{evaluation.readings:,}",
            f"{stats.min_c:.1f} / {_celsius(stats.max_c)}" if stats else "—",
            _celsius(stats.mean_c) if stats else "—", _celsius(stats.mkt_c) if stats else "—",
            _minutes(time.above_s), _minutes(time.below_s), _minutes(time.no_data_s)]


def unjudged_notes(summary: LoggerSummary) -> list[str]:
    """Why time outside the range made no excursion, as the receiving and QA pages say it."""
    stats, time, profile = summary.evaluation.stats, summary.evaluation.partition, summary.profile
    if stats is None:
        return []
    judged = f"{summary.logger} judged by {profile.name} v{profile.version}"
    notes = []
    if ExcursionKind.BELOW in summary.unjudged:
        notes.append(f"{judged}: lowest {stats.min_c:.1f} °C, {_minutes(time.below_s)} below the range: no "
                     "excursion, because the profile has no rule below its range. It judges warming only: "
                     "frozen goods travelling on dry ice (about −78 °C) are expected to be this cold.")
    if ExcursionKind.ABOVE in summary.unjudged:
        notes.append(f"{judged}: highest {stats.max_c:.1f} °C, {_minutes(time.above_s)} above the range: no "
                     "excursion, because the profile has no rule above its range.")
    return notes


# A number and its unit are joined by a no-break space: a narrow column never prints "9.5" above "°C".
def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60):,d}{NBSP}min"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f}{NBSP}h"


def _celsius(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}{NBSP}°C"


def _excursions(doc: Document, report: ReceiptReport) -> None:
    heading(doc, "Excursions")
    if not report.excursions:
        paragraph(doc, "None recorded.")
        return
    table(doc, EXCURSION_COLUMNS, (
        [record.logger, f"{record.rule} ({record.profile} v{record.profile_version})", record.severity,
         local_text(record.start, report.destination.zone),
         _minutes(record.duration_s) + ("" if record.end else " (running)"), _peak(record), _review(record)]
        for record in report.excursions))


def _peak(record: ExcursionPublic) -> str:
    if record.peak is None:
        return "—"
    return f"{record.peak:.1f}{NBSP}g" if record.kind == ExcursionKind.SHOCK else _celsius(record.peak)


def _review(record: ExcursionPublic) -> str:
    parts = [record.status]
    if record.acknowledgement:
        parts.append(f"{record.acknowledged_by}: {record.acknowledgement}")
    if record.assessment:
        disposition = (record.disposition or "").replace("_", " ")
        parts.append(f"{record.resolved_by}: {record.assessment} ({disposition})")
    return "; ".join(parts)


def _allowances(doc: Document, report: ReceiptReport) -> None:
    heading(doc, "Stability allowance of the lots")
    if not report.allowances:
        paragraph(doc, "No goods are listed.")
        return
    paragraph(doc, "Time outside the storage range over each lot's whole life: every shipment it travelled "
                   "in, each counted once by its worst-placed logger.", size=SMALL_PT)
    key_values(doc, [(f"{lot.item_code} {lot.lot_number}", allowance_text(lot))
                     for lot in report.allowances], label_width=40)


def allowance_text(lot: LotAllowance) -> str:
    """"Used 0.7 h of 72.0 h at ≤ 25 °C; peak 9.5 °C. 71.3 h left." and what was counted, as QA's page."""
    used, stability = _hours(lot.stability.out_of_range_s), lot.stability
    peak = _celsius(stability.max_c)
    if stability.budget_s is None:
        text = f"Used {used} outside the range; peak {peak}. {lot.item_code} carries no stability allowance."
    else:
        limit = "" if stability.limit_c is None else f" at ≤ {stability.limit_c:g} °C"
        if stability.equivalent_s is not None and stability.limit_c is not None:  # SPEC §2.3
            used += f" ({_hours(stability.equivalent_s)} equivalent at {stability.limit_c:g} °C)"
        text = f"Used {used} of {_hours(stability.budget_s)}{limit}; peak {peak}."
        text += f" {_hours(stability.remaining_s or 0.0)} left."
    if stability.limit_exceeded:
        text += f" The peak is above the {stability.limit_c:g} °C the allowance holds to."
    counted = "; ".join(f"{_period(exposure)} by {exposure.logger}, {_hours(exposure.out_of_range_s)}"
                        for exposure in stability.exposures)
    return f"{text} Counted: {counted}." if counted else text


def _period(exposure: Exposure) -> str:
    """A shipment's reference, or where a storage period was."""
    return exposure.shipment or f"storage at {exposure.site} · {exposure.zone}"


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


def _decisions(doc: Document, report: ReceiptReport, zone: str) -> None:
    decided = [row for row in report.lines if row.decision is not None]
    waiting = [row for row in report.lines if row.qa_status == "pending" and row.decision is None]
    heading(doc, "QA decisions (electronic signatures, 21 CFR 11.50)")
    if report.assessments:
        paragraph(doc, "Excursion assessments signed with the decisions:")
        table(doc, ASSESSMENT_COLUMNS, (_assessment_row(row, zone) for row in report.assessments))
    if decided:
        table(doc, DECISION_COLUMNS, (_decision_row(row, zone) for row in decided))
    for row in decided:
        if row.decision and row.decision.evidence_changed:
            paragraph(doc, f"{row.item_code} {row.lot_shipped}: evidence changed since signing: "
                           f"{row.decision.evidence_changed}. A new signed decision is needed.")
    if waiting:
        paragraph(doc, "Waiting for QA: " + ", ".join(f"{row.item_code} {row.lot_shipped}"
                                                      for row in waiting))
    if not decided and not waiting:
        paragraph(doc, "Nothing went to quarantine.")


def _decision_row(row: ReceivedLine, zone: str) -> list[str]:
    signature = row.decision
    assert signature is not None
    check = ("EVIDENCE CHANGED SINCE SIGNING" if signature.evidence_changed
             else "valid" if signature.holds else "DOES NOT MATCH THE RECORD")
    return [f"{row.item_code} {row.lot_shipped}", signature.meaning.replace("_", " "),
            _amount(row.released or 0.0), _amount(row.rejected or 0.0),
            f"{signature.signer_name} ({signature.signer}), {local_text(signature.signed_at, zone)}",
            f"{check}; {signature.digest[:16]}…"]


def _assessment_row(row: Assessment, zone: str) -> list[str]:
    budget = f" of {_hours(row.budget_s)}" if row.budget_s is not None else ""
    return [row.item_lot, row.excursion, row.outcome.replace("_", " "), row.cause,
            f"{_hours(row.used_s)}{budget}", f"{row.assessed_by}, {local_text(row.assessed_at, zone)}"]


def _amount(value: float, unit: str = "") -> str:
    number = f"{value:,.6f}".rstrip("0").rstrip(".")
    return f"{number}{NBSP}{unit}" if unit else number
