"""Lane pages: the list, a lane, its create and edit forms (logistics edits, the others read), and "new
shipment from lane": choose a lane and a departure, then confirm (or change) the shipment it proposes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from logistics.core.lanes import COOLANTS, LANE_LEG_MODES
from logistics.core.roles import Permission
from logistics.schemas.lanes import LaneCreate, LanePublic, LaneShipment
from logistics.services import catalogue, lanes, loggers
from logistics.services.errors import InputError, NotFound
from logistics.web import db, form_state
from logistics.web.auth import require
from logistics.web.forms import read_local_time
from logistics.web.i18n import gettext as _
from logistics.web.lane_forms import (
    LANE_LEG_INPUTS,
    MAX_ROWS,
    SHIPMENT_LEG_INPUTS,
    errors_by_input,
    read_lane_form,
    read_lane_shipment_form,
)

blueprint = Blueprint("lanes", __name__)
BLANK_ROWS = 2  # empty leg rows under a lane's legs, to add one


@blueprint.route("/lanes")
def lane_list() -> Any:
    return render_template("lanes/list.html", lanes=lanes.list_lanes(db.session()).items)


@blueprint.route("/lanes.csv")
def lane_export() -> Any:
    """Every lane as CSV, a row per leg: the file `logistics lanes load` reads."""
    return Response(lanes.export_csv(db.session()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=lanes.csv"})


@blueprint.route("/lanes/<code>")
def lane_detail(code: str) -> Any:
    return render_template("lanes/detail.html", lane=_lane(code))


@blueprint.route("/lanes/new", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def lane_new() -> Any:
    if request.method == "GET":
        return _form(None, {})
    try:
        draft = read_lane_form(request.form, creating=True)
        assert isinstance(draft, LaneCreate)
        lanes.create_lane(db.writing(draft.reason or "lane added"), draft, db.runtime().profiles)
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _form(None, error.errors), 422
    flash(_("Lane %(code)s added.", code=draft.code), "info")
    return redirect(url_for("lanes.lane_detail", code=draft.code))


@blueprint.route("/lanes/<code>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def lane_edit(code: str) -> Any:
    lane = _lane(code)
    if request.method == "GET":
        return _form(lane, {})
    try:
        draft = read_lane_form(request.form, creating=False)
        if not draft.reason:
            raise InputError({"reason": _("say why the record changes (kept in the audit trail)")})
        lanes.update_lane(db.writing(draft.reason), code, draft, db.runtime().profiles)
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _form(lane, error.errors), 422
    flash(_("Lane %(code)s saved.", code=code), "info")
    return redirect(url_for("lanes.lane_detail", code=code))


@blueprint.route("/shipments/from-lane", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def shipment_from_lane() -> Any:
    """GET without a lane and departure: choose them. GET with them: the shipment the lane proposes, to
    confirm or change. POST: record it."""
    session = db.session()
    if request.method == "POST":
        return _record_from_lane()
    code, reference = request.args.get("lane", "").strip(), request.args.get("reference", "").strip()
    if not code or not request.args.get("departure", "").strip():
        return _choose({})
    try:
        zone = catalogue.site_zones(session)[lanes.describe_lane(session, code).origin]
        departure = read_local_time(request.args, "departure", zone)
        assert departure is not None
    except NotFound:
        return _choose({"lane": _("choose a lane")}), 422
    except InputError as error:
        return _choose({"departure": next(iter(error.errors.values()))}), 422
    plan = lanes.shipment_plan(session, code, reference=reference, departure=departure)
    return _proposal(plan, {}, filled=False)


def _record_from_lane() -> Any:
    session = db.session()
    try:
        plan = read_lane_shipment_form(request.form, catalogue.site_zones(session))
        shipment = lanes.create_from_lane(db.writing(f"planned from lane {plan.lane}"), plan)
        reference = shipment.reference
        db.commit()
    except (InputError, NotFound) as error:
        db.session().rollback()
        errors = error.errors if isinstance(error, InputError) else {"lane": str(error)}
        return _proposal(None, errors, filled=True), 422
    flash(_("Shipment %(reference)s created.", reference=reference), "info")
    return redirect(url_for("pages.shipment_detail", reference=reference))


def _choose(errors: dict[str, str]) -> str:
    """The choice of lane and departure (a GET form: the proposal's address says them), with `errors`."""
    if errors:
        form_state.refuse(errors)
    choices = [(lane.code, f"{lane.code} — {lane.name} ({' → '.join(lane.route)})")
               for lane in lanes.list_lanes(db.session()).items]
    return render_template("lanes/choose.html", choices=choices, errors=errors, form=request.args)


def _proposal(plan: LaneShipment | None, errors: dict[str, str], *, filled: bool) -> str:
    """The proposed shipment: from `plan`, or (`filled`) as the person last sent it, with `errors`."""
    if errors:
        form_state.refuse(errors_by_input(errors, request.form, SHIPMENT_LEG_INPUTS))
    session = db.session()
    code = plan.lane if plan else request.form.get("lane", "")
    try:
        lane = lanes.describe_lane(session, code)
    except NotFound:
        abort(404)
    rows = len(plan.legs) if plan else _sent_rows()
    return render_template("lanes/ship.html", lane=lane, plan=plan, errors=errors,
                           form=request.form if filled else {}, rows=rows,
                           sites=catalogue.sites(session), zones=catalogue.site_zones(session),
                           free_loggers=loggers.free_codes(session), leg_modes=LANE_LEG_MODES,
                           coolants=COOLANTS, now=datetime.now(UTC))


def _sent_rows() -> int:
    """How many leg rows the form sent back holds (up to its last with a mode)."""
    return 1 + max((index for index in range(MAX_ROWS) if request.form.get(f"legs-{index}-mode")), default=-1)


def _form(lane: LanePublic | None, errors: dict[str, str]) -> str:
    """The create (no lane) or edit form, with the fields refused named in `errors`."""
    if errors:
        form_state.refuse(errors_by_input(errors, request.form, LANE_LEG_INPUTS))
    session = db.session()
    rows = (len(lane.legs) if lane else 0) + BLANK_ROWS
    if request.method == "POST":
        rows = max(rows, _sent_rows())
    return render_template("lanes/form.html", lane=lane, errors=errors, form=request.form, rows=rows,
                           sites=catalogue.sites(session), profiles=db.runtime().profiles,
                           leg_modes=LANE_LEG_MODES, coolants=COOLANTS)


def _lane(code: str) -> LanePublic:
    try:
        return lanes.describe_lane(db.session(), code)
    except NotFound:
        abort(404)
