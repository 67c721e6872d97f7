"""The import permit register: record and change permits, read them, set an item's HS code.

A shipment names its permit by number (`shipments.import_permit`); the rules of what a permit must be for a
shipment are the core's (`core.import_papers`), applied in `services.import_papers`. Every change to a
permit, the items it covers or an item's HS code is a GxP record in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from logistics.core.import_papers import PermitFacts, hs_code_problem, permit_dates_problems
from logistics.core.refusals import N_, Refusal
from logistics.db.models import ImportPermit, ImportPermitItem, Item, Shipment
from logistics.schemas.permits import (
    PermitCreate,
    PermitFields,
    PermitItemPublic,
    PermitList,
    PermitPublic,
    PermitSummary,
)
from logistics.services.errors import InputError, NotFound


def get_permit(session: Session, number: str) -> ImportPermit:
    permit = find_permit(session, number)
    if permit is None:
        raise NotFound(f"no import permit {number!r}")
    return permit


def find_permit(session: Session, number: str) -> ImportPermit | None:
    return session.exec(select(ImportPermit).where(ImportPermit.number == number)).first()


def list_permits(session: Session, *, today: date) -> PermitList:
    """Every permit, the latest to expire first."""
    permits = session.exec(select(ImportPermit).order_by(col(ImportPermit.expires).desc(),
                                                         col(ImportPermit.number))).all()
    return PermitList(items=[_summary(permit, today) for permit in permits])


def describe_permit(session: Session, number: str, *, today: date) -> PermitPublic:
    """The whole permit: the items it covers (with their HS codes) and the shipments that name it."""
    permit = get_permit(session, number)
    covered = session.exec(select(Item).join(ImportPermitItem, ImportPermitItem.item_id == Item.id)
                           .where(ImportPermitItem.permit_id == permit.id).order_by(col(Item.code))).all()
    shipments = session.exec(select(Shipment.reference).where(Shipment.import_permit == permit.number)
                             .order_by(col(Shipment.reference))).all()
    return PermitPublic(**_summary(permit, today).model_dump(), notes=permit.notes,
                        items=[PermitItemPublic(code=item.code, name=item.name, hs_code=item.hs_code)
                               for item in covered],
                        shipments=list(shipments))


def create_permit(session: Session, draft: PermitCreate) -> ImportPermit:
    """Record a new permit, refused naming the field when its number is taken, its days implausible or an
    item unknown."""
    if find_permit(session, draft.number) is not None:
        raise InputError({"number": Refusal(N_("%(number)s is already in the register"),
                                            number=draft.number)})
    permit = ImportPermit(number=draft.number, holder="", issued=draft.issued, expires=draft.expires,
                          protocol_number="")
    items = _apply(session, permit, draft)
    session.add(permit)
    session.flush()
    _replace_items(session, permit, items)
    return permit


def update_permit(session: Session, number: str, draft: PermitFields) -> ImportPermit:
    """Set every field and covered item of a permit as `draft` has them; the audit trail keeps what
    changed."""
    permit = get_permit(session, number)
    items = _apply(session, permit, draft)
    _replace_items(session, permit, items)
    session.flush()
    return permit


def permit_facts(session: Session, number: str) -> PermitFacts | None:
    """What the rules read of the register's permit `number`, or None when the register has none."""
    permit = find_permit(session, number)
    if permit is None:
        return None
    codes = session.exec(select(Item.code).join(ImportPermitItem, ImportPermitItem.item_id == Item.id)
                         .where(ImportPermitItem.permit_id == permit.id)).all()
    return PermitFacts(number=permit.number, issued=permit.issued, expires=permit.expires,
                       items=frozenset(codes))


def set_hs_code(session: Session, *, item: str, hs_code: str | None) -> Item:
    """The HS code `item` is declared under; None or blank removes it."""
    found = session.exec(select(Item).where(Item.code == item)).first()
    if found is None:
        raise InputError({"item": Refusal(N_("no item %(item)s"), item=repr(item))})
    code = (hs_code or "").strip() or None
    if code is not None and (problem := hs_code_problem(code)):
        raise InputError({"hs_code": problem})
    found.hs_code = code
    session.add(found)
    session.flush()
    return found


def item_codes(session: Session) -> list[tuple[str, str, str | None]]:
    """(code, name, HS code) of every item, for the register's forms."""
    rows = session.exec(select(Item.code, Item.name, Item.hs_code).order_by(col(Item.code))).all()
    return [(code, name, hs_code) for code, name, hs_code in rows]


def load_permits(session: Session, drafts: Iterable[PermitCreate]) -> int:
    """Record each permit of the demo scenario; how many."""
    count = 0
    for draft in drafts:
        create_permit(session, draft)
        count += 1
    return count


def _apply(session: Session, permit: ImportPermit, draft: PermitFields) -> list[int]:
    """Check `draft` (InputError naming each field) and set the permit's fields; the covered items' ids."""
    errors: dict[str, Any] = dict(permit_dates_problems(draft.issued, draft.expires))
    codes = list(dict.fromkeys(code.strip() for code in draft.items if code.strip()))
    found = session.exec(select(Item.code, Item.id).where(col(Item.code).in_(codes))).all() if codes else []
    known = {code: item_id for code, item_id in found if item_id is not None}
    unknown = [code for code in codes if code not in known]
    if unknown:
        errors["items"] = Refusal(N_("no item %(item)s"), item=repr(unknown[0]))
    for field in ("holder", "protocol_number"):
        if not getattr(draft, field).strip():
            errors[field] = Refusal(N_("must not be empty"))
    if errors:
        raise InputError(errors)
    permit.holder, permit.protocol_number = draft.holder.strip(), draft.protocol_number.strip()
    permit.issued, permit.expires = draft.issued, draft.expires
    permit.notes = (draft.notes or "").strip() or None
    return [known[code] for code in codes]


def _replace_items(session: Session, permit: ImportPermit, item_ids: list[int]) -> None:
    """The permit covers exactly `item_ids`: the others' rows deleted, the new ones added."""
    existing = {row.item_id: row for row in session.exec(
        select(ImportPermitItem).where(ImportPermitItem.permit_id == permit.id)).all()}
    for item_id in item_ids:
        if existing.pop(item_id, None) is None:
            session.add(ImportPermitItem(permit_id=permit.id, item_id=item_id))
    for gone in existing.values():
        session.delete(gone)
    session.flush()


def _summary(permit: ImportPermit, today: date) -> PermitSummary:
    return PermitSummary(number=permit.number, holder=permit.holder, issued=permit.issued,
                         expires=permit.expires, protocol_number=permit.protocol_number,
                         valid_today=permit.issued <= today <= permit.expires)
