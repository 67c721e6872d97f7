"""The JSON API for import papers: the permit register (list, read, record, set whole), an item's HS code,
and a shipment's licence per invoice (read it, with its permit's problems; set its invoice number, net
weights and manufacture dates). `add_routes` puts the routes on the API blueprint of `logistics.web.api`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint

from logistics.core.roles import Permission
from logistics.schemas.permits import (
    HsCodeUpdate,
    ImportPapersPublic,
    PapersUpdate,
    PermitCreate,
    PermitFields,
    PermitItemPublic,
    PermitList,
    PermitPublic,
)
from logistics.services import import_papers, permits
from logistics.services.errors import InputError
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body
from logistics.web.auth import require


def _today() -> date:
    return datetime.now(UTC).date()


@described.operation("GET", "/permits", "The import permit register, the latest to expire first",
                     response=PermitList)
def list_permits() -> Any:
    return json_answer(permits.list_permits(db.session(), today=_today()))


@described.operation("GET", "/permits/{number}", "One import permit, with the items it covers and the "
                     "shipments that name it", response=PermitPublic)
def get_permit(number: str) -> Any:
    return json_answer(permits.describe_permit(db.session(), number, today=_today()))


@described.operation("POST", "/permits", "Record an import permit: refused, naming the field, when its "
                     "number is taken, it expires before it is issued or an item is unknown",
                     body=PermitCreate, response=PermitPublic, status=201)
@require(Permission.EDIT_SHIPMENTS)
def create_permit() -> Any:
    draft = read_body(PermitCreate)
    permits.create_permit(db.writing(draft.reason or "import permit added through the API"), draft)
    db.commit()
    return json_answer(permits.describe_permit(db.session(), draft.number, today=_today()), 201)


@described.operation("PUT", "/permits/{number}", "Set an import permit whole: every field and covered item "
                     "as it should be, with the `reason`", body=PermitFields, response=PermitPublic)
@require(Permission.EDIT_SHIPMENTS)
def update_permit(number: str) -> Any:
    draft = read_body(PermitFields)
    if not (draft.reason or "").strip():
        raise InputError({"reason": "say why the permit changes (kept in the audit trail)"})
    permits.update_permit(db.writing(draft.reason or ""), number, draft)
    db.commit()
    return json_answer(permits.describe_permit(db.session(), number, today=_today()))


@described.operation("PUT", "/items/{code}/hs-code", "Set the HS code an item is declared under (6 to 10 "
                     "digits, dots allowed); null removes it", body=HsCodeUpdate, response=PermitItemPublic)
@require(Permission.EDIT_SHIPMENTS)
def set_hs_code(code: str) -> Any:
    change = read_body(HsCodeUpdate)
    item = permits.set_hs_code(db.writing(f"HS code of {code} set through the API"), item=code,
                               hs_code=change.hs_code)
    db.commit()
    return json_answer(PermitItemPublic(code=item.code, name=item.name, hs_code=item.hs_code))


@described.operation("GET", "/shipments/{reference}/import-papers", "The licence per invoice of a shipment: "
                     "each line's HS code, lot, manufacture and expiry date, net weight; the air waybill and "
                     "invoice number; what stands between it and its import permit (`permit_problems`, "
                     "empty when the permit holds) and what it still lacks", response=ImportPapersPublic)
def get_papers(reference: str) -> Any:
    return json_answer(import_papers.import_papers(db.session(), reference, today=_today()))


@described.operation("PUT", "/shipments/{reference}/import-papers", "Set the invoice number and, by line id, "
                     "each line's net weight and its lot's manufacture date; fields left out stay",
                     body=PapersUpdate, response=ImportPapersPublic)
@require(Permission.EDIT_SHIPMENTS)
def update_papers(reference: str) -> Any:
    changes = read_body(PapersUpdate)
    session = db.writing(changes.reason or "import papers updated through the API")
    import_papers.update_papers(session, reference, changes, today=_today())
    db.commit()
    return json_answer(import_papers.import_papers(db.session(), reference, today=_today()))


def add_routes(api: Blueprint) -> None:
    """The import papers' routes on the API's blueprint."""
    api.add_url_rule("/permits", view_func=list_permits, methods=["GET"])
    api.add_url_rule("/permits/<number>", view_func=get_permit, methods=["GET"])
    api.add_url_rule("/permits", view_func=create_permit, methods=["POST"])
    api.add_url_rule("/permits/<number>", view_func=update_permit, methods=["PUT"])
    api.add_url_rule("/items/<code>/hs-code", view_func=set_hs_code, methods=["PUT"])
    api.add_url_rule("/shipments/<reference>/import-papers", view_func=get_papers, methods=["GET"])
    api.add_url_rule("/shipments/<reference>/import-papers", view_func=update_papers, methods=["PUT"])
