"""Site pages: the list (each site's time zone and geofence) and a site's edit form (its name, time zone and
geofence). Logistics and admin edit; every signed-in user reads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from pydantic import ValidationError

from logistics.core.quantities import read_plain_number
from logistics.core.roles import Permission
from logistics.core.units import QuantityError
from logistics.schemas.sites import SiteDetail, SiteFields
from logistics.services import sites
from logistics.services.errors import InputError, NotFound, input_error_from
from logistics.web import db, form_state
from logistics.web.auth import require
from logistics.web.i18n import gettext as _

blueprint = Blueprint("sites", __name__)
FENCE = ("latitude", "longitude", "radius_m")
EXAMPLES = {"latitude": "13.7563", "longitude": "100.5018", "radius_m": "400"}


@blueprint.route("/sites")
def site_list() -> Any:
    return render_template("sites/list.html", sites=sites.list_sites(db.session()).items)


@blueprint.route("/sites/<code>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def site_edit(code: str) -> Any:
    site = _site(code)
    if request.method == "GET":
        return _form(site, {})
    try:
        draft = _read_site()
        if not draft.reason:
            raise InputError({"reason": _("say why the record changes (kept in the audit trail)")})
        sites.update_site(db.writing(draft.reason), code, draft)
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _form(site, error.errors), 422
    flash(_("Site %(code)s and its geofence saved.", code=code), "info")
    return redirect(url_for("sites.site_list"))


def _read_site() -> SiteFields:
    """The form's fields; each part of the geofence a number written out in full, or empty."""
    form, errors = request.form, {}
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in ("name", "timezone")}
    values["reason"] = form.get("reason", "").strip() or None
    for name in FENCE:
        typed = form.get(name, "").strip()
        try:
            values[name] = read_plain_number(typed) if typed else None
        except QuantityError:
            errors[name] = _("enter a number written out in full, e.g. %(example)s", example=EXAMPLES[name])
    if errors:
        raise InputError(errors)
    try:
        return SiteFields.model_validate(values)
    except ValidationError as error:
        raise input_error_from(error) from None


def _form(site: SiteDetail, errors: dict[str, str]) -> str:
    if errors:
        form_state.refuse(errors)
    return render_template("sites/form.html", site=site)


def _site(code: str) -> SiteDetail:
    try:
        return sites.describe_site(db.session(), code)
    except NotFound:
        abort(404)
