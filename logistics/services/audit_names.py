"""The names the audit trail is shown with, looked up in bulk: one query per kind of record mentioned, and
one for the people, whatever the number of events (see logistics.core.audit_display)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from logistics.core.audit import AuditRecord
from logistics.core.audit_display import (
    AuditRow,
    Key,
    NameBook,
    display_rows,
    mentioned,
    naming_order,
    pointed_at,
    removed,
    template_columns,
)
from logistics.db.models import AuditEvent, User

CHUNK = 500  # events named at a time in a long export: the lookups' id lists stay short


@cache
def column_references() -> dict[tuple[str, str], str]:
    """Which columns point at which kind of record, from the schema's foreign keys."""
    return {(table.name, column.name): next(iter(column.foreign_keys)).column.table.name
            for table in SQLModel.metadata.tables.values() for column in table.columns
            if column.foreign_keys}


def shown(session: Session, events: Sequence[AuditEvent]) -> list[AuditRow]:
    """The events as an inspector reads them, with names instead of ids, in the order given."""
    rows: list[AuditRow] = []
    for start in range(0, len(events), CHUNK):
        records = [AuditRecord(**event.model_dump()) for event in events[start:start + CHUNK]]
        rows += display_rows(records, name_book(session, records))
    return rows


def name_book(session: Session, events: Sequence[AuditRecord]) -> NameBook:
    """Everything the events' names are made of: each kind of record looked up once, the kinds that name
    others first (a line names its shipment and lot, a lot its item), so each lookup knows all it needs."""
    references = column_references()
    records: dict[Key, Any] = dict(removed(events))  # a removed record: as it was
    wanted = mentioned(events, references)
    for kind in naming_order(references):
        missing = {record_id for record_id in wanted.get(kind, ()) if (kind, record_id) not in records}
        records.update(_columns(session, kind, missing))
        for record_id in wanted.get(kind, ()):
            for target, target_id in pointed_at(kind, records.get((kind, record_id), {}), references):
                wanted.setdefault(target, set()).add(target_id)
    return NameBook(records=records, references=references,
                    people=_people(session, {event.actor for event in events}))


def _columns(session: Session, kind: str, record_ids: set[str]) -> dict[Key, dict[str, Any]]:
    """The columns that name these records of `kind`, by record; one query."""
    numbers = sorted(int(record_id) for record_id in record_ids if record_id.isdigit())
    if not numbers:
        return {}
    table = SQLModel.metadata.tables[kind]
    names = template_columns(kind)
    rows = session.exec(select(table.c.id, *(table.c[name] for name in names))  # type: ignore[call-overload]
                        .where(table.c.id.in_(numbers))).all()
    return {(kind, str(row[0])): dict(zip(names, row[1:], strict=True)) for row in rows}


def _people(session: Session, usernames: set[str]) -> dict[str, str]:
    """Full names by user name (those without one are left out, and shown by user name)."""
    rows = session.exec(select(User.username, User.full_name)
                        .where(col(User.username).in_(sorted(usernames)))).all()
    return {username: full_name for username, full_name in rows if full_name}
