"""The shipment receipt report, for the batch record: what was shipped, how the journey went (a chart and
a summary per logger, the excursions and their review), what the pharmacy found in the box, where each
line went, and QA's signed decisions with a check that each signature still binds its record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from logistics.core.clock import local_text
from logistics.core.receiving import YES_NO_CHECKS
from logistics.db.models import ExcursionRecord, Receipt, ReceiptLine, Signature
from logistics.documents.chart import temperature_chart
from logistics.documents.fonts import FontChoice
from logistics.documents.packing_list import Place
from logistics.documents.pdf import Column, Document, PageFrame, heading, key_values, paragraph, table, title
from logistics.schemas.shipments import ShipmentPublic
from logistics.services.excursions import LoggerSummary
from logistics.services.series import Chart

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


@dataclass(frozen=True)
class ReceivedLine:
    line: ReceiptLine
    item_code: str
    lot_shipped: str
    quantity: float
    unit: str
    signature: Signature | None
    signature_holds: bool


@dataclass(frozen=True)
class ReceiptReport:
    shipment: ShipmentPublic
    origin: Place
    destination: Place
    receipt: Receipt | None
    lines: list[ReceivedLine]
    summaries: list[LoggerSummary]
    charts: list[Chart]
    excursions: list[tuple[ExcursionRecord, str]]  # and the logger's code
    generated_at: datetime


def render(report: ReceiptReport, fonts: FontChoice) -> bytes:
    doc = Document(PageFrame(TITLE, report.shipment.reference, report.generated_at), fonts,
                   text=repr(report))  # the records' strings, to choose the fonts
    shipment = report.shipment
    title(doc, TITLE, shipment.reference, f"{report.origin.code} → {report.destination.code}")
    key_values(doc, _facts(report))
    _journey(doc, report)
    _excursions(doc, report)
    if report.receipt is None:
        heading(doc, "Receipt")
        paragraph(doc, "Not received yet.")
    else:
        _inspection(doc, report, report.receipt)
        _lines(doc, report)
        _decisions(doc, report)
    return doc.to_bytes()


def _when(moment: datetime | None, place: Place) -> str:
    return f"{local_text(moment, place.zone)} ({place.zone})" if moment else "—"


def _facts(report: ReceiptReport) -> list[tuple[str, str]]:
    shipment, receipt = report.shipment, report.receipt
    facts = [("Air waybill", shipment.air_waybill or "—"),
             ("From", f"{report.origin.code} — {report.origin.name}"),
             ("To", f"{report.destination.code} — {report.destination.name}"),
             ("Departed", _when(shipment.actual_departure, report.origin)),
             ("Arrived", _when(shipment.actual_arrival, report.destination)),
             ("Import permit", shipment.import_permit or "—")]
    if receipt is not None:
        received = _when(receipt.received_at, report.destination)
        facts.append(("Received", f"{received} by {receipt.received_by}"))
    return facts


def _journey(doc: Document, report: ReceiptReport) -> None:
    heading(doc, "Temperature during the journey", keep_with_next_mm=60)
    if not report.charts:
        paragraph(doc, "No data logger recorded this shipment.")
    for chart in report.charts:
        paragraph(doc, f"{chart.logger} (°C; times at {report.destination.code}, {report.destination.zone}; "
                       "green: the storage range; red: excursions; grey: no data)")
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
        [logger, record.rule, record.severity, local_text(record.start, report.destination.zone),
         f"{record.duration_s / 60:.0f}", "—" if record.peak is None else f"{record.peak:.1f}",
         _review(record)] for record, logger in report.excursions))


def _review(record: ExcursionRecord) -> str:
    parts = [record.status]
    if record.acknowledgement:
        parts.append(f"{record.acknowledged_by}: {record.acknowledgement}")
    if record.assessment:
        disposition = (record.disposition or "").replace("_", " ")
        parts.append(f"{record.resolved_by}: {record.assessment} ({disposition})")
    return "; ".join(parts)


def _inspection(doc: Document, report: ReceiptReport, receipt: Receipt) -> None:
    heading(doc, "Inspection of the box")
    rows = [(QUESTIONS[name], "yes" if getattr(receipt, name) else "no") for name in YES_NO_CHECKS]
    rows.append(("Coolant", receipt.coolant_state.replace("_", " ")))
    rows.append(("Unresolved excursions at receipt", str(receipt.open_excursions)))
    if receipt.notes:
        rows.append(("Notes", receipt.notes))
    key_values(doc, rows, label_width=60)


def _lines(doc: Document, report: ReceiptReport) -> None:
    heading(doc, "Lines and dispositions")
    table(doc, LINE_COLUMNS, (_line_row(row) for row in report.lines))


def _line_row(row: ReceivedLine) -> list[str]:
    line = row.line
    return [row.item_code, _lots(row), _amount(row.quantity, row.unit), _amount(line.received),
            _amount(line.damaged), _amount(line.missing), line.disposition,
            _codes(line.reasons, line.discrepancies)]


def _lots(row: ReceivedLine) -> str:
    found = row.line.lot_number_seen
    return row.lot_shipped if found == row.lot_shipped else f"{row.lot_shipped} / {found} (differs)"


def _codes(*joined: str) -> str:
    return ", ".join(code.replace("_", " ") for text in joined for code in text.split(",") if code)


def _decisions(doc: Document, report: ReceiptReport) -> None:
    decided = [row for row in report.lines if row.signature is not None]
    waiting = [row for row in report.lines if row.line.qa_status == "pending"]
    heading(doc, "QA decisions (electronic signatures, 21 CFR 11.50)")
    if decided:
        table(doc, DECISION_COLUMNS, (_decision_row(row) for row in decided))
    if waiting:
        paragraph(doc, "Waiting for QA: " + ", ".join(f"{row.item_code} {row.lot_shipped}"
                                                      for row in waiting))
    if not decided and not waiting:
        paragraph(doc, "Nothing went to quarantine.")


def _decision_row(row: ReceivedLine) -> list[str]:
    signature = row.signature
    assert signature is not None
    check = "valid" if row.signature_holds else "DOES NOT MATCH THE RECORD"
    return [f"{row.item_code} {row.lot_shipped}", signature.meaning.replace("_", " "),
            _amount(row.line.released or 0.0), _amount(row.line.rejected or 0.0),
            f"{signature.signer_name} ({signature.signer}), {local_text(signature.signed_at, 'UTC')}",
            f"{check}; {signature.digest[:16]}…"]


def _amount(value: float, unit: str = "") -> str:
    number = f"{value:,.6f}".rstrip("0").rstrip(".")
    return f"{number} {unit}".strip()
