"""Reading and checking the audit trail: the chain's verification, and the trail as an inspector reads it,
narrowed by record, person, time and action (read only: nothing here writes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_
from sqlmodel import Session, SQLModel, col, select

from logistics.core.audit import AuditRecord, ChainBreak, first_break
from logistics.core.audit_display import AuditRow
from logistics.db.models import (
    AuditEvent,
    DispatchOverride,
    Handover,
    Item,
    Leg,
    LoggerAssignment,
    Lot,
    Milestone,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    User,
)
from logistics.services.audit_names import shown
from logistics.services.catalogue import site_zones
from logistics.services.errors import InputError
from logistics.services.paging import one_page

ACTIONS = ("create", "update", "delete")
# The records that belong to a shipment, whose changes its own trail shows with its own.
SHIPMENT_PARTS = ("shipment_lines", "legs", "milestones", "logger_assignments", "receipts", "receipt_lines",
                  "handovers", "dispatch_overrides")
# The kinds of record found by a name of their own (the column that holds it); other kinds by their id.
NAMED_BY = {"shipments": "reference", "sites": "code", "items": "code", "loggers": "code",
            "storage_zones": "code", "users": "username", "recruitment_sites": "code",
            "enrolments": "patient_code"}


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


@dataclass(frozen=True)
class AuditFilter:
    """What the trail is narrowed to; every criterion is optional. Times are UTC, `until` exclusive."""

    kind: str | None = None  # the kind of record (table name)
    reference: str | None = None  # its name: a shipment's reference, a logger id, ITEM/LOT, ... (see `scope`)
    entity_id: str | None = None  # its id
    actor: str | None = None  # who (user name)
    action: str | None = None  # create, update or delete
    since: datetime | None = None
    until: datetime | None = None


class UnknownReference(InputError):
    """The reference names no record of the kind chosen (a shipment, when no kind is)."""

    def __init__(self, kind: str | None, reference: str) -> None:
        self.kind, self.reference = kind, reference
        super().__init__({"reference": f"no {kind or 'shipments'} record named {reference!r}"})


class TooMany(InputError):
    """More events match than one export holds."""

    def __init__(self, total: int, most: int) -> None:
        self.total, self.most = total, most
        super().__init__({"filters": f"{total} events match; an export holds at most {most}"})


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int


@dataclass(frozen=True)
class AuditView:
    """A page of the trail as an inspector reads it, and how many events match in all."""

    rows: list[AuditRow]
    total: int


def search(session: Session, filters: AuditFilter, *, page: int = 1, per_page: int = 100) -> AuditPage:
    """Audit events, newest first, narrowed by `filters` (an unknown reference: UnknownReference)."""
    query = _filtered(session, filters).order_by(col(AuditEvent.id).desc())
    events, total = one_page(session, query, page=page, per_page=per_page)
    return AuditPage(list(events), total)


def read_page(session: Session, filters: AuditFilter, *, page: int, per_page: int) -> AuditView:
    """A page of the trail, newest first, each event with names instead of ids."""
    found = search(session, filters, page=page, per_page=per_page)
    return AuditView(shown(session, found.events), found.total)


def selection(session: Session, filters: AuditFilter, *, most: int) -> list[AuditRow]:
    """Every event the filters let through, oldest first, for an export; TooMany beyond `most`."""
    query = _filtered(session, filters)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if total > most:
        raise TooMany(total, most)
    return shown(session, session.exec(query.order_by(col(AuditEvent.id))).all())


def shipment_trail(session: Session, shipment_id: int) -> list[AuditRow]:
    """The changes to a shipment and to its parts (lines, legs, milestones, logger assignments, receipts
    and their lines, hand-overs), removed parts included, oldest first."""
    scope = {"shipments": {str(shipment_id)}, **shipment_parts(session, shipment_id)}
    events = session.exec(select(AuditEvent).where(_within(scope)).order_by(col(AuditEvent.id))).all()
    return shown(session, events)


def shipment_parts(session: Session, shipment_id: int) -> dict[str, set[str]]:
    """The ids of a shipment's parts by kind: those it has, and those removed from it."""
    found: dict[str, Any] = {
        "shipment_lines": select(ShipmentLine.id).where(ShipmentLine.shipment_id == shipment_id),
        "legs": select(Leg.id).where(Leg.shipment_id == shipment_id),
        "milestones": select(Milestone.id).where(Milestone.shipment_id == shipment_id),
        "logger_assignments": select(LoggerAssignment.id).where(LoggerAssignment.shipment_id == shipment_id),
        "receipts": select(Receipt.id).where(Receipt.shipment_id == shipment_id),
        "receipt_lines": select(ReceiptLine.id).join(Receipt, col(Receipt.id) == ReceiptLine.receipt_id)
        .where(Receipt.shipment_id == shipment_id),
        "handovers": select(Handover.id).where(Handover.shipment_id == shipment_id),
        "dispatch_overrides": select(DispatchOverride.id).where(DispatchOverride.shipment_id == shipment_id),
    }
    parts = {kind: {str(record_id) for record_id in session.exec(query).all()}
             for kind, query in found.items()}
    for kind, record_id in _removed_parts(session, shipment_id):
        parts[kind].add(record_id)
    return parts


def _removed_parts(session: Session, shipment_id: int) -> list[tuple[str, str]]:
    """Parts removed from the shipment, found by their last snapshot (canonical JSON: see core.audit)."""
    removals = session.exec(select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.old_value).where(
        AuditEvent.action == "delete", col(AuditEvent.entity).in_(SHIPMENT_PARTS),
        col(AuditEvent.old_value).contains(f'"shipment_id":{shipment_id}'))).all()
    return [(kind, record_id) for kind, record_id, snapshot in removals
            if json.loads(snapshot or "{}").get("shipment_id") == shipment_id]


@dataclass(frozen=True)
class AuditChoices:
    """What the trail's filters offer: the kinds of record in it, who made changes (user name, name),
    and the sites whose zones times are read in (zone by site code)."""

    kinds: list[str]
    people: list[tuple[str, str]]
    zones: dict[str, str]


def choices(session: Session) -> AuditChoices:
    return AuditChoices(kinds(session), people(session), site_zones(session))


def kinds(session: Session) -> list[str]:
    """The kinds of record the trail holds (table names)."""
    return list(session.exec(select(AuditEvent.entity).distinct().order_by(col(AuditEvent.entity))).all())


def people(session: Session) -> list[tuple[str, str]]:
    """Who made changes: (user name, full name or the user name) for each actor in the trail."""
    actors = session.exec(select(AuditEvent.actor).distinct().order_by(col(AuditEvent.actor))).all()
    names = dict(session.exec(select(User.username, User.full_name)
                              .where(col(User.username).in_(actors))).all())
    return [(actor, names.get(actor) or actor) for actor in actors]


def _filtered(session: Session, filters: AuditFilter) -> Any:
    query = select(AuditEvent)
    if filters.reference:
        query = query.where(_within(scope(session, filters.kind, filters.reference)))
    elif filters.kind:
        query = query.where(AuditEvent.entity == filters.kind)
    for column, value in ((AuditEvent.entity_id, filters.entity_id), (AuditEvent.actor, filters.actor),
                          (AuditEvent.action, filters.action)):
        if value:
            query = query.where(column == value)
    if filters.since:
        query = query.where(col(AuditEvent.at) >= filters.since)
    if filters.until:
        query = query.where(col(AuditEvent.at) < filters.until)
    return query


def _within(records: dict[str, set[str]]) -> Any:
    """Events of these records (ids by kind)."""
    chosen = [and_(AuditEvent.entity == kind, col(AuditEvent.entity_id).in_(sorted(ids)))
              for kind, ids in records.items() if ids]
    return or_(*chosen) if chosen else false()


def scope(session: Session, kind: str | None, reference: str) -> dict[str, set[str]]:
    """The records a reference names, by kind: with no kind, the shipment and all its parts; with a kind
    of shipment part, those parts of the shipment; a lot as ITEM/LOT; other kinds by their own name
    (NAMED_BY) or their id. UnknownReference when it names nothing."""
    reference = reference.strip()
    if kind is None or kind in SHIPMENT_PARTS:
        shipment_id = session.exec(select(Shipment.id).where(Shipment.reference == reference)).first()
        if shipment_id is None:
            raise UnknownReference(kind, reference)
        parts = shipment_parts(session, shipment_id)
        return {kind: parts[kind]} if kind else {"shipments": {str(shipment_id)}, **parts}
    ids = {str(record_id) for record_id in _named(session, kind, reference)}
    if not ids:
        raise UnknownReference(kind, reference)
    return {kind: ids}


def _named(session: Session, kind: str, reference: str) -> list[Any]:
    if kind == "lots":
        item_code, _, lot_number = reference.partition("/")
        query = select(Lot.id).join(Item, col(Item.id) == Lot.item_id)
        if lot_number:
            query = query.where(Item.code == item_code.strip(), Lot.lot_number == lot_number.strip())
        else:
            query = query.where(Lot.lot_number == reference)
        return list(session.exec(query).all())
    if kind in NAMED_BY:
        table = SQLModel.metadata.tables[kind]
        return list(session.exec(select(table.c.id).where(table.c[NAMED_BY[kind]] == reference)).all())
    return [int(reference)] if reference.isdigit() else []
