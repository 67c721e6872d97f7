"""CSV text read in one place, so that every import reports a file it cannot read the same way."""

from __future__ import annotations

import csv
import io


class CsvError(ValueError):
    """The text is not CSV that can be read; `row` is where reading stopped (the header is row 1)."""

    def __init__(self, row: int, problem: str) -> None:
        super().__init__(f"row {row}: {problem}")
        self.row, self.problem = row, problem


def read_rows(text: str) -> tuple[list[str], list[dict[str, str | None]]]:
    """The header and the rows (as dicts) of CSV text; CsvError for a NUL byte, a line break inside an
    unquoted field and the like, naming the row."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = list(reader.fieldnames or [])
        rows = list(reader)
    except csv.Error as error:
        raise CsvError(max(reader.line_num, 1), f"not readable as CSV ({error})") from None
    return header, rows
