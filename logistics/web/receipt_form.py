"""The receiving form as the pharmacist sends it: the checklist, each line's count with its unit, and a
pack's GS1 code scanned into the form, which fills the lot and expiry of the pack's line."""

from __future__ import annotations

from datetime import date
from typing import Any

from logistics.core.receiving import YES_NO_CHECKS, Checklist, CoolantState, Disposition
from logistics.core.units import QuantityError, parse_quantity, scientific_notation
from logistics.readers.gs1 import AROUND, BarcodeError, Problem
from logistics.schemas.shipments import LinePublic
from logistics.services import receiving
from logistics.services.errors import InputError
from logistics.web.formatting import day
from logistics.web.i18n import gettext as _
from logistics.web.i18n import label, typed_quantity

SHOWN_CODE_LENGTH = 60  # of a scanned code repeated in a refusal


def read_receipt_form(form: Any, lines: list[LinePublic], *, blind: bool) -> receiving.ReceiptDraft:
    """The checklist (every question answered yes or no) and a count of every line. In a blind count the
    intact units must be typed: nothing was there to start from."""
    errors: dict[str, str] = {}
    answers = {}
    for check in YES_NO_CHECKS:
        answer = form.get(check, "")
        if answer not in ("yes", "no"):
            errors[check] = _("answer yes or no")
        answers[check] = answer == "yes"
    try:
        coolant = CoolantState(form.get("coolant_state", ""))
    except ValueError:
        errors["coolant_state"] = _("choose the coolant's state")
        coolant = CoolantState.NOT_USED
    counts = [_read_line(form, line, errors, blind=blind) for line in lines]
    if errors:
        raise InputError(errors)
    return receiving.ReceiptDraft(Checklist(coolant_state=coolant, **answers),
                                  [count for count in counts if count is not None],
                                  notes=form.get("notes", "").strip() or None)


def _read_line(form: Any, line: LinePublic, errors: dict[str, str], *,
               blind: bool) -> receiving.LineCount | None:
    prefix = f"line-{line.id}"
    numbers = {field: _count(form, f"{prefix}-{field}", line.unit, errors,
                             required=blind and field == "received")
               for field in ("received", "damaged", "missing")}
    lot = form.get(f"{prefix}-lot", "").strip()
    if not lot:
        errors[f"{prefix}-lot"] = _("type or scan the lot number on the pack")
    expiry = None
    if form.get(f"{prefix}-expiry", "").strip():
        try:
            expiry = date.fromisoformat(form.get(f"{prefix}-expiry").strip())
        except ValueError:
            errors[f"{prefix}-expiry"] = _("enter a date, e.g. 2027-03-31")
    try:
        requested = Disposition(form.get(f"{prefix}-disposition", ""))
    except ValueError:
        errors[f"{prefix}-disposition"] = _("choose accept, quarantine or reject")
        return None
    received, damaged, missing = numbers["received"], numbers["damaged"], numbers["missing"]
    if received is None or damaged is None or missing is None or not lot:
        return None
    return receiving.LineCount(line.id, lot, expiry, received=received, damaged=damaged, missing=missing,
                               requested=requested)


def _count(form: Any, name: str, unit: str, errors: dict[str, str], *, required: bool) -> float | None:
    """Units typed as a number in the line's unit or with a unit ("6 kit"); an empty field is none, unless
    the count is required."""
    text = typed_quantity(form.get(name, "").strip())
    if not text and required:
        errors[name] = _("count the intact units and type how many, e.g. %(example)s (0 if there are none)",
                         example=f"6 {unit}")
        return None
    try:  # whole counted units and the item's bound are the receiving service's to check (core.quantities)
        return parse_quantity(text or "0", unit)
    except QuantityError:
        errors[name] = scientific_notation(text) or _("enter a number in %(unit)s, e.g. 6 or %(example)s",
                                                      unit=label(unit), example=f"6 {unit}")
        return None


# --- A pack's code scanned into the form ---------------------------------------------------------

def scan_text(form: Any) -> str:
    """What the scanner typed into the scan field, without the Enter or spaces around it."""
    return str(form.get("scan", "")).strip(AROUND)


def fill_from_scan(session: Any, reference: str, values: dict[str, str]) -> str:
    """Fill the lot and expiry of the line the scanned pack belongs to into the form's `values`, and clear
    the scan field for the next pack; what was filled, to say so. InputError naming the scan field for a
    code that cannot be read or a pack that is not on the shipment."""
    try:
        pack = receiving.scanned_pack(session, reference, values.get("scan", ""))
    except (BarcodeError, receiving.NotOnShipment) as error:
        raise InputError({"scan": scan_problem(error)}) from None
    prefix = f"line-{pack.line_id}"
    if pack.code.lot:
        values[f"{prefix}-lot"] = pack.code.lot
    if pack.code.expiry:
        values[f"{prefix}-expiry"] = pack.code.expiry.isoformat()
    values["scan"] = ""
    return scan_notice(pack)


def scan_notice(pack: receiving.ScannedPack) -> str:
    """What a scan filled in, for the person holding the scanner."""
    lot, expiry, item = pack.code.lot, pack.code.expiry, pack.item_code
    if lot and expiry:
        return _("%(item)s: lot %(lot)s and expiry %(expiry)s filled in from the pack's code.",
                 item=item, lot=lot, expiry=day(expiry))
    if lot:
        return _("%(item)s: lot %(lot)s filled in from the pack's code; type the expiry.", item=item, lot=lot)
    if expiry:
        return _("%(item)s: expiry %(expiry)s filled in from the pack's code; type the lot.",
                 item=item, expiry=day(expiry))
    return _("%(item)s: the pack's code carries no lot or expiry; type them from the pack.", item=item)


def scan_problem(error: BarcodeError | receiving.NotOnShipment) -> str:
    """Why a scanned code fills nothing, in the reader's language, naming the code or the GTIN."""
    if isinstance(error, receiving.NotOnShipment):
        if error.item:
            return _("GTIN %(gtin)s (%(item)s) is not on %(reference)s: check the pack against the packing "
                     "list.", gtin=error.gtin, item=error.item, reference=error.reference)
        return _("GTIN %(gtin)s is not on %(reference)s: check the pack against the packing list.",
                 gtin=error.gtin, reference=error.reference)
    code, ai = shown_code(error.text), error.ai or ""
    messages = {
        Problem.EMPTY: _("scan or type a pack's code first"),
        Problem.UNREADABLE: _("%(code)s is not a GS1 code: scan the GS1 DataMatrix or GS1-128 barcode on the "
                              "pack", code=code),
        Problem.BAD_FIELD: _("%(code)s: field (%(ai)s) does not hold what GS1 allows there (a real date, the "
                             "right number of digits); scan again or type the code from the label",
                             code=code, ai=ai),
        Problem.BAD_GTIN: _("%(code)s: the GTIN's check digit is wrong; scan again or type the code from the "
                            "label", code=code),
        Problem.NO_GTIN: _("%(code)s carries no GTIN (01): scan the code on the pack itself", code=code),
        Problem.CONFLICT: _("%(code)s gives field (%(ai)s) twice with different values", code=code, ai=ai),
    }
    return messages[error.problem]


def shown_code(text: str) -> str:
    """A scanned code as a refusal repeats it: the invisible group separator shown as ␝, and shortened."""
    shown = text.replace("\x1d", "␝")
    return shown if len(shown) <= SHOWN_CODE_LENGTH else shown[:SHOWN_CODE_LENGTH] + "…"
