"""The JSON API for an item's expiry cut-offs (do not ship, count, dispense): read them, set them.
`add_routes` puts the routes on the API blueprint of `logistics.web.api` (its prefix, error handlers and
the rule that writes need a bearer token)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from logistics.core.expiry_cut_offs import CutOffs
from logistics.core.roles import Permission
from logistics.schemas.items import CutOffsFields, CutOffsPublic
from logistics.services import catalogue
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body
from logistics.web.auth import require


def _shown(code: str, cut_offs: CutOffs) -> CutOffsPublic:
    return CutOffsPublic(item=code, do_not_ship_days=cut_offs.do_not_ship_days,
                         do_not_count_days=cut_offs.do_not_count_days,
                         do_not_dispense_days=cut_offs.do_not_dispense_days)


@described.operation("GET", "/items/{code}/cut-offs", "An item's expiry cut-offs, in whole days before a "
                     "lot's expiry", response=CutOffsPublic)
def get_cut_offs(code: str) -> Any:
    return json_answer(_shown(code, catalogue.item_cut_offs(catalogue.get_item(db.session(), code))))


@described.operation("PUT", "/items/{code}/cut-offs", "Set an item's do-not-ship, do-not-count and "
                     "do-not-dispense days (0 to 3,650 each), with the `reason`", body=CutOffsFields,
                     response=CutOffsPublic)
@require(Permission.PLAN_SUPPLY)
def set_cut_offs(code: str) -> Any:
    draft = read_body(CutOffsFields)
    cut_offs = CutOffs(draft.do_not_ship_days, draft.do_not_count_days, draft.do_not_dispense_days)
    session = db.writing(draft.reason or f"expiry cut-offs of {code} set through the API")
    catalogue.set_cut_offs(session, item=code, cut_offs=cut_offs)
    db.commit()
    return json_answer(_shown(code, cut_offs))


def add_routes(api: Blueprint) -> None:
    """The items' routes on the API's blueprint."""
    api.add_url_rule("/items/<code>/cut-offs", view_func=get_cut_offs, methods=["GET"])
    api.add_url_rule("/items/<code>/cut-offs", view_func=set_cut_offs, methods=["PUT"])
