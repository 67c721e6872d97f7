"""The audit trail as an inspector reads it: each change as "field: old → new", every id that points at a
record replaced by that record's name (a shipment's reference, an item code, a logger id, a site code),
and every person by their name.

Pure: events and a book of names come in, display rows go out. What the names are made of is said here
(`mentioned`, `pointed_at`, `naming_order`), so that the service can look them up in bulk: one query per
kind of record, in `naming_order`, whatever the number of events.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from string import Formatter
from typing import Any

from logistics.core.audit import AuditRecord

Key = tuple[str, str]  # a record: (kind, id), as an audit event names it (table name, primary key)
References = Mapping[tuple[str, str], str]  # (kind, column) → the kind of record the column points at
Value = str | datetime  # a field's value as shown: text, or a moment each reader sees in their own zone

# How each kind of record is named: a template over its own columns, where a column pointing at another
# record stands for that record's name. A kind not listed here is named by its id ("#12").
NAME_TEMPLATES: dict[str, str] = {
    "shipments": "{reference}",
    "sites": "{code}", "items": "{code}", "loggers": "{code}", "storage_zones": "{code}",
    "users": "{username}", "recruitment_sites": "{code}", "recruitment_plans": "{trial}",
    "enrolments": "{patient_code}",
    "lots": "{item_id}/{lot_number}",
    "shipment_lines": "{shipment_id} line {lot_id}",
    "legs": "{shipment_id} leg {sequence}",
    "milestones": "{shipment_id} {kind}",
    "logger_assignments": "{logger_id} in {shipment_id}{storage_zone_id}",  # one of the two is empty
    "receipts": "{shipment_id} receipt",
    "receipt_lines": "{shipment_line_id} received",
    "excursions": "{logger_id} {rule}",
    "excursion_assessments": "{excursion_id} for {lot_id}",
    "stock_movements": "{lot_id} {kind} at {site_id}",
    "signatures": "{meaning} by {signer}",
    "api_tokens": "{user_id} token {label}",
    "bom_lines": "{item_id} per {basis}",
    "storage_profile_versions": "{name} v{version}",
    "item_allowance_versions": "{item_id} allowance v{version}",
    "lanes": "{code}",
    "lane_legs": "{lane_id} leg {sequence}",
    "import_permits": "{number}",
    "import_permit_items": "{permit_id} covers {item_id}",
}
# The kinds of record a printed report names otherwise than by their table's name in the singular (pages
# translate their own: web/i18n.py).
KIND_NAMES = {"legs": "route leg", "import_permit_items": "permit item",
              "receipt_lines": "received line", "signatures": "electronic signature",
              "bom_lines": "bill of materials line", "signing_failures": "refused signature"}
NOTHING = "—"
ARROW = "→"


@dataclass(frozen=True)
class NameBook:
    """What names are made from: the columns of the records mentioned (as they are now, or as they were
    when removed), which columns point at records, and people's full names by user name."""

    records: Mapping[Key, Mapping[str, Any]] = field(default_factory=dict)
    references: References = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShownChange:
    """One field of an event: both values for a change; only the new one for a record created, only the
    old one for a record removed."""

    field: str  # the column, without "_id" where it points at a record: "lot", "status"
    old: Value | None
    new: Value | None

    def text(self, field_name: str | None = None, when: Callable[[datetime], str] | None = None) -> str:
        """"status: packed → in_transit", "quantity: 6" (created) — `field_name` in place of the column,
        times as `when` writes them (in UTC by default)."""
        name, said = field_name or self.field.replace("_", " "), when or utc_text
        old, new = (said(value) if isinstance(value, datetime) else value for value in (self.old, self.new))
        if old is not None and new is not None:
            return f"{name}: {old} {ARROW} {new}"
        return f"{name}: {new if new is not None else old}"


@dataclass(frozen=True)
class AuditRow:
    """One audit event as shown: who (by name), what record (by name), which changes, and why."""

    id: int
    at: datetime
    actor: str
    actor_name: str  # the user's full name; the actor itself for the scheduler, the demo, a command
    action: str  # create, update, delete
    kind: str  # the kind of record (table name)
    record: str  # its name
    changes: tuple[ShownChange, ...]
    reason: str | None


def kind_name(kind: str) -> str:
    """"shipment line" for shipment_lines: a kind of record in words."""
    return KIND_NAMES.get(kind) or kind.removesuffix("s").replace("_", " ")


def template_columns(kind: str) -> list[str]:
    """The columns a record's name is made from."""
    template = NAME_TEMPLATES.get(kind, "")
    return [name for _, name, _, _ in Formatter().parse(template) if name]


def naming_order(references: References) -> list[str]:
    """The kinds with a name template, each before the kinds its name is made from: looking names up kind
    by kind in this order, every record a name needs is known before its kind's turn."""
    made_of = {kind: {references[(kind, column)] for column in template_columns(kind)
                      if (kind, column) in references} for kind in NAME_TEMPLATES}
    return list(reversed(list(TopologicalSorter(made_of).static_order())))


def mentioned(events: Iterable[AuditRecord], references: References) -> dict[str, set[str]]:
    """The records the events name, by kind: each event's own, and those its values point at."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        wanted.setdefault(event.entity, set()).add(event.entity_id)
        for kind, record_id in _pointers(event, references):
            wanted.setdefault(kind, set()).add(record_id)
    return wanted


def pointed_at(kind: str, columns: Mapping[str, Any], references: References) -> list[Key]:
    """The records whose names the name of this `kind` record is made from."""
    return [(references[(kind, column)], str(columns[column])) for column in template_columns(kind)
            if (kind, column) in references and columns.get(column) is not None]


def removed(events: Iterable[AuditRecord]) -> dict[Key, dict[str, Any]]:
    """The columns of the records the events remove, as they were: a removed record is named by them."""
    return {(event.entity, event.entity_id): snapshot for event in events
            if event.action == "delete" and isinstance(snapshot := _decoded(event.old_value), dict)}


def record_name(key: Key, book: NameBook) -> str:
    """A record's name from the book ("HG-2026-0045 line SEL-CD34/SK2609-031"); "#id" when unknown."""
    kind, record_id = key
    columns = book.records.get(key)
    if columns is None or kind not in NAME_TEMPLATES:
        return f"#{record_id}"
    parts = {column: _part(kind, column, columns.get(column), book) for column in template_columns(kind)}
    return NAME_TEMPLATES[kind].format_map(parts).strip()


def display_rows(events: Iterable[AuditRecord], book: NameBook) -> list[AuditRow]:
    """The events as an inspector reads them, in the order given."""
    return [AuditRow(id=event.id, at=event.at, actor=event.actor,
                     actor_name=book.people.get(event.actor, event.actor), action=event.action,
                     kind=event.entity, record=record_name((event.entity, event.entity_id), book),
                     changes=tuple(_changes(event, book)), reason=event.reason)
            for event in events]


def _changes(event: AuditRecord, book: NameBook) -> list[ShownChange]:
    if event.action == "update" and event.field:
        old, new = (_shown(event.entity, event.field, _decoded(value), book)
                    for value in (event.old_value, event.new_value))
        return [ShownChange(_field_name(event.entity, event.field, book), old, new)]
    snapshot = _decoded(event.new_value if event.action == "create" else event.old_value)
    if not isinstance(snapshot, dict):
        return []
    shown = [(_field_name(event.entity, column, book), _shown(event.entity, column, value, book))
             for column, value in sorted(snapshot.items()) if column != "id" and value is not None]
    if event.action == "create":
        return [ShownChange(name, None, value) for name, value in shown]
    return [ShownChange(name, value, None) for name, value in shown]


def _pointers(event: AuditRecord, references: References) -> list[Key]:
    """The records an event's values point at."""
    if event.action == "update" and event.field:
        target = references.get((event.entity, event.field))
        values = [_decoded(event.old_value), _decoded(event.new_value)]
        return [(target, str(value)) for value in values if target and value is not None]
    snapshot = _decoded(event.new_value if event.action == "create" else event.old_value)
    if not isinstance(snapshot, dict):
        return []
    return [(references[(event.entity, column)], str(value)) for column, value in snapshot.items()
            if (event.entity, column) in references and value is not None]


def _target(book: NameBook, kind: str, column: str) -> str | None:
    return book.references.get((kind, column))


def _part(kind: str, column: str, value: Any, book: NameBook) -> str:
    if value is None:
        return ""
    target = _target(book, kind, column)
    return record_name((target, str(value)), book) if target else str(value)


def _field_name(kind: str, column: str, book: NameBook) -> str:
    return column.removesuffix("_id") if _target(book, kind, column) else column


def _shown(kind: str, column: str, value: Any, book: NameBook) -> Value:
    """A value as read: a pointer as the record's name, a time as a moment, a number without noise."""
    if value is None:
        return NOTHING
    target = _target(book, kind, column)
    if target:
        return record_name((target, str(value)), book)
    return plain_value(value)


def plain_value(value: Any) -> Value:
    """A decoded value as read: yes/no, 6 rather than 6.0, an ISO time as a moment in UTC (each reader
    sees it in their zone), other text as it is."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return _moment(value) or value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _moment(text: str) -> datetime | None:
    """The moment an ISO 8601 time with an offset names, in UTC; None for other text."""
    if len(text) < 19 or text[10:11] != "T":
        return None
    try:
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):  # not a time, or one whose UTC falls outside years 1 to 9999
        return None


def utc_text(moment: datetime) -> str:
    """"2026-11-24 05:00 UTC" (seconds only when there are some)."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment.second else f"{moment:%Y-%m-%d %H:%M} UTC"


def _decoded(encoded: str | None) -> Any:
    """A stored value (canonical JSON); text that is not JSON is shown as it is."""
    if encoded is None:
        return None
    try:
        return json.loads(encoded)
    except ValueError:
        return encoded
