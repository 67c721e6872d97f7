"""QA's decision on quarantined goods: release, partial release or reject, each signed electronically.

The signer re-enters their password at every signing (21 CFR 11.200(a)(1)); a wrong one is refused and
kept as a `SigningFailure` (audited), and too many lock signing for a while (`logistics.services.signing`).
The signature is bound to a digest of the decided record (11.70): the line and its decision, the lot the
stock is booked under, QA's assessments of the lot's excursions and those excursions as they stood.
Evidence that changes afterwards (`services.evidence`) reopens the line: the old signature no longer
holds, the page says why, and a new signed decision supersedes it (the audit trail keeps both).

A release needs every excursion of every shipment the lot travelled in, and of the storage zones that held
its goods, ended and assessed with no impact (`services.assessments`), and a lot read on the pack that
differs from the shipping record accepted as a lot of the item: the stock is then booked under the lot
read. Rejecting is always possible. What is decided is what waits for this line in the ledger: in
quarantine, or on hold after evidence changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.excursion_assessment import Blocker
from logistics.core.profiles import StorageProfile
from logistics.core.quantities import QuantityRule, read_quantity
from logistics.core.refusals import N_, Refusal, Term
from logistics.core.signatures import Meaning, SignatureFacts, record_digest, signature_digest, still_binds
from logistics.core.stability import LotStability
from logistics.core.stock import StockStatus, qa_split
from logistics.core.units import QuantityError
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
from logistics.services.assessments import (
    EvidenceRow,
    blockers,
    current_assessments,
    evidence_lot,
    evidence_rows,
    line_blockers,
    lot_evidence,
    shipped_lot,
)
from logistics.services.errors import InputError, NotFound
from logistics.services.release_time import ReleaseTimes, release_times
from logistics.services.signing import SignatureRefused, SigningPolicy, check_signer
from logistics.services.stability import stability_of

RECORD_TYPE = "receipt_line"
DEFAULT_POLICY = SigningPolicy()  # the settings' defaults, without alert routes; the pages pass their own
WAITING = (StockStatus.QUARANTINED, StockStatus.ON_HOLD)  # stock a decision on the line moves
__all__ = ["Decision", "DecisionSummary", "SignatureRefused", "SigningPolicy", "line_decision", "queue",
           "queue_page", "quarantined_line", "review_decision", "sign_decision", "signature_holds",
           "signed_content"]


@dataclass(frozen=True)
class QuarantinedLine:
    line: ReceiptLine
    receipt: Receipt
    shipment: Shipment
    item: Item
    lot: Lot  # as shipped
    unit: str
    excursions: list[ExcursionRecord]  # of every shipment the lot travelled in, up to this one
    stability: LotStability  # of the lot booked, once QA accepted the one read on the pack
    booked_lot: Lot | None  # the lot read on the pack, once QA accepted it
    waiting: float  # in quarantine or on hold for this line's decision
    evidence_changed: bool  # reopened since its last signed decision

    @property
    def lot_read(self) -> str:
        return self.line.lot_number_seen

    @property
    def lot_differs(self) -> bool:
        """The lot read on the pack is not the shipped one, and QA has not accepted it yet."""
        return self.booked_lot is None and self.line.lot_number_seen.strip() != self.lot.lot_number


def queue(session: Session, profiles: dict[str, StorageProfile], *, now: datetime) -> list[QuarantinedLine]:
    """Lines waiting for QA (quarantined, or reopened by changed evidence), oldest receipt first."""
    rows = session.exec(_lines_query().where(ReceiptLine.qa_status == "pending")
                        .order_by(col(Receipt.received_at), col(ReceiptLine.id))).all()
    return [_described(session, row, profiles, now) for row in rows]


@dataclass(frozen=True)
class QueuePage:
    rows: list[QuarantinedLine]
    release_times: ReleaseTimes  # arrival → signed decision, per receipt and per month


def queue_page(session: Session, profiles: dict[str, StorageProfile], *, now: datetime) -> QueuePage:
    """QA's queue and how long releases take."""
    return QueuePage(queue(session, profiles, now=now), release_times(session))


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
    signature: Signature | None  # the latest
    signature_holds: bool | None  # None while unsigned
    evidence: list[EvidenceRow]  # each excursion with its assessment for this lot
    blockers: list[tuple[Blocker, str]]  # why it cannot be released now
    earlier: list[Signature]  # decisions superseded after evidence changed, oldest first

    @property
    def blocked(self) -> dict[str, int]:
        """How many excursions block a release, by why."""
        counts: dict[str, int] = {}
        for kind, _label in self.blockers:
            counts[kind.value] = counts.get(kind.value, 0) + 1
        return counts


def line_decision(session: Session, line_id: int, profiles: dict[str, StorageProfile], *,
                  now: datetime) -> LineDecision:
    row = quarantined_line(session, line_id, profiles, now=now)
    signatures = list(session.exec(select(Signature).where(
        Signature.record_type == RECORD_TYPE, Signature.record_id == line_id)
        .order_by(col(Signature.id))).all())
    signature = session.get(Signature, row.line.signature_id) if row.line.signature_id else None
    evidence = evidence_rows(session, row.lot, row.shipment.id or 0, row.stability)
    earlier = [other for other in signatures if other.id != row.line.signature_id]
    return LineDecision(row, signature, signature_holds(session, signature) if signature else None, evidence,
                        blockers(evidence), earlier)


def _lines_query() -> Any:
    return (select(ReceiptLine, Receipt, Shipment, ShipmentLine, Lot, Item)
            .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .join(Shipment, Shipment.id == Receipt.shipment_id)
            .join(ShipmentLine, ShipmentLine.id == ReceiptLine.shipment_line_id)
            .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id))


def _described(session: Session, row: Any, profiles: dict[str, StorageProfile],
               now: datetime) -> QuarantinedLine:
    line, receipt, shipment, shipment_line, lot, item = row
    excursions = [record for record, _, _ in lot_evidence(session, lot.id, shipment.id)]
    signature = session.get(Signature, line.signature_id) if line.signature_id else None
    reopened = line.qa_status == "pending" and line.evidence_changed_at is not None and (
        signature is None or line.evidence_changed_at >= signature.signed_at)
    return QuarantinedLine(line, receipt, shipment, item, lot, shipment_line.unit, excursions,
                           stability_of(session, evidence_lot(session, line, lot), profiles, now=now),
                           session.get(Lot, line.lot_id) if line.lot_id else None,
                           waiting_for(session, line.id), reopened)


def waiting_for(session: Session, line_id: int) -> float:
    """What waits for the line's decision in the ledger: in quarantine or on hold."""
    return sum(_waiting_stock(session, line_id).values())


def _waiting_stock(session: Session, line_id: int) -> dict[tuple[int, StockStatus], float]:
    """(lot, status) → quantity waiting for the line's decision."""
    rows = session.exec(
        select(StockMovement.lot_id, StockMovement.status, func.sum(StockMovement.quantity))
        .where(StockMovement.receipt_line_id == line_id,
               col(StockMovement.status).in_([status.value for status in WAITING]))
        .group_by(col(StockMovement.lot_id), col(StockMovement.status))).all()
    return {(lot_id, StockStatus(status)): float(total) for lot_id, status, total in rows if total > 1e-9}


@dataclass(frozen=True)
class Decision:
    meaning: Meaning
    released: str | None  # for a partial release: how much, with its unit ("4 kit") or in the line's unit
    comment: str
    accept_lot_read: bool = False  # book the stock under the lot read on the pack
    lot_expiry: date | None = None  # of the lot read when it is new (default: the expiry read on the pack)


@dataclass(frozen=True)
class DecisionSummary:
    """What signing will do, stated before the signer signs."""

    meaning: Meaning
    waiting: float
    released: float
    rejected: float  # a partial release rejects the remainder, explicitly
    unit: str
    lot_number: str  # booked under
    expiry: date
    new_lot: bool  # the lot read on the pack, entered into the catalogue as a lot of the item
    comment: str


def review_decision(session: Session, line_id: int, decision: Decision) -> DecisionSummary:
    """Check a decision without signing it: what it releases and rejects, and under which lot. InputError
    names each field that is wrong (nothing changes)."""
    line = _pending(session, line_id)
    shipped, shipment_id = shipped_lot(session, line)
    item, unit = session.get(Item, shipped.item_id), _unit(session, line)
    assert item is not None and shipped.id is not None
    errors: dict[str, str] = {}
    if not decision.comment.strip():
        errors["comment"] = "say why (kept with the signature)"
    waiting = waiting_for(session, line_id)
    # What waits bounds a release (qa_split says so); the rule adds that counted units come whole.
    released, rejected = _split(waiting, decision, QuantityRule(item.code, unit, most=math.inf), errors)
    lot_number, expiry, new_lot = _lot_to_book(session, line, shipped, item, decision, errors)
    if decision.meaning != Meaning.REJECTED:
        if stopped := line_blockers(session, shipped.id, shipment_id):
            errors["decision"] = "cannot release: " + "; ".join(f"{label}: {_BLOCKED[kind]}"
                                                              for kind, label in stopped)
    if errors:
        raise InputError(errors)
    return DecisionSummary(decision.meaning, waiting, released, rejected, unit, lot_number, expiry, new_lot,
                           decision.comment.strip())


_BLOCKED = {Blocker.RUNNING: "still running", Blocker.UNASSESSED: "not assessed for this lot",
            Blocker.IMPACT: "assessed with an impact on the product (reject)"}


def _split(waiting: float, decision: Decision, rule: QuantityRule, errors: dict[str, str]
           ) -> tuple[float, float]:
    released = None
    if decision.meaning == Meaning.PARTIALLY_RELEASED:
        try:
            released = read_quantity(decision.released or "", rule)
        except QuantityError as error:
            errors["released"] = error.refusal
            return 0.0, 0.0
    try:
        return qa_split(waiting, decision.meaning, released)
    except ValueError as error:
        errors["released"] = f"{error} {rule.unit}"
        return 0.0, 0.0


def _lot_to_book(session: Session, line: ReceiptLine, shipped: Lot, item: Item, decision: Decision,
                 errors: dict[str, str]) -> tuple[str, date, bool]:
    """(lot number, expiry, whether it is new) of the lot the stock will be booked under."""
    if line.lot_id is not None:  # accepted by an earlier decision
        booked = session.get(Lot, line.lot_id)
        assert booked is not None
        return booked.lot_number, booked.expiry, False
    read = line.lot_number_seen.strip()
    if read == shipped.lot_number or not decision.accept_lot_read:
        if read != shipped.lot_number and decision.meaning != Meaning.REJECTED:
            errors["lot"] = (f"the lot read on the pack ({read}) is not the shipped lot "
                             f"({shipped.lot_number}): accept it as a lot of {item.code}, or reject")
        return shipped.lot_number, shipped.expiry, False
    known = session.exec(select(Lot).where(Lot.item_id == item.id, Lot.lot_number == read)).first()
    if known is not None:
        if decision.lot_expiry is not None and decision.lot_expiry != known.expiry:
            errors["lot_expiry"] = f"lot {read} of {item.code} is recorded with expiry {known.expiry}"
        return read, known.expiry, False
    expiry = decision.lot_expiry or line.expiry_seen
    if expiry is None:
        errors["lot_expiry"] = f"enter the expiry printed on the pack of lot {read}"
        return read, shipped.expiry, True
    return read, expiry, True


def sign_decision(session: Session, line_id: int, decision: Decision, *, signer: str, password: str,
                  now: datetime, policy: SigningPolicy = DEFAULT_POLICY) -> Signature:
    """Decide a line waiting for QA, sign the decision and move the stock. Raises InputError naming the
    field for a bad decision, and, before anything changes, AttemptsLocked while signing is locked for the
    signer and SignatureRefused for a wrong password (commit then: the refusal is kept)."""
    summary = review_decision(session, line_id, decision)
    line = _pending(session, line_id)
    user = check_signer(session, signer, password, policy, record_type=RECORD_TYPE, record_id=line_id,
                        now=now)
    booked = _book(session, line, summary)
    line.qa_status, line.decided_at = decision.meaning.value, now
    line.released, line.rejected = summary.released, summary.rejected
    facts = SignatureFacts(signer=user.username, signer_name=user.full_name or user.username,
                           meaning=decision.meaning, signed_at=now,
                           record_digest=record_digest(RECORD_TYPE, line_id,
                                                       signed_content(session, line, as_of=now)))
    signature = Signature(record_type=RECORD_TYPE, record_id=line_id, meaning=facts.meaning.value,
                          signer=facts.signer, signer_name=facts.signer_name, signed_at=now,
                          record_digest=facts.record_digest, digest=signature_digest(facts),
                          comment=summary.comment)
    session.add(signature)
    session.flush()
    line.signature_id = signature.id
    _move(session, line, booked, summary, signature, actor=user.username, now=now)
    session.flush()
    return signature


def _pending(session: Session, line_id: int) -> ReceiptLine:
    line = session.get(ReceiptLine, line_id)
    if line is None:
        raise NotFound(f"no receipt line {line_id}")
    if line.qa_status != "pending":
        state = line.qa_status or "not_quarantined"
        refusal = Refusal(N_("this line was decided already (%(state)s)"), state=Term(state))
        raise InputError({"decision": refusal})
    return line


def _unit(session: Session, line: ReceiptLine) -> str:
    shipment_line = session.get(ShipmentLine, line.shipment_line_id)
    return shipment_line.unit if shipment_line else ""


def _book(session: Session, line: ReceiptLine, summary: DecisionSummary) -> int:
    """The id of the lot the stock goes under; the lot read on the pack is entered when it is new, and
    kept on the line when it is not the shipped one."""
    shipped, _ = shipped_lot(session, line)
    if summary.lot_number == shipped.lot_number:
        assert shipped.id is not None
        return shipped.id
    lot = session.exec(select(Lot).where(Lot.item_id == shipped.item_id,
                                         Lot.lot_number == summary.lot_number)).first()
    if lot is None:
        lot = Lot(item_id=shipped.item_id, lot_number=summary.lot_number, expiry=summary.expiry)
        session.add(lot)
        session.flush()
    assert lot.id is not None
    line.lot_id = lot.id
    return lot.id


def _move(session: Session, line: ReceiptLine, booked: int, summary: DecisionSummary, signature: Signature,
          *, actor: str, now: datetime) -> None:
    """Out of quarantine and hold (first onto the lot booked, if the stock waits under another), into
    available and rejected."""
    receipt = session.get(Receipt, line.receipt_id)
    assert receipt is not None

    def move(lot_id: int, status: StockStatus, quantity: float, kind: str) -> None:
        session.add(StockMovement(at=now, site_id=receipt.site_id, lot_id=lot_id, status=status.value,
                                  quantity=quantity, kind=kind, receipt_line_id=line.id,
                                  signature_id=signature.id, actor=actor))

    leaving = "release" if summary.released else "reject"
    for (lot_id, status), quantity in _waiting_stock(session, line.id or 0).items():
        if lot_id != booked:
            move(lot_id, status, -quantity, "relot")
            move(booked, status, quantity, "relot")
        move(booked, status, -quantity, leaving)
    for status, quantity, kind in ((StockStatus.AVAILABLE, summary.released, "release"),
                                   (StockStatus.REJECTED, summary.rejected, "reject")):
        if quantity:
            move(booked, status, quantity, kind)


def signed_content(session: Session, line: ReceiptLine, *, as_of: datetime) -> dict[str, object]:
    """What a QA signature made at `as_of` on a receipt line covers: the goods, what was found, what was
    decided, the lot booked, and the lot's excursions with QA's assessments of them as they stood."""
    shipped, shipment_id = shipped_lot(session, line)
    booked = session.get(Lot, line.lot_id) if line.lot_id else shipped
    assert shipped.id is not None and booked is not None
    found = lot_evidence(session, shipped.id, shipment_id)
    assessed = current_assessments(session, shipped.id, [record for record, _, _ in found], as_of=as_of)
    return {
        **_first_content(session, line), "content": 2,
        "lot_read": line.lot_number_seen, "expiry_read": line.expiry_seen,
        "lot_booked": {"id": booked.id, "lot_number": booked.lot_number, "expiry": booked.expiry},
        "evidence": [{"id": record.id, _where(record): place, "logger": code, "rule": record.rule,
                      "start": record.start, "end": record.end, "duration_s": record.duration_s,
                      "peak": record.peak, "severity": record.severity} for record, code, place in found],
        "assessments": [{"excursion_id": a.excursion_id, "root_cause": a.root_cause, "leg_id": a.leg_id,
                         "comment": a.comment, "outcome": a.outcome, "used_s": a.used_s,
                         "budget_s": a.budget_s, "limit_c": a.limit_c, "assessed_by": a.assessed_by,
                         "assessed_at": a.assessed_at} for _, a in sorted(assessed.items())],
    }


def _where(record: ExcursionRecord) -> str:
    """How the signed content names an excursion's place: a shipment, or a storage zone at its site."""
    return "shipment" if record.shipment_id is not None else "storage"


def _first_content(session: Session, line: ReceiptLine) -> dict[str, object]:
    """What signatures covered before assessments and the lot booked were signed with the decision; those
    signatures are checked against it."""
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
    """True when the signature still binds its record: neither it nor the record (nor the evidence it was
    signed on) changed since."""
    line = session.get(ReceiptLine, signature.record_id) if signature.record_type == RECORD_TYPE else None
    if line is None:
        return False
    facts = SignatureFacts(signer=signature.signer, signer_name=signature.signer_name,
                           meaning=Meaning(signature.meaning), signed_at=signature.signed_at,
                           record_digest=signature.record_digest)
    contents = (signed_content(session, line, as_of=signature.signed_at), _first_content(session, line))
    return any(still_binds(facts, signature.digest, record_digest(RECORD_TYPE, signature.record_id, content))
               for content in contents)
