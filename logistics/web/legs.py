"""A shipment's route legs on its page: add one, record when one started or ended, and correct or delete a
leg that has not started. Correcting and deleting ask for a reason: a correction is shown as old → new
before it is confirmed; a deletion is asked for under the leg's *Remove…* on the shipment's page (as a line
or a logger is removed), and a refused one comes back on a page of its own that shows the leg and what the
route then lacks. The services check every change against the route (`services.legs`, `core.legs`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from logistics.core.roles import Permission
from logistics.schemas.shipments import LEG_MODES, LegPublic, ShipmentPublic
from logistics.services import catalogue, shipment_views, shipments
from logistics.services import legs as routes
from logistics.services.errors import InputError, NotFound
from logistics.web import db, form_state
from logistics.web.auth import require
from logistics.web.forms import read_leg_form, read_leg_times
from logistics.web.i18n import gettext as _

blueprint = Blueprint("legs", __name__)


def _back(reference: str) -> str:
    return url_for("pages.shipment_detail", reference=reference) + "#legs"


@blueprint.route("/shipments/<reference>/legs", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def add(reference: str) -> Any:
    def append(session: Any) -> None:
        routes.add_leg(session, reference, read_leg_form(request.form, catalogue.site_zones(session)))

    return db.one_change("leg added", _("Leg added."), append, _back(reference))


@blueprint.route("/shipments/<reference>/legs/<int:sequence>/times", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def times(reference: str, sequence: int) -> Any:
    which = request.form.get("record", "")

    def record(session: Any) -> None:
        leg = _leg(shipments.describe_shipment(session, reference), sequence)
        zones = catalogue.site_zones(session)
        recorded = read_leg_times(request.form, zones[leg.origin], zones[leg.destination], datetime.now(UTC))
        routes.record_leg(session, reference, sequence, recorded)

    done = _("Leg %(sequence)d: start recorded.", sequence=sequence) if which == "start" else _(
        "Leg %(sequence)d: end recorded.", sequence=sequence)
    return db.one_change(f"leg {sequence}: {which} recorded", done, record, _back(reference))


@blueprint.route("/shipments/<reference>/legs/<int:sequence>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def edit(reference: str, sequence: int) -> Any:
    """Three steps: the form (filled with the leg as planned), the review of what changes (old → new, with
    what the route then lacks), and the confirmation, which records it with its reason."""
    step, form, reason = request.form.get("step", ""), request.form, request.form.get("reason", "")
    if request.method == "GET" or step == "edit":
        return _edit_page(reference, sequence, {}, None)
    try:
        draft = read_leg_form(form, catalogue.site_zones(db.session()))
        routes.need_reason(reason)
        if step != "confirm":
            return _edit_page(reference, sequence, {},
                              routes.review_correction(db.session(), reference, sequence, draft))
        routes.correct_leg(db.writing(reason.strip()), reference, sequence, draft, reason=reason)
        db.commit()
    except NotFound:
        abort(404)
    except InputError as error:
        db.session().rollback()
        return _edit_page(reference, sequence, error.errors, None), 422
    flash(_("Leg %(sequence)d corrected.", sequence=sequence), "info")
    return redirect(_back(reference))


@blueprint.route("/shipments/<reference>/legs/<int:sequence>/delete", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def delete(reference: str, sequence: int) -> Any:
    """A page that shows the leg and what the route lacks without it, and asks why; posting it deletes."""
    if request.method == "GET":
        return _delete_page(reference, sequence, {})
    reason = request.form.get("reason", "")
    try:
        routes.delete_leg(db.writing(reason.strip()), reference, sequence, reason=reason)
        db.commit()
    except NotFound:
        abort(404)
    except InputError as error:
        db.session().rollback()
        return _delete_page(reference, sequence, error.errors), 422
    flash(_("Leg %(sequence)d deleted.", sequence=sequence), "info")
    return redirect(_back(reference))


def _edit_page(reference: str, sequence: int, errors: dict[str, str],
               review: routes.LegCorrection | None) -> Any:
    if errors:
        form_state.refuse(errors)
    shown = _shown(reference)
    leg = _leg(shown.shipment, sequence)
    refusal = None if errors or review else _refusal(reference, sequence, deleting=False)
    return render_template("shipments/leg_edit.html", shipment=shown.shipment, leg=leg, errors=errors,
                           refusal=refusal, review=review, form=request.form, sites=shown.choices.sites,
                           zones=shown.choices.zones, leg_modes=LEG_MODES)


def _delete_page(reference: str, sequence: int, errors: dict[str, str]) -> Any:
    if errors:
        form_state.refuse(errors)
    shown = _shown(reference)
    leg = _leg(shown.shipment, sequence)
    shipment = shown.shipment
    rest = [other for other in shipment.legs if other.sequence != sequence]
    return render_template("shipments/leg_delete.html", shipment=shipment, leg=leg, errors=errors,
                           refusal=_refusal(reference, sequence, deleting=True), form=request.form,
                           zones=shown.choices.zones,
                           after=shipments.route_notes(shipment.origin, shipment.destination, rest))


def _refusal(reference: str, sequence: int, *, deleting: bool) -> str | None:
    """Why the leg may not be changed (shown instead of the form), or None."""
    try:
        if deleting:
            routes.review_deletion(db.session(), reference, sequence)
        else:
            routes.may_correct(db.session(), reference, sequence)
    except InputError as error:
        return error.errors.get("leg")
    return None


def _shown(reference: str) -> shipment_views.ShipmentFormView:
    try:
        return shipment_views.form_view(db.session(), reference)
    except NotFound:
        abort(404)


def _leg(shipment: ShipmentPublic, sequence: int) -> LegPublic:
    found = next((leg for leg in shipment.legs if leg.sequence == sequence), None)
    if found is None:
        abort(404)
    return found
