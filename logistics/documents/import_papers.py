"""The import papers for the customs broker: the licence per invoice Thailand's FDA asks for before the goods
land (each line's HS code, lot, manufacture and expiry date and net weight; the air waybill; the invoice
number), under the import permit named, with what the papers still lack printed where the broker looks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from logistics.core.clock import local_text
from logistics.documents.fonts import FontChoice
from logistics.documents.pdf import Column, Document, PageFrame, heading, key_values, paragraph, table, title
from logistics.schemas.permits import ImportPapersPublic

TITLE = "Import papers (licence per invoice)"
LINE_COLUMNS = (Column("#", align="RIGHT"), Column("Item"), Column("HS code"), Column("Lot"),
                Column("Manufactured"), Column("Expiry"), Column("Quantity", align="RIGHT"),
                Column("Net kg", align="RIGHT"))


@dataclass(frozen=True)
class ImportPapers:
    """Everything the import papers print: the papers, and the destination's zone for the arrival."""

    papers: ImportPapersPublic
    destination_zone: str
    generated_at: datetime


def render(content: ImportPapers, fonts: FontChoice) -> bytes:
    """The import papers as PDF bytes."""
    papers = content.papers
    doc = Document(PageFrame(TITLE, papers.reference, content.generated_at), fonts, text=repr(papers))
    title(doc, TITLE, papers.reference, f"{papers.origin} → {papers.destination}")
    permit = papers.permit
    key_values(doc, [
        ("Invoice number", papers.invoice_number or "—"),
        ("Air waybill", papers.air_waybill or "—"),
        ("Import permit", papers.import_permit or "—"),
        ("Permit holder", permit.holder if permit else "—"),
        ("Permit valid", f"{permit.issued.isoformat()} to {permit.expires.isoformat()}" if permit else "—"),
        ("Protocol number", permit.protocol_number if permit else "—"),
        ("Planned arrival", (f"{local_text(papers.planned_arrival, content.destination_zone)} "
                             f"({content.destination_zone})") if papers.planned_arrival else "—"),
        ("Total net weight", f"{_amount(papers.total_net_weight_kg)} kg"),
        *([("Dangerous goods", papers.coolant_marking)] if papers.coolant_marking else []),
    ])
    heading(doc, "Lines")
    if papers.lines:
        table(doc, LINE_COLUMNS, ([str(number), f"{line.item_code} {line.item_name}", line.hs_code or "—",
                                   line.lot_number,
                                   line.manufactured.isoformat() if line.manufactured else "—",
                                   line.expiry.isoformat(), f"{_amount(line.quantity)} {line.unit}",
                                   _amount(line.net_weight_kg) if line.net_weight_kg is not None else "—"]
                                  for number, line in enumerate(papers.lines, start=1)))
    else:
        paragraph(doc, "No goods are listed.")
    problems = [problem.message for problem in papers.permit_problems] + papers.gaps
    if problems:
        heading(doc, "Not ready to file", keep_with_next_mm=10)
        paragraph(doc, "\n".join(f"- {problem}" for problem in problems))
    return doc.to_bytes()


def _amount(value: float) -> str:
    """1,250 or 0.5: as many decimals as the number has, up to three."""
    return f"{value:,.3f}".rstrip("0").rstrip(".")
