"""The JSON API for sites: list them, read one, set one's name, time zone and geofence. `add_routes` puts
the routes on the API blueprint of `logistics.web.api` (its prefix, error handlers and the rule that writes
need a bearer token)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from logistics.core.roles import Permission
from logistics.schemas.sites import SiteDetail, SiteFields, SiteList
from logistics.services import sites
from logistics.services.errors import InputError
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body
from logistics.web.auth import require


@described.operation("GET", "/sites", "List sites, with their time zones and geofences", response=SiteList)
def list_sites() -> Any:
    return json_answer(sites.list_sites(db.session()))


@described.operation("GET", "/sites/{code}", "One site", response=SiteDetail)
def get_site(code: str) -> Any:
    return json_answer(sites.describe_site(db.session(), code))


@described.operation("PUT", "/sites/{code}", "Set a site's name, time zone and geofence (latitude, "
                     "longitude and radius_m together, or all null for none), with the `reason`",
                     body=SiteFields, response=SiteDetail)
@require(Permission.EDIT_SHIPMENTS)
def update_site(code: str) -> Any:
    draft = read_body(SiteFields)
    if not (draft.reason or "").strip():
        raise InputError({"reason": "say why the site changes (kept in the audit trail)"})
    sites.update_site(db.writing(draft.reason or ""), code, draft)
    db.commit()
    return json_answer(sites.describe_site(db.session(), code))


def add_routes(api: Blueprint) -> None:
    """The sites' routes on the API's blueprint."""
    api.add_url_rule("/sites", view_func=list_sites, methods=["GET"])
    api.add_url_rule("/sites/<code>", view_func=get_site, methods=["GET"])
    api.add_url_rule("/sites/<code>", view_func=update_site, methods=["PUT"])
