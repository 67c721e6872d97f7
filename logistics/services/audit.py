"""Reading and checking the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col, select

from logistics.core.audit import AuditRecord, ChainBreak, first_break
from logistics.db.models import AuditEvent


def verify_audit_trail(session: Session) -> tuple[int, ChainBreak | None]:
    """Check every event's hash and link; returns how many were read and the first break."""
    counted = 0
    rows = session.exec(
        select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=1000)
    )

    def records() -> Iterator[AuditRecord]:
        nonlocal counted
        for row in rows:
            counted += 1
            yield AuditRecord(**row.model_dump())

    try:
        broken = first_break(records())
    finally:
        rows.close()  # a break stops the walk early; free the server-side cursor
    return counted, broken


def history(session: Session, entity: str, entity_id: str) -> list[AuditEvent]:
    """Every audit event of one record, oldest first."""
    return list(session.exec(
        select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(col(AuditEvent.id))
    ).all())
