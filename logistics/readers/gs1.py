"""GS1 barcodes on packs (GS1 DataMatrix, GS1-128, GS1 QR), as a handheld scanner types them, read into the
few fields receiving needs: GTIN (AI 01), batch or lot (AI 10), expiry (AI 17) and serial number (AI 21).

A scanner types the element string in one of three forms, all accepted:
- human-readable, as printed under the code: "(01)09506000134352(17)271231(10)LOT-A1" (spaces ignored);
- raw, with FNC1 sent as the group separator GS (\\x1d) after each variable-length field;
- raw behind a symbology identifier: "]d2" (GS1 DataMatrix), "]C1" (GS1-128), "]Q3" (GS1 QR).
A plain GTIN (an EAN-13 or UPC-A on the pack) is read as a GTIN with no lot or expiry.

biip parses the element strings and checks each field's format, the GTIN's check digit and the dates, with
GS1's rules: a two-digit year in the sliding window of GS1 General Specifications §7.12, and an expiry day
of 00 meaning the last day of the month. This module turns its answer into a PackCode or a BarcodeError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from biip.gs1_messages import GS1Message

# biip is imported where a code is read: importing it builds GS1's prefix tables, a tenth of a second that
# every `logistics` process would otherwise spend at start, most of them never reading a code.

# What a scanner's suffix (Enter, Tab) or a person adds around a code; not str.strip(), which would also
# take the group separator (\x1d is whitespace to Python).
AROUND = " \t\r\n"
SYMBOLOGY_IDENTIFIER = re.compile(r"^\][A-Za-z][0-9]")
NAMED_AI = re.compile(r"AI \((\d{2,4})\)")
FIELDS = {"01": "gtin", "10": "lot", "17": "expiry", "21": "serial"}


class Problem(StrEnum):
    """Why a code cannot be read."""

    EMPTY = "empty"
    UNREADABLE = "unreadable"  # not a GS1 element string at all
    BAD_FIELD = "bad_field"  # a field whose value does not fit its format (a month 13, a letter in a GTIN)
    BAD_GTIN = "bad_gtin"  # the GTIN's check digit is wrong
    NO_GTIN = "no_gtin"  # a GS1 code without a GTIN (an SSCC on a pallet, say)
    CONFLICT = "conflict"  # one field given twice with different values


class BarcodeError(ValueError):
    """A code that cannot be read as a pack's GS1 code; `problem` says why, `ai` names the field if one."""

    def __init__(self, problem: Problem, text: str, ai: str | None = None) -> None:
        field = f" in field ({ai})" if ai else ""
        super().__init__(f"{text!r} is not a readable GS1 code: {problem.value.replace('_', ' ')}{field}")
        self.problem, self.text, self.ai = problem, text, ai


@dataclass(frozen=True)
class PackCode:
    """What a pack's code says."""

    gtin: str  # GTIN-14, zero-padded
    lot: str | None
    expiry: date | None
    serial: str | None


def read_pack_code(scanned: str) -> PackCode:
    """The GTIN, lot, expiry and serial in a scanned code; BarcodeError when it cannot be read."""
    text = scanned.strip(AROUND)
    if not text:
        raise BarcodeError(Problem.EMPTY, text)
    from biip import ParseError, parse

    body = SYMBOLOGY_IDENTIFIER.sub("", text)
    if body.startswith("("):
        return _from_message(_human_readable(body, text), text)
    try:
        result = parse(text)
    except (ParseError, IndexError):  # a symbology identifier biip does not know, or a lone "]"
        raise BarcodeError(Problem.UNREADABLE, text) from None
    if result.gs1_message is not None and _has_gtin(result.gs1_message):
        return _from_message(result.gs1_message, text)
    if result.gtin is not None:  # a bare EAN-13, UPC-A, ...
        return PackCode(gtin=result.gtin.as_gtin_14(), lot=None, expiry=None, serial=None)
    if result.gs1_message is not None:
        raise BarcodeError(Problem.NO_GTIN, text)
    raise _refusal(result.gs1_message_error or "", text)


def normalise_gtin(text: str) -> str:
    """A GTIN-8, -12, -13 or -14 as the 14 digits a GS1 code carries; BarcodeError for a bad one."""
    from biip import ParseError
    from biip.gtin import Gtin

    try:
        return Gtin.parse(text.strip(AROUND)).as_gtin_14()
    except ParseError:
        raise BarcodeError(Problem.BAD_GTIN, text) from None


def _human_readable(body: str, text: str) -> GS1Message:
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    try:
        return GS1Message.parse_hri(re.sub(r"\s+", "", body))
    except ParseError as error:
        raise _refusal(str(error), text) from None


def _refusal(reason: str, text: str) -> BarcodeError:
    """biip says which field failed only in its message; name it when it does."""
    named = NAMED_AI.search(reason)
    if named:
        return BarcodeError(Problem.BAD_FIELD, text, named.group(1))
    return BarcodeError(Problem.UNREADABLE, text)


def _has_gtin(message: GS1Message) -> bool:
    return any(element.ai.ai == "01" for element in message.element_strings)


def _from_message(message: GS1Message, text: str) -> PackCode:
    found: dict[str, str | date] = {}
    for element in message.element_strings:
        name = FIELDS.get(element.ai.ai)
        if name is None:
            continue  # other fields (quantities, dates of production, ...) receiving does not use
        if name == "gtin" and element.gtin is None:
            raise BarcodeError(Problem.BAD_GTIN, text, "01")
        value: str | date = element.date if name == "expiry" and element.date else element.value
        if found.setdefault(name, value) != value:
            raise BarcodeError(Problem.CONFLICT, text, element.ai.ai)
    gtin = found.get("gtin")
    if not isinstance(gtin, str):
        raise BarcodeError(Problem.NO_GTIN, text)
    expiry, lot, serial = found.get("expiry"), found.get("lot"), found.get("serial")
    return PackCode(gtin=gtin, lot=lot if isinstance(lot, str) else None,
                    expiry=expiry if isinstance(expiry, date) else None,
                    serial=serial if isinstance(serial, str) else None)
