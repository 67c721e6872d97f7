"""QA's decision on quarantined goods: release, partial release or reject, each signed electronically.

The signer re-enters their password at every signing (21 CFR 11.200(a)(1)); a wrong one is refused and
kept as a `SigningFailure` (audited), and too many lock signing for a while (`logistics.services.signing`).
The signature is bound to a digest of the decided record (11.70).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from logistics.core.profiles import StorageProfile
from logistics.core.signatures import Meaning, SignatureFacts, record_digest, signature_digest, still_binds
from logistics.core.stability import LotStability
from logistics.core.stock import StockStatus, qa_split
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Lot,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Signature,
    StockMovement,
)
from logistics.services.errors import InputError, NotFound
from logistics.services.signing import SignatureRefused, SigningPolicy, check_signer
from logistics.services.stability import stability_of

RECORD_TYPE = "receipt_line"
DEFAULT_POLICY = SigningPolicy()  # the settings' defaults, without alert routes; the pages pass their own
__all__ = ["Decision", "SignatureRefused", "SigningPolicy", "line_decision", "queue", "quarantined_line",
           "sign_decision", "signature_holds", "signed_content"]


@dataclass(frozen=True)
class QuarantinedLine:
    line: ReceiptLine
    receipt: Receipt
    shipment: Shipment
    item: Item
    lot: Lot
    unit: str
    excursions: list[ExcursionRecord]
    stability: LotStability


def queue(session: Session, profiles: dict[str, StorageProfile], *, now: datetime) -> list[QuarantinedLine]:
    """Quarantined lines waiting for QA, oldest receipt first, with what QA needs to decide."""
    rows = session.exec(_lines_query().where(ReceiptLine.qa_status == "pending")
                        .order_by(col(Receipt.received_at), col(ReceiptLine.id))).all()
    return [_described(session, row, profiles, now) for row in rows]


def quarantined_line(session: Session, line_id: int, profiles: dict[str, StorageProfile], *,
                     now: datetime) -> QuarantinedLine:
    row = session.exec(_lines_query().where(ReceiptLine.id == line_id)).first()
    if row is None:
        raise NotFound(f"no receipt line {line_id}")
    return _described(session, row, profiles, now)


@dataclass(frozen=True)
class LineDecision:
    """A quarantined line as QA's page shows it: what QA needs to decide, and the decision once signed."""

    row: QuarantinedLine
    signature: Signature | None
    signature_holds: bool | None  # None while unsigned


def line_decision(session: Session, line_id: int, profiles: dict[str, StorageProfile], *,
                  now: datetime) -> LineDecision:
    row = quarantined_line(session, line_id, profiles, now=now)
    signature = session.get(Signature, row.line.signature_id) if row.line.signature_id else None
    return LineDecision(row, signature, signature_holds(session, signature) if signature else None)


def _lines_query() -> Any:
    return (select(ReceiptLine, Receipt, Shipment, ShipmentLine, Lot, Item)
            .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .join(Shipment, Shipment.id == Receipt.shipment_id)
            .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
            .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id))


def _described(session: Session, row: Any, profiles: dict[str, StorageProfile],
               now: datetime) -> QuarantinedLine:
    line, receipt, shipment, shipment_line, lot, item = row
    excursions = list(session.exec(select(ExcursionRecord).where(
        ExcursionRecord.shipment_id == shipment.id, ExcursionRecord.status != "withdrawn")
        .order_by(col(ExcursionRecord.start))).all())
    return QuarantinedLine(line, receipt, shipment, item, lot, shipment_line.unit, excursions,
                           stability_of(session, lot, profiles, now=now))


@dataclass(frozen=True)
class Decision:
    meaning: Meaning
    released: float | None  # for a partial release: how much is released
    comment: str


def sign_decision(session: Session, line_id: int, decision: Decision, *, signer: str, password: str,
                  now: datetime, policy: SigningPolicy = DEFAULT_POLICY) -> Signature:
    """Decide a quarantined line, sign the decision and move the stock. Raises InputError naming the field
    for a bad decision, and, before anything changes, AttemptsLocked while signing is locked for the
    signer and SignatureRefused for a wrong password (commit then: the refusal is kept)."""
    line = _pending(session, line_id)
    user = check_signer(session, signer, password, policy, record_type=RECORD_TYPE, record_id=line_id,
                        now=now)
    if not decision.comment.strip():
        raise InputError({"comment": "say why (kept with the signature)"})
    try:
        released, rejected = qa_split(line.received, decision.meaning, decision.released)
    except ValueError as error:
        raise InputError({"released": str(error)}) from None
    line.qa_status, line.decided_at = decision.meaning.value, now
    line.released, line.rejected = released, rejected
    facts = SignatureFacts(signer=user.username, signer_name=user.full_name or user.username,
                           meaning=decision.meaning, signed_at=now,
                           record_digest=record_digest(RECORD_TYPE, line_id, signed_content(session, line)))
    signature = Signature(record_type=RECORD_TYPE, record_id=line_id, meaning=facts.meaning.value,
                          signer=facts.signer, signer_name=facts.signer_name, signed_at=now,
                          record_digest=facts.record_digest, digest=signature_digest(facts),
                          comment=decision.comment.strip())
    session.add(signature)
    session.flush()
    line.signature_id = signature.id
    _move_out_of_quarantine(session, line, released, rejected, signature, actor=user.username, now=now)
    session.flush()
    return signature


def _pending(session: Session, line_id: int) -> ReceiptLine:
    line = session.get(ReceiptLine, line_id)
    if line is None:
        raise NotFound(f"no receipt line {line_id}")
    if line.qa_status != "pending":
        state = line.qa_status or "not quarantined"
        raise InputError({"decision": f"this line was decided already ({state})"})
    return line


def signed_content(session: Session, line: ReceiptLine) -> dict[str, object]:
    """What a QA signature on a receipt line covers: the goods, what was found, and what was decided."""
    shipment_line = session.get(ShipmentLine, line.shipment_line_id)
    lot = session.get(Lot, shipment_line.lot_id) if shipment_line else None
    receipt = session.get(Receipt, line.receipt_id)
    shipment = session.get(Shipment, receipt.shipment_id) if receipt else None
    return {
        "shipment": shipment.reference if shipment else None,
        "lot_id": lot.id if lot else None, "lot_number": lot.lot_number if lot else None,
        "unit": shipment_line.unit if shipment_line else None,
        "received": line.received, "damaged": line.damaged, "missing": line.missing,
        "disposition": line.disposition, "reasons": line.reasons, "discrepancies": line.discrepancies,
        "decision": line.qa_status, "released": line.released, "rejected": line.rejected,
        "decided_at": line.decided_at,
    }


def signature_holds(session: Session, signature: Signature) -> bool:
    """True when the signature still binds its record: neither it nor the record changed since."""
    line = session.get(ReceiptLine, signature.record_id) if signature.record_type == RECORD_TYPE else None
    if line is None:
        return False
    facts = SignatureFacts(signer=signature.signer, signer_name=signature.signer_name,
                           meaning=Meaning(signature.meaning), signed_at=signature.signed_at,
                           record_digest=signature.record_digest)
    current = record_digest(RECORD_TYPE, signature.record_id, signed_content(session, line))
    return still_binds(facts, signature.digest, current)


def _move_out_of_quarantine(session: Session, line: ReceiptLine, released: float, rejected: float,
                            signature: Signature, *, actor: str, now: datetime) -> None:
    receipt = session.get(Receipt, line.receipt_id)
    shipment_line = session.get(ShipmentLine, line.shipment_line_id)
    assert receipt is not None and shipment_line is not None
    moves = [(StockStatus.QUARANTINED, -(released + rejected), "release" if released else "reject"),
             (StockStatus.AVAILABLE, released, "release"), (StockStatus.REJECTED, rejected, "reject")]
    for status, quantity, kind in moves:
        if quantity:
            session.add(StockMovement(at=now, site_id=receipt.site_id, lot_id=shipment_line.lot_id,
                                      status=status.value, quantity=quantity, kind=kind,
                                      receipt_line_id=line.id, signature_id=signature.id, actor=actor))
