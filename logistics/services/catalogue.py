"""Reference records: sites, items, lots and loggers, each validated before it is stored."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.expiry_cut_offs import MAX_CUT_OFF_DAYS, CutOffs
from logistics.core.geofence import fence_problems
from logistics.core.import_papers import hs_code_problem
from logistics.core.limits import MAX_LINE_QUANTITY
from logistics.core.profiles import StorageProfile
from logistics.core.quantities import QuantityRule
from logistics.core.refusals import N_, Refusal
from logistics.core.units import QuantityError, check_unit
from logistics.db.models import Item, Logger, Lot, ReceiptLine, ShipmentLine, Site, utc_now
from logistics.readers.gs1 import BarcodeError, normalise_gtin
from logistics.services import allowances
from logistics.services.errors import InputError, NotFound

SITE_KINDS = ("warehouse", "airport", "customs", "hospital")
ITEM_CATEGORIES = ("reagent", "consumable")
Record = TypeVar("Record", Item, Logger, Site)


def add_site(
    session: Session, *, code: str, name: str, kind: str, country: str, timezone: str,
    latitude: float | None = None, longitude: float | None = None, radius_m: float | None = None,
) -> Site:
    """A site, with its geofence (centre and radius in metres, all three or none: core.geofence)."""
    errors: dict[str, str] = dict(fence_problems(latitude, longitude, radius_m))
    if kind not in SITE_KINDS:
        errors["kind"] = f"must be one of {', '.join(SITE_KINDS)}"
    if len(country) != 2 or not country.isalpha():
        errors["country"] = "use the two-letter ISO 3166 code, e.g. TH"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"{timezone!r} is not an IANA time zone (e.g. Asia/Bangkok)"
    if errors:
        raise InputError(errors)
    site = Site(code=code, name=name, kind=kind, country=country.upper(), timezone=timezone,
                latitude=latitude, longitude=longitude,
                radius_m=None if radius_m is None else float(radius_m))
    session.add(site)
    return site


def add_item(
    session: Session,
    profiles: dict[str, StorageProfile],
    *,
    code: str,
    name: str,
    category: str,
    storage_profile: str,
    unit: str,
    pack_size: float = 1.0,
    shelf_life_days: int | None = None,
    shock_sensitive: bool = False,
    stability_budget_hours: float | None = None,
    stability_limit_c: float | None = None,
    gtin: str | None = None,
    max_quantity: float | None = None,
    hs_code: str | None = None,
    do_not_ship_days: int = 0,
    do_not_count_days: int = 0,
    do_not_dispense_days: int = 0,
) -> Item:
    errors = {}
    if category not in ITEM_CATEGORIES:
        errors["category"] = f"must be one of {', '.join(ITEM_CATEGORIES)}"
    if storage_profile not in profiles:
        errors["storage_profile"] = f"unknown profile; known: {', '.join(sorted(profiles))}"
    try:
        check_unit(unit)
    except QuantityError as error:
        errors["unit"] = str(error)
    if pack_size <= 0:
        errors["pack_size"] = "must be positive"
    gtin = _gtin(session, gtin, errors)
    if max_quantity is not None and (problem := max_quantity_problem(max_quantity)):
        errors["max_quantity"] = problem
    if hs_code is not None and (refusal := hs_code_problem(hs_code.strip())):
        errors["hs_code"] = refusal
    errors.update(cut_off_problems(CutOffs(do_not_ship_days, do_not_count_days, do_not_dispense_days)))
    if errors:
        raise InputError(errors)
    item = Item(
        code=code, name=name, category=category, storage_profile=storage_profile, unit=unit, gtin=gtin,
        pack_size=pack_size, shelf_life_days=shelf_life_days, shock_sensitive=shock_sensitive,
        stability_budget_s=None if stability_budget_hours is None else stability_budget_hours * 3600,
        stability_limit_c=stability_limit_c, max_quantity=max_quantity,
        hs_code=hs_code.strip() if hs_code else None, do_not_ship_days=do_not_ship_days,
        do_not_count_days=do_not_count_days, do_not_dispense_days=do_not_dispense_days,
    )
    session.add(item)
    if item.stability_budget_s is not None and item.stability_limit_c is not None:
        session.flush()  # the allowance's first version names the item
        allowances.record_first_allowance(session, item, by=session.info.get("actor") or "system",
                                          now=utc_now(), reason="item added")
    return item


def _gtin(session: Session, text: str | None, errors: dict[str, str]) -> str | None:
    """The item's GTIN as 14 digits, when it has one that is valid and no other item's."""
    if text is None or not text.strip():
        return None
    try:
        gtin = normalise_gtin(text)
    except BarcodeError:
        errors["gtin"] = f"{text.strip()!r} is not a GTIN (8, 12, 13 or 14 digits ending in its check digit)"
        return None
    holder = session.exec(select(Item.code).where(Item.gtin == gtin)).first()
    if holder is not None:
        errors["gtin"] = f"{gtin} is already the GTIN of {holder}"
    return gtin


def max_quantity_problem(most: float) -> str | None:
    """Why `most` cannot be an item's largest quantity per entry, or None."""
    if not 1 <= most <= MAX_LINE_QUANTITY:
        return f"from 1 to {MAX_LINE_QUANTITY:,.0f}, in the item's unit of issue"
    return None


def set_max_quantity(session: Session, *, item: str, most: float | None) -> Item:
    """The largest quantity of `item` one entry may hold; None: the max_quantity setting's."""
    found = find_item(session, item)
    if found is None:
        raise InputError({"item": Refusal(N_("no item %(item)s"), item=repr(item))})
    if most is not None and (problem := max_quantity_problem(most)):
        raise InputError({"max_quantity": problem})
    found.max_quantity = most
    session.add(found)
    session.flush()
    return found


def cut_off_problems(cut_offs: CutOffs) -> dict[str, Refusal]:
    """The cut-offs out of range, by field (core.expiry_cut_offs decides, a page words it)."""
    refusal = Refusal(N_("between 0 and %(most)s days"), most=f"{MAX_CUT_OFF_DAYS:,}")
    return {problem.partition(":")[0]: refusal for problem in cut_offs.problems()}


def item_cut_offs(item: Item) -> CutOffs:
    """The item's do-not-ship, do-not-count and do-not-dispense days."""
    return CutOffs(item.do_not_ship_days, item.do_not_count_days, item.do_not_dispense_days)


def set_cut_offs(session: Session, *, item: str, cut_offs: CutOffs) -> Item:
    """Set the item's three expiry cut-offs at once (each change is audited with the session's reason)."""
    found = find_item(session, item)
    if found is None:
        raise InputError({"item": Refusal(N_("no item %(item)s"), item=repr(item))})
    if errors := cut_off_problems(cut_offs):
        raise InputError(errors)
    found.do_not_ship_days = cut_offs.do_not_ship_days
    found.do_not_count_days = cut_offs.do_not_count_days
    found.do_not_dispense_days = cut_offs.do_not_dispense_days
    session.add(found)
    session.flush()
    return found


def quantity_rule(item: Item, default_most: float) -> QuantityRule:
    """What one entry of `item` may hold: its own bound, else `default_most` (the max_quantity setting)."""
    return QuantityRule(item=item.code, unit=item.unit, most=item.max_quantity or default_most)


def _by_code(session: Session, model: type[Record], code: str) -> Record:
    found = session.exec(select(model).where(model.code == code)).first()  # type: ignore[attr-defined]
    if found is None:
        raise NotFound(f"no {model.__name__.lower()} {code!r}")
    return found


def get_item(session: Session, code: str) -> Item:
    return _by_code(session, Item, code)


def add_lot(session: Session, *, item_code: str, lot_number: str, expiry: date,
            manufactured: date | None = None) -> Lot:
    item = get_item(session, item_code)
    lot = Lot(item_id=item.id, lot_number=lot_number, expiry=expiry, manufactured=manufactured)
    session.add(lot)
    return lot


def get_lot(session: Session, item_code: str, lot_number: str) -> tuple[Lot, Item]:
    row = session.exec(
        select(Lot, Item).join(Item, Item.id == Lot.item_id)
        .where(Item.code == item_code, Lot.lot_number == lot_number)
    ).first()
    if row is None:
        raise NotFound(f"no lot {lot_number!r} of item {item_code!r}")
    return row[0], row[1]


def get_logger(session: Session, code: str) -> Logger:
    return _by_code(session, Logger, code)


def get_site(session: Session, code: str) -> Site:
    return _by_code(session, Site, code)


def sites(session: Session, *, kind: str | None = None) -> list[Site]:
    """Every site (or every one of `kind`), by code, for the forms' choices."""
    query = select(Site).order_by(col(Site.code))
    return list(session.exec(query if kind is None else query.where(Site.kind == kind)).all())


def site_zones(session: Session) -> dict[str, str]:
    """Each site's IANA time zone by its code: the forms read local times in them."""
    return dict(session.exec(select(Site.code, Site.timezone)).all())


def items(session: Session) -> list[Item]:
    """Every item, by code, for the forms' choices."""
    return list(session.exec(select(Item).order_by(col(Item.code))).all())


def find_item(session: Session, code: str) -> Item | None:
    return session.exec(select(Item).where(Item.code == code)).first()


def shipments_carrying(lot_id: int) -> Any:
    """The ids of the shipments that carried the lot: its shipping lines, unless the pack read at receipt
    booked them under another lot (then they carried that one)."""
    return (select(ShipmentLine.shipment_id)
            .outerjoin(ReceiptLine, ReceiptLine.shipment_line_id == ShipmentLine.id)
            .where(func.coalesce(ReceiptLine.lot_id, ShipmentLine.lot_id) == lot_id))
