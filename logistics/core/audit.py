"""The audit trail's hash chain: each event commits to its content and to the event before it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    """One audit event as stored: what changed, who changed it, and the chain links."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the stored chain and its recomputation disagree."""

    event_id: int
    problem: str


def encode_value(value: Any) -> str | None:
    """A field value as canonical JSON text, so that its hash never depends on the database."""
    if value is None:
        return None
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def event_hash(
    *,
    id: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    field: str | None,
    old_value: str | None,
    new_value: str | None,
    reason: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 over the event's content and the previous event's hash."""
    content = [id, at.isoformat(), actor, action, entity, entity_id, field,
               old_value, new_value, reason, prev_hash]
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def first_break(records: Iterable[AuditRecord]) -> ChainBreak | None:
    """Walk the chain in id order; return the first edited, removed or reordered event, if any."""
    expected_prev, expected_id = GENESIS_HASH, None
    for record in records:
        if expected_id is not None and record.id != expected_id:
            return ChainBreak(record.id, f"event(s) {expected_id}..{record.id - 1} are missing")
        if record.prev_hash != expected_prev:
            return ChainBreak(record.id, "does not link to the event before it (removed or edited)")
        recomputed = event_hash(
            id=record.id, at=record.at, actor=record.actor, action=record.action,
            entity=record.entity, entity_id=record.entity_id, field=record.field,
            old_value=record.old_value, new_value=record.new_value, reason=record.reason,
            prev_hash=record.prev_hash,
        )
        if recomputed != record.hash:
            return ChainBreak(record.id, "content does not match its hash (edited)")
        expected_prev, expected_id = record.hash, record.id + 1
    return None
