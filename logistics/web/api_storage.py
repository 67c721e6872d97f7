"""The JSON API for storage zones and each lot's stability passport.

`add_routes` puts the routes on the API blueprint of `logistics.web.api`, so they share its prefix, error
handlers and the rule that writes need a bearer token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint

from logistics.schemas.records import ExcursionList, ExcursionPublic
from logistics.schemas.storage import PassportEntryPublic, PassportPublic, ZoneList, ZonePublic
from logistics.services import stability, storage
from logistics.web import db
from logistics.web.api_io import described, json_answer


@described.operation("GET", "/storage/zones", "Storage zones by site, with the loggers watching them now",
                     response=ZoneList)
def list_zones() -> Any:
    rows = storage.zone_rows(db.session(), now=datetime.now(UTC))
    return json_answer(ZoneList(items=[ZonePublic(
        code=row.zone.code, name=row.zone.name, site=row.site.code, storage_profile=row.zone.storage_profile,
        loggers=list(row.loggers), open_excursions=row.open_excursions) for row in rows]))


@described.operation("GET", "/storage/zones/{code}/excursions",
                     "The storage zone's excursions, newest first (withdrawn ones left out)",
                     response=ExcursionList)
def list_zone_excursions(code: str) -> Any:
    session = db.session()
    zone = storage.get_zone(session, code)
    assert zone.id is not None
    fields = set(ExcursionPublic.model_fields) - {"logger"}
    return json_answer(ExcursionList(items=[
        ExcursionPublic(logger=row.logger, **{name: getattr(row.record, name) for name in fields})
        for row in storage.zone_excursions(session, zone.id)]))


@described.operation("GET", "/lots/{item}/{lot}/passport",
                     "The lot's stability passport: every shipment and storage period of its life, each by "
                     "its worst-placed logger, with the totals against its allowance",
                     response=PassportPublic)
def get_passport(item: str, lot: str) -> Any:
    shown = stability.lot_passport(db.session(), item, lot, db.runtime().profiles, now=datetime.now(UTC))
    s = shown.stability
    window = s.mkt_window
    return json_answer(PassportPublic(
        item=shown.item.code, lot=shown.lot.lot_number, storage_profile=shown.profile.name,
        budget_s=s.budget_s, limit_c=s.limit_c, activation_energy_kj=s.activation_energy_kj,
        out_of_range_s=s.out_of_range_s, equivalent_s=s.equivalent_s, remaining_s=s.remaining_s,
        state=s.state.value, limit_exceeded=s.limit_exceeded, min_c=s.min_c, max_c=s.max_c, mkt_c=s.mkt_c,
        mkt_start=window[0] if window else None, mkt_end=window[1] if window else None,
        unmonitored_s=shown.unwatched_s, entries=[_entry(entry) for entry in shown.entries]))


def _entry(entry: stability.PassportEntry) -> PassportEntryPublic:
    seen = entry.exposure
    return PassportEntryPublic(
        kind=entry.kind, shipment=entry.shipment, site=entry.site, zones=list(entry.zones), start=entry.start,
        end=entry.end, logger=seen.logger if seen else None, min_c=seen.min_c if seen else None,
        max_c=seen.max_c if seen else None, out_of_range_s=seen.out_of_range_s if seen else None,
        equivalent_s=entry.equivalent_s, mkt_c=seen.mkt_c if seen else None,
        mkt_start=seen.start if seen else None, mkt_end=seen.end if seen else None)


def add_routes(api: Blueprint) -> None:
    """The storage routes (zones, their excursions, a lot's passport) on the API's blueprint."""
    api.add_url_rule("/storage/zones", view_func=list_zones)
    api.add_url_rule("/storage/zones/<code>/excursions", view_func=list_zone_excursions)
    api.add_url_rule("/lots/<item>/<lot>/passport", view_func=get_passport)
