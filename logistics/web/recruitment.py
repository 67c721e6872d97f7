"""The trial's recruitment page: its plan, sites and enrolments (pseudonymous codes only), the bill of
materials and supply terms the forecast reads, and the registry's last pulls. Every change goes through
the services in a writing session, so the audit trail records who made it and why."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from logistics.core.expiry_cut_offs import CutOffs
from logistics.core.forecast_inputs import Basis
from logistics.core.quantities import read_plain_number
from logistics.core.roles import Permission
from logistics.core.spreadsheet import safe_row
from logistics.core.units import QuantityError
from logistics.services import catalogue, forecasting, recruitment
from logistics.services.errors import InputError, NotFound
from logistics.web import db, form_state, svg_chart
from logistics.web.auth import require
from logistics.web.i18n import gettext as _
from logistics.web.i18n import typed_quantity

blueprint = Blueprint("recruitment", __name__)
MAX_UPLOAD_BYTES = 1024 * 1024
EXPORT_COLUMNS = ("patient_code", "site", "enrolled_on", "source", "recorded_by")
CUT_OFF_FIELDS = ("do_not_ship_days", "do_not_count_days", "do_not_dispense_days")


def _today() -> date:
    return forecasting.today(db.runtime().settings, datetime.now(UTC))


@blueprint.route("/recruitment")
def overview() -> Any:
    return _page()


def _page(failed: str | None = None, errors: dict[str, str] | None = None,
          import_problems: list[str] | None = None) -> Any:
    """The page; after a refused form, `failed` names that form and `errors` its fields."""
    if errors:
        form_state.refuse(errors)
    shown, today = recruitment.overview(db.session()), _today()
    rows, bom = shown.enrolments, shown.bill_of_materials
    return render_template(
        "recruitment/overview.html", plan=shown.plan, sites=shown.sites,
        enrolled=Counter(row.site for row in rows), enrolments=rows[::-1], bom=bom,
        supplied=list({row.item.code: row.item for row in bom}.values()), items=shown.items,
        bases=[b.value for b in Basis], pulls=shown.pulls,
        charts=_charts(shown.plan, shown.sites, rows, today), today=today, failed=failed,
        errors=errors or {}, form=request.form, import_problems=import_problems or [],
        default_most=db.runtime().settings.max_quantity)


def _charts(plan: Any, sites: list[Any], rows: list[recruitment.EnrolmentRow], today: date
            ) -> tuple[svg_chart.EnrolmentChart, ...] | None:
    if plan is None or not sites:
        return None
    return svg_chart.on_every_canvas(partial(
        svg_chart.enrolment, [row.enrolment.enrolled_on for row in rows],
        [(site.activated_on, site.planned_rate) for site in sites], target=plan.target, today=today))


def _apply(which: str, reason: str, change: Callable[[Any], Any], done: str,
           errors: dict[str, str]) -> Any:
    """Make `change` through the services, or show the page again with `which` form's fields marked (422)."""
    try:
        if errors:
            raise InputError(errors)
        change(db.writing(reason))
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _page(which, error.errors), 422
    flash(done, "info")
    return redirect(url_for("recruitment.overview") + f"#{which}")


# -- reading the forms ---------------------------------------------------------------------------------

def _number(form: Any, name: str, errors: dict[str, str], *, whole: bool = False) -> float:
    """A number from the form; a field error (never an exception) when it is not one."""
    text = form.get(name, "").strip()
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = math.nan
    if not isinstance(value, int) and not math.isfinite(value):  # a whole number of any size is one
        errors[name] = _("enter a whole number") if whole else _("enter a number, e.g. 1.5")
        return 0
    return value


def _day(form: Any, name: str, errors: dict[str, str]) -> date:
    try:
        return date.fromisoformat(form.get(name, "").strip())
    except ValueError:
        errors[name] = _("enter a date, e.g. %(example)s", example="2026-06-01")
        return date.min


# -- the plan and its sites ----------------------------------------------------------------------------

@blueprint.route("/recruitment/plan", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def save_plan() -> Any:
    form, errors = request.form, {}
    values = {"trial": form.get("trial", ""), "target": int(_number(form, "target", errors, whole=True)),
              "prior_strength": _number(form, "prior_strength", errors),
              "fixed_rate": form.get("fixed_rate") == "yes",
              "screen_failure_ratio": _number(form, "screen_failure_ratio", errors),
              "batches_per_patient": _number(form, "batches_per_patient", errors)}
    return _apply("plan", "recruitment plan changed",
                  lambda session: recruitment.save_plan(session, **values), _("Recruitment plan saved."),
                  errors)


@blueprint.route("/recruitment/sites", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def save_site() -> Any:
    form, errors = request.form, {}
    values = {"code": form.get("code", ""), "name": form.get("name", ""),
              "activated_on": _day(form, "activated_on", errors),
              "planned_rate": _number(form, "planned_rate", errors)}
    return _apply("site", f"trial site {values['code'].strip().upper()} saved",
                  lambda session: recruitment.save_site(session, **values),
                  _("Site %(code)s saved.", code=values["code"].strip().upper()), errors)


# -- enrolments ----------------------------------------------------------------------------------------

@blueprint.route("/recruitment/enrolments", methods=["POST"])
@require(Permission.RECORD_ENROLMENTS)
def enrol() -> Any:
    form, errors = request.form, {}
    values = {"site": form.get("site", ""), "patient_code": form.get("patient_code", ""),
              "enrolled_on": _day(form, "enrolled_on", errors)}
    return _apply("enrol", "enrolment recorded on the page",
                  lambda session: recruitment.enrol(session, **values, source="page",
                                                    by=current_user.username, today=_today()),
                  _("Enrolment of %(code)s recorded.", code=values["patient_code"].strip()), errors)


@blueprint.route("/recruitment/enrolments/import", methods=["POST"])
@require(Permission.RECORD_ENROLMENTS)
def import_enrolments() -> Any:
    """A CSV of enrolments: every row is recorded or, on any problem, none is and each is listed."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page("import", {"file": _("choose a CSV file to upload")}), 422
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page("import", {"file": _("the file is larger than 1 MiB: split it")}), 422
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page("import", {"file": _("the file is not UTF-8 text")}), 422
    session = db.writing(f"enrolments imported from {upload.filename}")
    report = recruitment.import_enrolments_csv(session, text, by=current_user.username, today=_today())
    if report.problems:
        session.rollback()
        return _page("import", import_problems=report.problems), 422
    db.commit()
    said = ngettext("%(num)d enrolment added.", "%(num)d enrolments added.", report.added)
    if report.unchanged:
        said += " " + ngettext("%(num)d was recorded already.", "%(num)d were recorded already.",
                               report.unchanged)
    flash(said, "info")
    return redirect(url_for("recruitment.overview") + "#enrolments")


@blueprint.route("/recruitment/enrolments.csv")
def export_enrolments() -> Any:
    """Enrolments by pseudonymous code, oldest first, in the columns the import reads (and two more)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in recruitment.enrolments(db.session()):
        found = row.enrolment
        writer.writerow(safe_row([found.patient_code, row.site, found.enrolled_on.isoformat(), found.source,
                                  found.recorded_by]))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=enrolments.csv"})


# -- bill of materials and supply terms ----------------------------------------------------------------

@blueprint.route("/recruitment/bom", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def add_bom_line() -> Any:
    form, errors = request.form, {}
    values = {"item": form.get("item", ""), "basis": form.get("basis", ""),
              "quantity": typed_quantity(form.get("quantity", "")), "note": form.get("note"),
              "offset_days": int(_number(form, "offset_days", errors, whole=True))}
    return _apply("bom", f"bill of materials: {values['item']} added",
                  lambda session: recruitment.add_bom_line(session, **values),
                  _("%(quantity)s of %(item)s added to the bill of materials.", quantity=values["quantity"],
                    item=values["item"]), errors)


@blueprint.route("/recruitment/bom/<int:line_id>/remove", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def remove_bom_line(line_id: int) -> Any:
    try:
        recruitment.remove_bom_line(db.writing(f"bill of materials: line {line_id} removed"), line_id)
    except NotFound:
        db.session().rollback()
        abort(404)
    db.commit()
    flash(_("Line removed from the bill of materials."), "info")
    return redirect(url_for("recruitment.overview") + "#bom")


@blueprint.route("/recruitment/supply", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def set_supply_terms() -> Any:
    form, errors = request.form, {}
    values = {"item": form.get("item", ""), "minimum_order": _number(form, "minimum_order", errors),
              "overage": _number(form, "overage", errors)}
    return _apply("terms", f"supply terms of {values['item']} changed",
                  lambda session: recruitment.set_supply_terms(session, **values),
                  _("Supply terms of %(item)s saved.", item=values["item"]), errors)


@blueprint.route("/recruitment/max-quantity", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def set_max_quantity() -> Any:
    """The largest quantity of an item one entry may hold; empty: the max_quantity setting's."""
    form, errors = request.form, {}
    item, text = form.get("item", ""), form.get("max_quantity", "").strip()
    most = None
    if text:
        try:
            most = read_plain_number(text)
        except QuantityError as error:
            errors["max_quantity"] = error.refusal
    return _apply("largest", f"largest quantity per entry of {item} set to {text or 'the default'}",
                  lambda session: catalogue.set_max_quantity(session, item=item, most=most),
                  _("Largest quantity per entry of %(item)s saved.", item=item), errors)


@blueprint.route("/recruitment/cut-offs", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def set_cut_offs() -> Any:
    """An item's expiry cut-offs: the days before expiry a lot is not shipped, counted or dispensed."""
    form, errors = request.form, {}
    item = form.get("item", "")
    cut_offs = CutOffs(*(int(_number(form, name, errors, whole=True)) for name in CUT_OFF_FIELDS))
    errors = {**catalogue.cut_off_problems(cut_offs), **errors}  # every field wrong at once, not one by one
    return _apply("cutoffs", f"expiry cut-offs of {item} changed",
                  lambda session: catalogue.set_cut_offs(session, item=item, cut_offs=cut_offs),
                  _("Expiry cut-offs of %(item)s saved.", item=item), errors)
