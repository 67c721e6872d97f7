"""The packing list: printed where the goods are packed and put in the box, read where they arrive.

Its QR code opens the shipment's receiving page, so the pharmacy's scanner or tablet starts the receipt
from the box itself. Printed by logistics staff, it carries a second QR code, "Hand-over": the shipment's
one-shipment link, with which each carrier, customs broker and courier records their hand-over on a phone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from logistics.core.clock import local_text
from logistics.core.profiles import StorageProfile
from logistics.core.words import word
from logistics.documents.fonts import FontChoice
from logistics.documents.pdf import (
    LINE_MM,
    Column,
    Document,
    PageFrame,
    heading,
    key_values,
    paragraph,
    qr_code,
    signature_lines,
    table,
    title,
)
from logistics.schemas.shipments import ShipmentPublic

TITLE = "Packing list"
QR_SIZE_MM = 38.0
HANDOVER_QR_MM = 30.0
CONTENTS_COLUMNS = (Column("Item code"), Column("Item"), Column("Lot"), Column("Expiry"),
                    Column("Quantity", align="RIGHT"), Column("Storage"))
LOGGER_COLUMNS = (Column("Logger"), Column("Model"), Column("Recording from"))
SIGNING_ROLES = ("Packed by", "Checked by")
NOTES_MAX_LINES = 40  # the box needs the gist; the record keeps all of it


@dataclass(frozen=True)
class Place:
    """A site as the packing list names it, with the zone its times are written in."""

    code: str
    name: str
    zone: str


@dataclass(frozen=True)
class PackingList:
    """Everything the packing list prints."""

    shipment: ShipmentPublic
    origin: Place
    destination: Place
    profiles: Mapping[str, StorageProfile]
    receiving_url: str
    generated_at: datetime
    # The shipment's hand-over link and when it stops working (None: printed without one).
    handover_url: str | None = None
    handover_until: datetime | None = None
    # The reader's gettext: units and storage profiles print in their language (the records keep English).
    translate: Callable[[str], str] = str
    # The coolant's dangerous-goods line (UN 1845 for dry ice) or an LN2 dry shipper's "not restricted"
    # (core.import_papers.coolant_marking); None when the coolant needs none.
    coolant_marking: str | None = None


def render(content: PackingList, fonts: FontChoice) -> bytes:
    """The packing list as PDF bytes."""
    doc = Document(PageFrame(TITLE, content.shipment.reference, content.generated_at), fonts,
                   text=repr(content) + _words(content))  # what it prints, to choose the fonts
    _top(doc, content)
    if content.shipment.notes:
        heading(doc, "Notes", keep_with_next_mm=LINE_MM)
        paragraph(doc, printable_notes(content.shipment.notes))
    _storage(doc, content)
    _contents(doc, content)
    _loggers(doc, content)
    if content.handover_url:
        _handover(doc, content, content.handover_url)
    heading(doc, "Signatures", keep_with_next_mm=30)
    signature_lines(doc, SIGNING_ROLES)
    return doc.to_bytes()


def _words(content: PackingList) -> str:
    """The units and profiles as the packing list prints them, in the reader's language."""
    shown = [word(value, content.translate) for line in content.shipment.lines
             for value in (line.unit, line.storage_profile)]
    shown += [word(profile.label, content.translate) for profile in content.profiles.values()]
    return " ".join(shown)


def printable_notes(notes: str) -> str:
    """The notes as a packing list prints them: blank lines closed up, at most NOTES_MAX_LINES lines.

    A paragraph (unlike a table cell) wraps long words and breaks across pages, so any notes print."""
    lines: list[str] = []
    for line in (line.rstrip() for line in notes.strip().splitlines()):
        if line or (lines and lines[-1]):
            lines.append(line)
    if len(lines) > NOTES_MAX_LINES:
        lines = [*lines[:NOTES_MAX_LINES], "[... more in the shipment's record]"]
    return "\n".join(lines)


def _top(doc: Document, content: PackingList) -> None:
    """Title and facts on the left; the QR code to the receiving page on the right, the reference under it."""
    reference, top = content.shipment.reference, doc.get_y()
    qr_bottom = qr_code(doc, content.receiving_url, caption=reference,
                        x=doc.w - doc.r_margin - QR_SIZE_MM, y=top, size=QR_SIZE_MM)
    doc.set_xy(doc.l_margin, top)
    beside = doc.epw - QR_SIZE_MM - 6
    title(doc, TITLE, reference, f"{content.origin.code} → {content.destination.code}", width=beside)
    key_values(doc, _facts(content), width=beside)
    doc.set_y(max(doc.get_y(), qr_bottom + 2))


def _facts(content: PackingList) -> list[tuple[str, str]]:
    shipment, origin, destination = content.shipment, content.origin, content.destination
    return [
        ("Air waybill", shipment.air_waybill or "—"),
        ("From", f"{origin.code} — {origin.name}"),
        ("To", f"{destination.code} — {destination.name}"),
        ("Planned departure", _when(shipment.planned_departure, origin)),
        ("Planned arrival", _when(shipment.planned_arrival, destination)),
        ("Packaging", _packaging(shipment)),
        ("Import permit", shipment.import_permit or "—"),
        *([("Dangerous goods", content.coolant_marking)] if content.coolant_marking else []),
    ]


def _storage(doc: Document, content: PackingList) -> None:
    heading(doc, "Storage on receipt")
    items_by_profile: dict[str, list[str]] = {}
    for line in content.shipment.lines:
        codes = items_by_profile.setdefault(line.storage_profile, [])
        if line.item_code not in codes:
            codes.append(line.item_code)
    if not items_by_profile:
        paragraph(doc, "No goods are listed.")
        return
    key_values(doc, [(word(name, content.translate),
                      storage_instruction(content.profiles.get(name), codes, content.translate))
                     for name, codes in items_by_profile.items()], label_width=32)


def storage_instruction(profile: StorageProfile | None, item_codes: list[str],
                        translate: Callable[[str], str] = str) -> str:
    """"Refrigerated, 2–8 °C: keep between 2 °C and 8 °C. Items: SEL-CD34, QC-ENDO." """
    items = f"Items: {', '.join(item_codes)}."
    if profile is None:
        return f"This storage profile is not defined here: ask QA before storing. {items}"
    if profile.min_c is not None and profile.max_c is not None:
        keep = f"keep between {_celsius(profile.min_c)} and {_celsius(profile.max_c)}"
    elif profile.max_c is not None:
        keep = f"keep at or below {_celsius(profile.max_c)}"
    else:
        keep = f"keep at or above {_celsius(profile.min_c)}"
    return f"{word(profile.label, translate)}: {keep}. {items}"


def _contents(doc: Document, content: PackingList) -> None:
    heading(doc, "Contents")
    lines = content.shipment.lines
    if not lines:
        paragraph(doc, "No goods are listed.")
        return
    table(doc, CONTENTS_COLUMNS, ([line.item_code, line.item_name, line.lot_number, line.expiry.isoformat(),
                                   f"{_amount(line.quantity)} {word(line.unit, content.translate)}",
                                   word(line.storage_profile, content.translate)]
                                  for line in lines))


def _loggers(doc: Document, content: PackingList) -> None:
    heading(doc, "Data loggers")
    assigned = content.shipment.loggers
    if not assigned:
        paragraph(doc, "No data logger is assigned.")
        return
    table(doc, LOGGER_COLUMNS, ([row.logger, row.model or "—", _when(row.starts_at, content.origin)]
                                for row in assigned))


def _handover(doc: Document, content: PackingList, url: str) -> None:
    """What to do with the hand-over link on the left, its QR code on the right (as the receiving one)."""
    heading(doc, "Hand-overs on the way", keep_with_next_mm=HANDOVER_QR_MM + LINE_MM + 2)
    top = doc.get_y()
    bottom = qr_code(doc, url, caption="Hand-over", x=doc.w - doc.r_margin - HANDOVER_QR_MM, y=top,
                     size=HANDOVER_QR_MM)
    doc.set_xy(doc.l_margin, top)
    until = _when(content.handover_until, content.destination)
    told = (f"Carrier, customs broker, courier: at each hand-over, scan this code with a phone and record "
            f"the time, place, condition of seals, packaging and coolant, and your name. No account is "
            f"needed; the link is for {content.shipment.reference} only and works until {until}. The "
            f"pharmacy records its receipt with the code at the top.")
    key_values(doc, [("Hand-over", told)], width=doc.epw - HANDOVER_QR_MM - 6, label_width=24)
    doc.set_y(max(doc.get_y(), bottom + 2))


def _when(moment: datetime | None, place: Place) -> str:
    """The time at `place`, with its offset and zone, so that nobody converts in their head."""
    return f"{local_text(moment, place.zone)} ({place.zone})" if moment else "—"


def _packaging(shipment: ShipmentPublic) -> str:
    hours = shipment.packaging_validated_hours
    validated = f"validated for {_amount(hours)} h" if hours else ""
    return "; ".join(part for part in (shipment.packaging, validated) if part) or "—"


def _amount(value: float) -> str:
    """1,250 or 0.5: as many decimals as the number has, up to six."""
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _celsius(value: float | None) -> str:
    return f"{value:g} °C".replace("-", "−")
