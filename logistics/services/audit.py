"""Reading and checking the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from logistics.core.audit import AuditRecord, ChainBreak, first_break
from logistics.db.models import AuditEvent
from logistics.services.paging import one_page


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


@dataclass(frozen=True)
class TrailEntry:
    """An event of a shipment's trail: of the shipment itself (`leg` None), or of one of its legs."""

    event: AuditEvent
    leg: int | None  # the leg's number


def shipment_trail(session: Session, shipment_id: int) -> list[TrailEntry]:
    """Every audit event of a shipment and of its legs (deleted ones too), oldest first."""
    # A leg's creation snapshot names its shipment; snapshots are canonical JSON (core.audit.encode_value:
    # sorted keys, no spaces), so the shipment's id is found as written there.
    created = session.exec(select(AuditEvent).where(
        AuditEvent.entity == "legs", AuditEvent.action == "create",
        or_(col(AuditEvent.new_value).contains(f'"shipment_id":{shipment_id},', autoescape=True),
            col(AuditEvent.new_value).contains(f'"shipment_id":{shipment_id}}}', autoescape=True)))).all()
    numbers = {event.entity_id: json.loads(event.new_value or "{}").get("sequence") for event in created}
    events = session.exec(select(AuditEvent).where(or_(
        and_(AuditEvent.entity == "shipments", AuditEvent.entity_id == str(shipment_id)),
        and_(AuditEvent.entity == "legs", col(AuditEvent.entity_id).in_(numbers))))
        .order_by(col(AuditEvent.id))).all()
    return [TrailEntry(event, numbers.get(event.entity_id) if event.entity == "legs" else None)
            for event in events]


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int


def search(session: Session, *, entity: str | None = None, entity_id: str | None = None,
           actor: str | None = None, since: datetime | None = None, until: datetime | None = None,
           page: int = 1, per_page: int = 100) -> AuditPage:
    """Audit events, newest first, narrowed by record, person and time (read only: nothing here writes)."""
    query = select(AuditEvent)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since:
        query = query.where(col(AuditEvent.at) >= since)
    if until:
        query = query.where(col(AuditEvent.at) < until)
    events, total = one_page(session, query.order_by(col(AuditEvent.id).desc()), page=page, per_page=per_page)
    return AuditPage(list(events), total)


def entities(session: Session) -> list[str]:
    """The kinds of record the trail holds (table names)."""
    return list(session.exec(select(AuditEvent.entity).distinct().order_by(col(AuditEvent.entity))).all())
