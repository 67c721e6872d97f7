"""Sites, items of the catalogue and their lots."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from logistics.core.geofence import MAX_RADIUS_M, MIN_RADIUS_M
from logistics.core.profiles import DEFAULT_ACTIVATION_ENERGY_KJ
from logistics.db.models.base import Audited

FENCE_WHOLE = "(latitude IS NULL) = (longitude IS NULL) AND (latitude IS NULL) = (radius_m IS NULL)"


class Site(Audited, SQLModel, table=True):
    __tablename__ = "sites"
    # The geofence (core.geofence): all three or none, each within its plausible range.
    __table_args__ = (
        CheckConstraint(FENCE_WHOLE, name="ck_sites_fence_whole"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="ck_sites_latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="ck_sites_longitude"),
        CheckConstraint(f"radius_m BETWEEN {MIN_RADIUS_M:g} AND {MAX_RADIUS_M:g}", name="ck_sites_radius"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # warehouse, airport, customs, hospital
    country: str = Field(max_length=2)  # ISO 3166-1 alpha-2
    timezone: str = Field(max_length=64)  # IANA zone name
    latitude: float | None = None  # the geofence's centre, WGS 84 degrees
    longitude: float | None = None
    radius_m: float | None = None


class Item(Audited, SQLModel, table=True):
    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    category: str = Field(max_length=20)  # reagent, consumable
    storage_profile: str = Field(max_length=40)
    unit: str = Field(max_length=20)  # unit of issue, a pint unit
    # GTIN-14 of the pack as its GS1 barcode carries it: a scan at receiving finds its line by it.
    gtin: str | None = Field(default=None, max_length=14, unique=True)
    pack_size: float = 1.0
    shelf_life_days: int | None = None
    shock_sensitive: bool = False
    # The current version of the item's stability allowance (kept in step by services/allowances.py;
    # every version is in item_allowance_versions): allowed lifetime above stability_limit_c, and the
    # activation energy that weighs it (SPEC §2.3).
    stability_budget_s: float | None = None
    stability_limit_c: float | None = None
    activation_energy_kj: float = Field(default=DEFAULT_ACTIVATION_ENERGY_KJ,
                                        sa_column_kwargs={"server_default": "83.144"})
    minimum_order: float = 0.0  # the supplier's, in the unit of issue
    overage: float = 1.0  # QC samples and overfill on top of the bill of materials (1.1: 10 % more)
    # The largest quantity one entry may hold, in the unit of issue; None: the max_quantity setting.
    max_quantity: float | None = None
    # Harmonized System code the customs broker declares it under (6 to 10 digits, dots allowed).
    hs_code: str | None = Field(default=None, max_length=16)
    # Days before its expiry that a lot no longer leaves: the dispatch gate refuses a lot expiring before
    # the planned arrival plus these days (core.dispatch_gate).
    do_not_ship_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Days before its expiry that a lot no longer counts as usable stock, and that it is no longer
    # dispensed (its last usable day is expiry - these): core.expiry_cut_offs.
    do_not_count_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    do_not_dispense_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Lot(Audited, SQLModel, table=True):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("item_id", "lot_number"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    lot_number: str = Field(max_length=60)
    expiry: date
    manufactured: date | None = None
