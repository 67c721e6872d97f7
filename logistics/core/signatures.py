"""Electronic signatures bound to the record they sign (21 CFR 11.50, 11.70).

A signature carries the signer's name, the time and the meaning (11.50(a)); it is linked to its record
by a digest of the record's content, so it cannot be moved to another record or survive a change to this
one without the mismatch showing (11.70): verification recomputes the record's digest and compares.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum


class Meaning(StrEnum):
    RELEASED = "released"
    PARTIALLY_RELEASED = "partially_released"
    REJECTED = "rejected"


def _canonical(value: object) -> str:
    def plain(item: object) -> object:
        if isinstance(item, datetime) and item.tzinfo is not None:
            return item.astimezone(UTC).isoformat()  # the same instant reads the same after a round trip
        if isinstance(item, datetime | date):
            return item.isoformat()
        raise TypeError(f"cannot sign a {type(item).__name__}")

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=plain)


def record_digest(record_type: str, record_id: int, content: Mapping[str, object]) -> str:
    """SHA-256 of the record's identity and content in a canonical JSON form."""
    payload = _canonical({"type": record_type, "id": record_id, "content": dict(content)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignatureFacts:
    signer: str  # user name
    signer_name: str  # printed name, as 11.50(a)(1) asks
    meaning: Meaning
    signed_at: datetime
    record_digest: str


def signature_digest(facts: SignatureFacts) -> str:
    """SHA-256 over who, when, what it means and the digest of what was signed."""
    payload = _canonical({"signer": facts.signer, "signer_name": facts.signer_name,
                          "meaning": facts.meaning.value, "signed_at": facts.signed_at,
                          "record": facts.record_digest})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def still_binds(facts: SignatureFacts, digest: str, current_record_digest: str) -> bool:
    """True when the stored signature is intact and the record is unchanged since it was signed."""
    return facts.record_digest == current_record_digest and signature_digest(facts) == digest
