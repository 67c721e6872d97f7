"""Writes the append-only audit trail from the ORM: one event per created, changed or deleted record.

Runs inside the flush, in the same transaction as the change, so a change and its audit event
commit or roll back together. The chain (`logistics.core.audit`) needs events in a strict order:
PostgreSQL takes a transaction-scoped advisory lock; SQLite already holds its single writer lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from logistics.core.audit import GENESIS_HASH, encode_value, event_hash
from logistics.db.models import AuditEvent, utc_now

AUDIT_LOCK_KEY = 7_201_011  # any constant; names the advisory lock that serialises the chain
REDACTED = '"[redacted]"'


class AuditError(RuntimeError):
    """A GxP record was changed without saying who changed it."""


def install_audit_trail(factory: sessionmaker[Any]) -> None:
    """Attach the audit writer to every session the factory makes."""
    event.listen(factory, "after_flush", _write_events)


def _write_events(session: Session, _flush_context: Any) -> None:
    changes = list(_changes(session))
    if not changes:
        return
    actor = session.info.get("actor")
    if not actor:
        raise AuditError("changes to GxP records need an actor (who is making them)")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = connection.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    next_id, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    at, reason = session.info.get("at") or utc_now(), session.info.get("reason")
    rows = []
    for offset, (action, entity, entity_id, field, old, new) in enumerate(changes):
        row = dict(id=next_id + offset, at=at, actor=actor, action=action, entity=entity,
                   entity_id=entity_id, field=field, old_value=old, new_value=new, reason=reason,
                   prev_hash=prev_hash)
        row["hash"] = prev_hash = event_hash(**row)
        rows.append(row)
    connection.execute(insert(AuditEvent.__table__), rows)


Change = tuple[str, str, str, str | None, str | None, str | None]


def _changes(session: Session) -> Iterator[Change]:
    for record in _audited(session.new):
        yield "create", _entity(record), _key(record), None, None, _snapshot(record)
    for record in _audited(session.dirty):
        yield from _field_changes(record)
    for record in _audited(session.deleted):
        yield "delete", _entity(record), _key(record), None, _snapshot(record), None


def _audited(records: Any) -> list[Any]:
    chosen = [record for record in records if getattr(record, "__audited__", False)]
    return sorted(chosen, key=lambda record: (_entity(record), _key(record)))


def _entity(record: Any) -> str:
    return str(record.__tablename__)


def _key(record: Any) -> str:
    return ",".join(str(part) for part in inspect(record).mapper.primary_key_from_instance(record))


def _snapshot(record: Any) -> str | None:
    redact = record.__audit_redact__
    values = {
        column.key: ("[redacted]" if column.key in redact else getattr(record, column.key))
        for column in inspect(record).mapper.column_attrs
    }
    return encode_value(values)


def _field_changes(record: Any) -> Iterator[Change]:
    state = inspect(record)
    for column in state.mapper.column_attrs:
        history = state.attrs[column.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        if column.key in record.__audit_redact__:
            yield "update", _entity(record), _key(record), column.key, REDACTED, REDACTED
        else:
            yield ("update", _entity(record), _key(record), column.key,
                   encode_value(old), encode_value(new))
