"""Import permit pages: the register (list, a permit, its create and edit forms, items' HS codes) and a
shipment's import papers (the licence per invoice: its form, and the CSV and PDF for the customs broker).
Logistics edits; every signed-in user reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from pydantic import ValidationError

from logistics.core.quantities import read_plain_number
from logistics.core.roles import Permission
from logistics.core.units import QuantityError
from logistics.schemas.permits import PapersUpdate, PermitCreate, PermitFields, PermitPublic
from logistics.services import documents, import_papers, permits
from logistics.services.errors import InputError, NotFound, input_error_from
from logistics.web import db, form_state
from logistics.web.auth import require
from logistics.web.i18n import gettext as _

blueprint = Blueprint("permits", __name__)
PERMIT_TEXT = ("holder", "issued", "expires", "protocol_number", "notes")
LINE_INPUTS = ("net_weight_kg", "manufactured")


def _today() -> date:
    return datetime.now(UTC).date()


@blueprint.route("/permits")
def permit_list() -> Any:
    session = db.session()
    return render_template("permits/list.html", permits=permits.list_permits(session, today=_today()).items,
                           items=permits.item_codes(session))


@blueprint.route("/permits/<number>")
def permit_detail(number: str) -> Any:
    return render_template("permits/detail.html", permit=_permit(number))


@blueprint.route("/permits/new", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def permit_new() -> Any:
    if request.method == "GET":
        return _form(None, {})
    try:
        draft = _read_permit(creating=True)
        assert isinstance(draft, PermitCreate)
        permits.create_permit(db.writing(draft.reason or "import permit added"), draft)
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _form(None, error.errors), 422
    flash(_("Import permit %(number)s added.", number=draft.number), "info")
    return redirect(url_for("permits.permit_detail", number=draft.number))


@blueprint.route("/permits/<number>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def permit_edit(number: str) -> Any:
    permit = _permit(number)
    if request.method == "GET":
        return _form(permit, {})
    try:
        draft = _read_permit(creating=False)
        if not draft.reason:
            raise InputError({"reason": _("say why the record changes (kept in the audit trail)")})
        permits.update_permit(db.writing(draft.reason), number, draft)
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _form(permit, error.errors), 422
    flash(_("Import permit %(number)s saved.", number=number), "info")
    return redirect(url_for("permits.permit_detail", number=number))


@blueprint.route("/permits/hs-codes", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def hs_code_set() -> Any:
    item, code = request.form.get("item", "").strip(), request.form.get("hs_code", "").strip()
    return db.one_change(f"HS code of {item} set to {code or 'none'}",
                         _("HS code of %(item)s saved.", item=item),
                         lambda session: permits.set_hs_code(session, item=item, hs_code=code or None),
                         url_for("permits.permit_list"))


@blueprint.route("/shipments/<reference>/import-papers")
def papers(reference: str) -> Any:
    """The licence per invoice of a shipment, its permit's problems and what it still lacks."""
    try:
        shown = import_papers.papers_view(db.session(), reference, today=_today())
    except NotFound:
        abort(404)
    return render_template("shipments/import_papers.html", shown=shown, papers=shown.papers, zone=shown.zone)


@blueprint.route("/shipments/<reference>/import-papers", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def papers_save(reference: str) -> Any:
    """Set the invoice number and each line's net weight and its lot's manufacture date."""
    def save(session: Any) -> None:
        changes = _read_papers()
        try:
            import_papers.update_papers(session, reference, changes, today=_today())
        except InputError as error:
            raise InputError(_by_input(error.errors)) from None

    reason = request.form.get("reason", "").strip() or "import papers updated"
    return db.one_change(reason, _("Import papers of %(reference)s saved.", reference=reference), save,
                         url_for("permits.papers", reference=reference))


@blueprint.route("/shipments/<reference>/import-papers.csv")
def papers_csv(reference: str) -> Any:
    try:
        text = import_papers.papers_csv(db.session(), reference, today=_today())
    except NotFound:
        abort(404)
    name = import_papers.papers_file_name(reference, "csv")
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@blueprint.route("/shipments/<reference>/import-papers.pdf")
def papers_pdf(reference: str) -> Any:
    try:
        content = documents.import_papers_pdf(db.session(), reference, settings=db.runtime().settings,
                                              now=datetime.now(UTC))
    except NotFound:
        abort(404)
    name = import_papers.papers_file_name(reference, "pdf")
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={name}"})


def _read_permit(*, creating: bool) -> PermitCreate | PermitFields:
    """The permit as the form has it: a new one (with its number) or every field of one being changed."""
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in PERMIT_TEXT}
    values["notes"] = values["notes"] or None
    values["items"] = [code for code in form.getlist("items") if code]
    values["reason"] = form.get("reason", "").strip() or None
    if creating:
        values["number"] = form.get("number", "").strip()
    try:
        return (PermitCreate if creating else PermitFields).model_validate(values)
    except ValidationError as error:
        raise input_error_from(error) from None


def _read_papers() -> PapersUpdate:
    """The papers form: the invoice number, and each line's row `lines-ROW-FIELD` (its id hidden)."""
    form, errors, lines = request.form, {}, []
    for row in range(len(form.getlist("line_ids"))):
        line: dict[str, Any] = {"id": form.getlist("line_ids")[row]}
        weight = form.get(f"lines-{row}-net_weight_kg", "").strip()
        try:
            line["net_weight_kg"] = read_plain_number(weight) if weight else None
        except QuantityError:
            errors[f"lines-{row}-net_weight_kg"] = _("enter a number written out in full, e.g. %(example)s",
                                                     example="1.25")
        line["manufactured"] = form.get(f"lines-{row}-manufactured", "").strip() or None
        lines.append(line)
    if errors:
        raise InputError(errors)
    try:
        return PapersUpdate.model_validate({"invoice_number": form.get("invoice_number", ""), "lines": lines})
    except ValidationError as error:
        raise InputError(_by_input(input_error_from(error).errors)) from None


def _by_input(errors: dict[str, str]) -> dict[str, str]:
    """`lines.N.FIELD` refusals named by their input, `lines-N-FIELD` (every line has its row)."""
    named = {}
    for name, message in errors.items():
        parts = name.split(".")
        named[f"lines-{parts[1]}-{parts[2]}" if len(parts) == 3 and parts[0] == "lines" else name] = message
    return named


def _form(permit: PermitPublic | None, errors: dict[str, str]) -> str:
    """The create (no permit) or edit form, with the fields refused named in `errors`."""
    if errors:
        form_state.refuse(errors)
    return render_template("permits/form.html", permit=permit, items=permits.item_codes(db.session()),
                           form=request.form)


def _permit(number: str) -> PermitPublic:
    try:
        return permits.describe_permit(db.session(), number, today=_today())
    except NotFound:
        abort(404)
