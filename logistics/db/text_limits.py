"""Text a column cannot keep is refused before it reaches the database, naming the field.

PostgreSQL refuses text longer than its VARCHAR(n), and any text holding U+0000; SQLite keeps both
silently. Checked at every flush, whichever service made the change, so that both databases take the
same records and a too-long note is a 422 naming it rather than a 500 (or, on SQLite, a record that a
later move to PostgreSQL would refuse).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class TextTooLong(ValueError):
    """A text value its column cannot keep; `field` is the column's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def install_text_limits(factory: sessionmaker[Any]) -> None:
    """Check every session the factory makes."""
    event.listen(factory, "before_flush", _check)


def _check(session: Session, _context: Any, _instances: Any) -> None:
    for record in (*session.new, *session.dirty):
        for column in inspect(record).mapper.columns:
            kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
            value = getattr(record, column.key, None)
            if not isinstance(kind, String) or not isinstance(value, str):
                continue
            if kind.length is not None and len(value) > kind.length:
                raise TextTooLong(column.key, f"at most {kind.length:,} characters")
            if "\x00" in value:
                raise TextTooLong(column.key, "holds a NUL character (U+0000), which no record can keep")
