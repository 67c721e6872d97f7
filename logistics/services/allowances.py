"""Items' stability allowances as versioned records ("72 h at ≤ 25 °C", weighed with ΔH).

Every version is kept in item_allowance_versions; the item's own columns (stability_budget_s,
stability_limit_c, activation_energy_kj) hold the current one, so whatever reads an item reads its
allowance as it stands. Both change together, here and only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from logistics.core.allowances import AllowanceError, ItemAllowance, checked_allowance
from logistics.core.refusals import N_, Refusal
from logistics.core.version_changes import Change, allowance_changes
from logistics.db.models import Item, ItemAllowanceVersion
from logistics.services.errors import InputError, NotFound
from logistics.services.profiles import check_reason

FIRST_REASON = "allowance as recorded on the item"


def current_allowance(session: Session, item_id: int) -> ItemAllowance | None:
    """The item's allowance as it stands (its newest version); None when it has none."""
    row = session.exec(select(ItemAllowanceVersion).where(ItemAllowanceVersion.item_id == item_id)
                       .order_by(col(ItemAllowanceVersion.version).desc())).first()
    return None if row is None else allowance_of(row)


def allowance_of(row: ItemAllowanceVersion) -> ItemAllowance:
    return ItemAllowance(version=row.version, budget_s=row.budget_s, limit_c=row.limit_c,
                         activation_energy_kj=row.activation_energy_kj)


def record_first_allowance(session: Session, item: Item, *, by: str, now: datetime,
                           reason: str = FIRST_REASON) -> ItemAllowance | None:
    """Version 1 from what the item carries (a new item, or one from before versions were kept)."""
    if item.stability_budget_s is None or item.stability_limit_c is None:
        return None
    assert item.id is not None
    session.add(ItemAllowanceVersion(item_id=item.id, version=1, budget_s=item.stability_budget_s,
                                     limit_c=item.stability_limit_c,
                                     activation_energy_kj=item.activation_energy_kj,
                                     created_by=by, created_at=now, reason=reason))
    session.flush()
    return current_allowance(session, item.id)


def seed_allowances(session: Session, *, by: str, now: datetime) -> int:
    """Version 1 for every item that carries an allowance but has no version of it yet."""
    versioned = select(ItemAllowanceVersion.item_id)
    unversioned = session.exec(select(Item).where(col(Item.stability_budget_s).is_not(None),
                                                  col(Item.stability_limit_c).is_not(None),
                                                  col(Item.id).not_in(versioned))).all()
    for item in unversioned:
        record_first_allowance(session, item, by=by, now=now)
    return len(unversioned)


def add_allowance_version(session: Session, item_code: str, *, budget_hours: float, limit_c: float,
                          activation_energy_kj: float, by: str, reason: str, now: datetime) -> ItemAllowance:
    """Record the item's next allowance and make it the item's current one; InputError names the field."""
    check_reason(reason)
    item = session.exec(select(Item).where(Item.code == item_code)).first()
    if item is None:
        raise NotFound(f"no item {item_code!r}")
    assert item.id is not None
    before = current_allowance(session, item.id) or record_first_allowance(session, item, by=by, now=now)
    try:
        allowance = checked_allowance(version=before.version + 1 if before else 1, budget_hours=budget_hours,
                                      limit_c=limit_c, activation_energy_kj=activation_energy_kj)
    except AllowanceError as error:
        raise InputError({error.field: error.problem}) from None
    if before is not None and not allowance_changes(before, allowance):
        refusal = Refusal(N_("nothing differs from version %(version)s"), version=before.version)
        raise InputError({"allowance": refusal})
    session.add(ItemAllowanceVersion(item_id=item.id, version=allowance.version, budget_s=allowance.budget_s,
                                     limit_c=allowance.limit_c,
                                     activation_energy_kj=allowance.activation_energy_kj,
                                     created_by=by, created_at=now, reason=reason.strip()))
    item.stability_budget_s, item.stability_limit_c = allowance.budget_s, allowance.limit_c
    item.activation_energy_kj = allowance.activation_energy_kj
    session.flush()
    return allowance


# -- the page's view -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AllowanceVersionView:
    allowance: ItemAllowance
    created_by: str
    created_at: datetime
    reason: str
    changes: tuple[Change, ...]  # against the version before it

    @property
    def version(self) -> int:
        return self.allowance.version


@dataclass(frozen=True)
class ItemAllowances:
    code: str
    name: str
    storage_profile: str
    versions: tuple[AllowanceVersionView, ...]  # newest first; none for an item without an allowance

    @property
    def current(self) -> ItemAllowance | None:
        return self.versions[0].allowance if self.versions else None


def allowance_histories(session: Session) -> list[ItemAllowances]:
    """Every item, by code, with the versions of its allowance and what each changed."""
    items = session.exec(select(Item).order_by(col(Item.code))).all()
    rows = session.exec(select(ItemAllowanceVersion).order_by(col(ItemAllowanceVersion.item_id),
                                                              col(ItemAllowanceVersion.version))).all()
    by_item: dict[int, list[AllowanceVersionView]] = {}
    for row in rows:
        versions = by_item.setdefault(row.item_id, [])
        allowance = allowance_of(row)
        before = versions[-1].allowance if versions else None
        versions.append(AllowanceVersionView(allowance, row.created_by, row.created_at, row.reason,
                                             allowance_changes(before, allowance)))
    return [ItemAllowances(item.code, item.name, item.storage_profile,
                           tuple(reversed(by_item.get(item.id or 0, []))))
            for item in items]
