"""Shapes of storage zones and of a lot's stability passport, as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from logistics.schemas.base import Schema


class ZonePublic(Schema):
    code: str
    name: str
    site: str
    storage_profile: str
    loggers: list[str] = Field(description="Loggers watching it now")
    open_excursions: int


class ZoneList(Schema):
    items: list[ZonePublic]


class PassportEntryPublic(Schema):
    kind: str = Field(description="shipment, storage, or unmonitored (storage no logger watched)")
    shipment: str | None
    site: str | None
    zones: list[str] = Field(description="The zone of the worst-placed logger; for unmonitored storage, the "
                                         "site's zones of the lot's profile")
    start: datetime | None = Field(description="The window the logger answered for")
    end: datetime | None = Field(description="None while it still runs")
    logger: str | None = Field(description="The worst-placed logger")
    min_c: float | None
    max_c: float | None
    out_of_range_s: float | None
    equivalent_s: float | None = Field(description="Its time out of range at the allowance's temperature "
                                                   "(Arrhenius, SPEC §2.3)")
    mkt_c: float | None
    mkt_start: datetime | None = Field(description="The MKT's window: its first reading")
    mkt_end: datetime | None = Field(description="The MKT's window: the end of its last reading's coverage")


class PassportPublic(Schema):
    item: str
    lot: str
    storage_profile: str
    budget_s: float | None = Field(description="The allowance: time allowed out of range over the lot's life")
    limit_c: float | None = Field(description="The allowance's temperature limit, the equivalent's reference")
    activation_energy_kj: float
    out_of_range_s: float
    equivalent_s: float | None
    remaining_s: float | None
    state: str = Field(description="none, ok, low or exhausted")
    limit_exceeded: bool
    min_c: float | None
    max_c: float | None
    mkt_c: float | None = Field(description="For information: the verdict rests on time out of range")
    mkt_start: datetime | None
    mkt_end: datetime | None
    unmonitored_s: float = Field(description="Storage time no logger watched, up to now: not counted")
    entries: list[PassportEntryPublic]
