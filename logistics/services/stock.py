"""Stock at the hospital's sites, kept as a ledger of movements: balances by lot and status, consumption
first-expiry-first-out against a manufacturing run or a patient code, and expiry warnings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.expiry_cut_offs import NO_CUT_OFFS, CutOffs, Exclusion, exclusion, last_usable_day
from logistics.core.quantities import DEFAULT_MAX_QUANTITY, read_quantity
from logistics.core.refusals import N_, Refusal
from logistics.core.stock import Holding, InsufficientStock, StockStatus, expiring, pick_fefo
from logistics.core.units import QuantityError
from logistics.db.models import Item, Lot, Site, StockMovement
from logistics.services.catalogue import items, quantity_rule, sites
from logistics.services.errors import InputError
from logistics.services.paging import one_page

# A manufacturing run or a pseudonymous patient code ("TDT-017"); never a name, so no spaces or
# lower-case words: upper-case letters, digits and dashes.
USE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")
USES = ("run", "patient")


@dataclass(frozen=True)
class Balance:
    holding: Holding
    site: str
    item_name: str
    unit: str
    cut_offs: CutOffs = NO_CUT_OFFS  # the item's


@dataclass(frozen=True)
class ForecastCount:
    """Whether the reorder forecast counts an available lot as usable stock, why not, and the last day it
    may be dispensed (only when the item has do-not-dispense days)."""

    counted: bool
    not_counted_because: Exclusion | None
    last_usable_day: date | None


def forecast_count(balance: Balance, today: date) -> ForecastCount | None:
    """How the forecast treats available stock on `today` (core.expiry_cut_offs); None for other stock."""
    holding = balance.holding
    if holding.status != StockStatus.AVAILABLE:
        return None
    cut_offs = balance.cut_offs
    why = exclusion(holding.expiry, today, cut_offs)
    return ForecastCount(why is None, why,
                         last_usable_day(holding.expiry, cut_offs) if cut_offs.do_not_dispense_days else None)


def balances(session: Session, *, site: str | None = None, item: str | None = None) -> list[Balance]:
    """What each site holds of each lot in each status (nothing shown for what nets to zero)."""
    cut_offs = (Item.do_not_ship_days, Item.do_not_count_days, Item.do_not_dispense_days)
    query = (select(Site.code, Item.code, Item.name, Item.unit, Lot.id, Lot.lot_number, Lot.expiry,
                    StockMovement.status, func.sum(StockMovement.quantity), *cut_offs)
             .join(Site, Site.id == StockMovement.site_id).join(Lot, Lot.id == StockMovement.lot_id)
             .join(Item, Item.id == Lot.item_id)
             .group_by(Site.code, Item.code, Item.name, Item.unit, Lot.id, Lot.lot_number, Lot.expiry,
                       StockMovement.status, *cut_offs)
             .order_by(Item.code, Lot.expiry, Lot.lot_number))
    if site:
        query = query.where(Site.code == site)
    if item:
        query = query.where(Item.code == item)
    return [Balance(Holding(lot_id, item_code, lot_number, expiry, StockStatus(status), float(total)),
                    site_code, item_name, unit, CutOffs(*days))
            for site_code, item_code, item_name, unit, lot_id, lot_number, expiry, status, total, *days
            in session.exec(query).all() if total and abs(total) > 1e-9]


def expiry_warnings(session: Session, *, today: date, within_days: int) -> list[Balance]:
    """Available stock expiring within `within_days` (or expired already), soonest first."""
    found = {id(balance.holding): balance for balance in balances(session)}
    soon = expiring([balance.holding for balance in found.values()], today, within_days)
    return [found[id(holding)] for holding in soon]


@dataclass(frozen=True)
class Use:
    """What the stock is taken for: a manufacturing run or a patient's pseudonymous code."""

    kind: str
    code: str

    def label(self) -> str:
        return f"{self.kind}:{self.code}"


def read_use(kind: str, code: str) -> Use:
    code = code.strip()
    if kind not in USES:
        raise InputError({"use": Refusal(N_("choose %(choices)s"), choices=" / ".join(USES))})
    if not USE_CODE.match(code):
        refusal = Refusal(N_("upper-case letters, digits and dashes (a run number or a patient's code from "
                             "the trial, never a name)"))
        raise InputError({"code": refusal})
    return Use(kind, code)


def consume(session: Session, *, site: str, item: str, quantity: str, use: Use, by: str, now: datetime,
            note: str | None = None, default_most: float = DEFAULT_MAX_QUANTITY) -> list[StockMovement]:
    """Take `quantity` ("2 kit", "500 mL") of an item out of available stock, first expiry first out;
    `default_most` bounds it for an item that sets no bound of its own (the max_quantity setting)."""
    found = session.exec(select(Item).where(Item.code == item)).first()
    if found is None:
        raise InputError({"item": Refusal(N_("no item %(item)s"), item=repr(item))})
    try:
        amount = read_quantity(quantity, quantity_rule(found, default_most))
    except QuantityError as error:
        raise InputError({"quantity": error.refusal}) from None
    site_row = session.exec(select(Site).where(Site.code == site)).first()
    if site_row is None:
        raise InputError({"site": Refusal(N_("no site %(site)s"), site=repr(site))})
    held = [b.holding for b in balances(session, site=site, item=item)]
    try:
        picks = pick_fefo(held, amount, now.date())
    except (InsufficientStock, ValueError) as error:
        raise InputError({"quantity": str(error)}) from None
    movements = [StockMovement(at=now, site_id=site_row.id, lot_id=holding.lot_id,
                               status=StockStatus.AVAILABLE, quantity=-taken, kind="consume",
                               used_for=use.label(), actor=by, note=(note or "").strip() or None)
                 for holding, taken in picks]
    session.add_all(movements)
    session.flush()
    return movements


def open_balance(session: Session, *, site: str, lot: str, quantity: str, by: str, now: datetime,
                 default_most: float = DEFAULT_MAX_QUANTITY) -> StockMovement:
    """Stock held before the tracker was used ("ITEM/LOT", "3 set"), taken in as available."""
    item_code, _, lot_number = lot.partition("/")
    row = session.exec(select(Lot, Item).join(Item, Item.id == Lot.item_id)
                       .where(Item.code == item_code, Lot.lot_number == lot_number)).first()
    if row is None:
        raise InputError({"lot": Refusal(N_("no lot %(lot)s (write ITEM/LOT)"), lot=repr(lot))})
    site_row = session.exec(select(Site).where(Site.code == site)).first()
    if site_row is None:
        raise InputError({"site": Refusal(N_("no site %(site)s"), site=repr(site))})
    try:
        amount = read_quantity(quantity, quantity_rule(row[1], default_most))
    except QuantityError as error:
        raise InputError({"quantity": error.refusal}) from None
    movement = StockMovement(at=now, site_id=site_row.id, lot_id=row[0].id, status=StockStatus.AVAILABLE,
                             quantity=amount, kind="opening", actor=by, note="opening balance")
    session.add(movement)
    session.flush()
    return movement


@dataclass(frozen=True)
class LedgerRow:
    movement: StockMovement
    site: str
    item: str
    lot: str
    unit: str


def ledger(session: Session, *, item: str | None = None, lot: str | None = None, page: int = 1,
           per_page: int = 50) -> tuple[list[LedgerRow], int]:
    """Stock movements, newest first, and how many there are in all."""
    rows, total = one_page(session, _ledger_query(item, lot), page=page, per_page=per_page)
    return [LedgerRow(*row) for row in rows], total


def whole_ledger(session: Session, *, item: str | None = None, lot: str | None = None) -> list[LedgerRow]:
    return [LedgerRow(*row) for row in session.exec(_ledger_query(item, lot)).all()]


def ledger_rows(session: Session, movements: Sequence[StockMovement]) -> list[LedgerRow]:
    """The ledger's rows of these movements (what a consumption just took), in their order."""
    query = _ledger_query(None, None).where(col(StockMovement.id).in_([move.id for move in movements]))
    found = {row.movement.id: row for row in (LedgerRow(*row) for row in session.exec(query).all())}
    return [found[move.id] for move in movements]


def _ledger_query(item: str | None, lot: str | None) -> Any:
    query = (select(StockMovement, Site.code, Item.code, Lot.lot_number, Item.unit)
             .join(Site, Site.id == StockMovement.site_id).join(Lot, Lot.id == StockMovement.lot_id)
             .join(Item, Item.id == Lot.item_id)
             .order_by(col(StockMovement.at).desc(), col(StockMovement.id).desc()))
    if item:
        query = query.where(Item.code == item)
    if lot:
        query = query.where(Lot.lot_number == lot)
    return query


LEDGER_COLUMNS = ("at", "site", "item", "lot", "status", "quantity", "unit", "kind", "used_for", "actor",
                  "note")


def rows_as_dicts(rows: Sequence[LedgerRow]) -> list[dict[str, object]]:
    """The ledger as flat records for CSV and the API (times in UTC)."""
    return [{"at": row.movement.at.isoformat(), "site": row.site, "item": row.item, "lot": row.lot,
             "status": row.movement.status, "quantity": row.movement.quantity, "unit": row.unit,
             "kind": row.movement.kind, "used_for": row.movement.used_for or "", "actor": row.movement.actor,
             "note": row.movement.note or ""} for row in rows]


@dataclass(frozen=True)
class StockOverview:
    """The stock page: balances as chosen, what expires soon, and the consumption form's choices."""

    balances: list[Balance]
    warnings: list[Balance]
    items: list[Item]
    sites: list[Site]  # the hospital's, where stock is kept


def overview(session: Session, *, site: str | None, item: str | None, today: date,
             within_days: int) -> StockOverview:
    return StockOverview(balances(session, site=site, item=item),
                         expiry_warnings(session, today=today, within_days=within_days),
                         items(session), sites(session, kind="hospital"))
