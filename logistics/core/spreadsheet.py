"""CSV cells that a spreadsheet opens as data, never as a formula (OWASP "CSV injection").

A text cell starting with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice and Google
Sheets as a formula, which can run commands or leak the sheet (=HYPERLINK(...), +cmd|' /C calc'!A0): such
a cell gets a leading single quote, which the spreadsheet shows as text. Only text is changed: numbers
are written as numbers, so a negative quantity or temperature stays a number a sheet can add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with a quote in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row for csv.writer, every text cell made safe."""
    return [safe_cell(value) for value in values]


def safe_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A row for csv.DictWriter, every text cell made safe."""
    return {key: safe_cell(value) for key, value in record.items()}


def number_cell(value: float) -> int | float:
    """A quantity as a number cell: 6 rather than 6.0 when it is whole."""
    return int(value) if float(value).is_integer() else value
