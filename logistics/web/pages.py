"""Pages for supply-chain staff: the dashboard, the shipments list, a shipment, and its create/edit form."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from pydantic import ValidationError

from logistics.core.dashboard_pages import LEVELS, STATUSES
from logistics.core.excursion_review import DISPOSITIONS
from logistics.core.lifecycle import ShipmentStatus
from logistics.core.limits import (
    BUSINESS_TIME_EARLIEST,
    BUSINESS_TIME_LATEST,
    MAX_REASON_CHARACTERS,
    MAX_SEARCH_CHARACTERS,
)
from logistics.core.profiles import StorageProfile
from logistics.core.roles import Permission
from logistics.schemas.shipments import LEG_MODES, ShipmentUpdate
from logistics.services import catalogue, dashboard, excursions, loggers, series, shipment_views, shipments
from logistics.services import shipment_export as exporting
from logistics.services import shipment_import as importing
from logistics.services.dispatch_gate import DispatchBlocked
from logistics.services.errors import InputError, NotFound, input_error_from
from logistics.services.monitoring import MonitoringPolicy
from logistics.services.shipments import ShipmentFilter
from logistics.web import db, dispatch, form_state, shipment_removals
from logistics.web.auth import require
from logistics.web.forms import (
    page_number,
    read_create_form,
    read_filters,
    read_local_time,
    read_milestone_form,
    read_update_form,
)
from logistics.web.i18n import label, typed_quantity

blueprint = Blueprint("pages", __name__)
DASHBOARD_REFRESH_SECONDS = 15
EARLIEST_MS = int(BUSINESS_TIME_EARLIEST.timestamp() * 1000)
LATEST_MS = int(BUSINESS_TIME_LATEST.timestamp() * 1000)


@blueprint.route("/")
def index() -> Any:
    """The dashboard: active shipments as they are now, the most urgent first, a page at a time; the
    counts and the table refresh themselves (see live.js)."""
    return render_template("dashboard.html", **_dashboard())


@blueprint.route("/dashboard/live")
def dashboard_live() -> Any:
    """The dashboard's counts, table and pager alone, for the page to swap in without a reload."""
    return render_template("dashboard/_table.html", **_dashboard())


def _dashboard() -> dict[str, Any]:
    runtime, now = db.runtime(), datetime.now(UTC)
    level, status = request.args.get("attention"), request.args.get("status")
    chosen = {"attention": level if level in LEVELS else None,  # nonsense shows every shipment
              "status": status if status in STATUSES else None}
    shown = dashboard.overview_page(
        db.session(), runtime.profiles, MonitoringPolicy.of(runtime.settings), now=now,
        page=page_number(request.args), per_page=runtime.settings.page_size, level=chosen["attention"],
        status=chosen["status"])
    every = request.args.get("every", DASHBOARD_REFRESH_SECONDS, type=int) or DASHBOARD_REFRESH_SECONDS
    return {"shown": shown, "rows": shown.rows, "now": now, "refresh_seconds": min(max(every, 5), 300),
            "chosen": {name: value for name, value in chosen.items() if value}}  # ?every=N seconds


@blueprint.route("/shipments")
def shipment_list() -> Any:
    page = page_number(request.args)
    per_page = db.runtime().settings.page_size
    try:
        filters, problems = read_filters(request.args), {}
    except InputError as error:
        filters, problems = ShipmentFilter(), error.errors
    shown = shipment_views.list_view(db.session(), filters, page=page, per_page=per_page)
    chosen = {name: value for name, value in request.args.items() if name != "page" and value}
    page = render_template(
        "shipments/list.html", result=shown.result, filters=chosen, problems=problems,
        statuses=list(ShipmentStatus), pages=max(math.ceil(shown.result.total / per_page), 1),
        zones=shown.choices.zones, sites=shown.choices.sites, max_search=MAX_SEARCH_CHARACTERS,
    )
    return (page, 422) if problems else page


@blueprint.route("/shipments/import", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def shipment_import() -> Any:
    """Upload a CSV of shipments; all rows are recorded, or none and a report of every problem."""
    if request.method == "GET":
        return _import_page(None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _file_refused(_("choose a CSV file to upload"))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return _file_refused(_("the file is not UTF-8 text"))
    session = db.writing(f"imported from {upload.filename}")
    report = importing.import_csv(session, text, default_most=db.runtime().settings.max_quantity)
    if not report.ok:
        session.rollback()
        return _import_page(report)
    db.commit()
    flash(ngettext("%(num)d shipment imported from %(file)s.", "%(num)d shipments imported from %(file)s.",
                   len(report.created), file=upload.filename), "info")
    return redirect(url_for("pages.shipment_list"))


def _file_refused(problem: str) -> Any:
    """The import page again with the problem of the file itself beside its field."""
    form_state.refuse({"file": problem})
    return render_template("shipments/import.html", report=None, columns=importing.COLUMNS), 422


def _import_page(report: importing.ImportReport | None) -> Any:
    page = render_template("shipments/import.html", report=report, columns=importing.COLUMNS)
    return page if report is None else (page, 422)


@blueprint.route("/shipments.csv")
def shipment_export() -> Any:
    """The shipments the list's filters let through, every page, as CSV in the import's format."""
    try:
        filters = read_filters(request.args)
    except InputError as error:
        return jsonify({"error": "invalid input", "fields": error.errors}), 422
    return Response(exporting.export_csv(db.session(), filters), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=shipments.csv"})


@blueprint.route("/shipments/<reference>")
def shipment_detail(reference: str) -> Any:
    now = datetime.now(UTC)
    try:
        shown = shipment_views.shipment_view(db.session(), reference, db.runtime().profiles, now=now)
    except NotFound:
        abort(404)
    return render_template("shipments/detail.html", shipment=shown.shipment, zones=shown.choices.zones,
                           contents_open=shown.contents_open, leg_modes=LEG_MODES,
                           free_loggers=shown.free_loggers, lot_choices=shown.lot_choices,
                           sites=shown.choices.sites, trail=shown.trail, route_warnings=shown.route_warnings,
                           excursions=shown.excursions,
                           dispositions=DISPOSITIONS, summaries=shown.summaries,
                           **chart_context(shown.charts, shown.zone, now), lots=shown.lots,
                           handovers=shown.handovers, handing_over=shown.handing_over, gate=shown.gate)


def chart_context(charts: list[series.Chart], zone: str, now: datetime) -> dict[str, Any]:
    """What shipments/_charts.html draws: each logger's chart, in `zone` (the destination's)."""
    offset = ZoneInfo(zone).utcoffset(now) or timedelta(0)
    return {"charts": [chart.as_json() for chart in charts], "chart_words": chart_words(), "chart_zone": zone,
            "zone_offset_minutes": int(offset.total_seconds() // 60)}


def chart_words() -> dict[str, str]:
    """What chart.js writes, in the reader's language ({name} marks where it puts a value)."""
    return {"caption": _("{logger} (°C, times {zone})"),
            "captionIn": _("{logger} in {subject} (°C, times {zone})"), "shock": _("shock {g} g at {time}"),
            "keys": _("Temperature of logger {logger}. Keys: + zoom in, - zoom out, arrows move, "
                      "0 the whole time."),
            "zoomIn": _("Zoom in"), "zoomOut": _("Zoom out"), "whole": _("Whole time"),
            "on": _("{action} on {logger}"), "noData": _("no data from {start} to {end}")}


@blueprint.route("/shipments/<reference>/charts")
def shipment_charts(reference: str) -> Any:
    """The charts' data for ?from=&to= (Unix milliseconds): what the page fetches when zooming in;
    ?profile= draws the range of that storage profile (one lot's) instead of the goods' narrowest. Also
    read by scripts with a bearer token (auth.TOKEN_READABLE), so every answer is JSON."""
    session = db.session()
    profiles = db.runtime().profiles
    try:
        record = shipments.get_shipment(session, reference)
        start, end = (moment_arg(name) for name in ("from", "to"))
        judged_by = profile_arg(profiles)
    except NotFound as error:
        return jsonify({"error": str(error)}), 404
    except ValueError as error:
        return jsonify({"error": str(error)}), 400
    charts = series.shipment_charts(session, record, profiles, now=datetime.now(UTC), start=start, end=end,
                                    judged_by=judged_by)
    return jsonify([chart.as_json() for chart in charts])


def profile_arg(profiles: dict[str, StorageProfile]) -> StorageProfile | None:
    """?profile=: a storage profile's name, if given."""
    name = request.args.get("profile")
    if name is None:
        return None
    if name not in profiles:
        raise ValueError(f"profile: one of {', '.join(sorted(profiles))}, got {name[:40]!r}")
    return profiles[name]


def moment_arg(name: str) -> datetime | None:
    """?from= or ?to=: Unix milliseconds inside the window of business times."""
    text = request.args.get(name)
    if text is None:
        return None
    digits = text.isascii() and text.isdigit() and len(text) <= len(str(LATEST_MS))
    if not digits or not EARLIEST_MS <= int(text) < LATEST_MS:
        raise ValueError(f"{name}: Unix milliseconds from {EARLIEST_MS} to {LATEST_MS}, got {text[:20]!r}")
    return datetime.fromtimestamp(int(text) / 1000, UTC)


@blueprint.route("/shipments/<reference>/excursions/<int:record_id>/acknowledge", methods=["POST"])
@require(Permission.ACKNOWLEDGE_EXCURSIONS)
def excursion_acknowledge(reference: str, record_id: int) -> Any:
    comment = request.form.get("comment", "")
    return _review(reference, "acknowledged", _("Excursion acknowledged."), lambda session: (
        excursions.acknowledge_record(session, record_id, by=current_user.username, comment=comment,
                                      now=datetime.now(UTC))))


@blueprint.route("/shipments/<reference>/excursions/<int:record_id>/resolve", methods=["POST"])
@require(Permission.RESOLVE_EXCURSIONS)
def excursion_resolve(reference: str, record_id: int) -> Any:
    form = request.form
    return _review(reference, "resolved", _("Excursion resolved."), lambda session: excursions.resolve_record(
        session, record_id, by=current_user.username, assessment=form.get("assessment", ""),
        disposition=form.get("disposition", ""), now=datetime.now(UTC)))


def _review(reference: str, done: str, message: str, step: Any) -> Any:
    return _change_shipment(reference, f"excursion {done}", message, step, "#excursions")


def _change_shipment(reference: str, reason: str, done: str, step: Any, anchor: str = "") -> Any:
    """Make one change from a button on the shipment page, then show the page again with the outcome."""
    return db.one_change(reason, done, step, url_for("pages.shipment_detail", reference=reference) + anchor)


@blueprint.route("/shipments/new", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def shipment_new() -> Any:
    session = db.session()
    if request.method == "GET":
        return _form(None, {})
    try:
        draft = read_create_form(request.form, catalogue.site_zones(session))
        shipments.create_shipment(db.writing("created"), draft)
        db.commit()
    except InputError as error:
        session.rollback()
        return _form(None, error.errors), 422
    flash(_("Shipment %(reference)s created.", reference=draft.reference), "info")
    return redirect(url_for("pages.shipment_detail", reference=draft.reference))


@blueprint.route("/shipments/<reference>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_SHIPMENTS)
def shipment_edit(reference: str) -> Any:
    session = db.session()
    try:
        shipments.get_shipment(session, reference)
    except NotFound:
        abort(404)
    if request.method == "GET":
        return _form(reference, {})
    reason = request.form.get("reason", "").strip()
    try:
        if not reason:
            raise InputError({"reason": _("say why the record changes (kept in the audit trail)")})
        if len(reason) > MAX_REASON_CHARACTERS:  # the audit trail keeps as much
            raise InputError({"reason": _("at most %(count)d characters", count=MAX_REASON_CHARACTERS)})
        changes = read_update_form(request.form, catalogue.site_zones(session))
        shipments.update_shipment(db.writing(reason), reference, changes, now=datetime.now(UTC))
        db.commit()
    except InputError as error:
        session.rollback()
        return _form(reference, error.errors), 422
    flash(_("Shipment %(reference)s saved.", reference=reference), "info")
    return redirect(url_for("pages.shipment_detail", reference=reference))


@blueprint.route("/shipments/<reference>/lines", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def shipment_line_add(reference: str) -> Any:
    lot, quantity = request.form.get("lot", ""), typed_quantity(request.form.get("quantity", ""))

    def add(session: Any) -> None:
        shipments.add_line(session, reference, lot=lot, quantity=quantity,
                           default_most=db.runtime().settings.max_quantity)

    return _change_shipment(reference, f"line added: {lot} {quantity}", _("%(lot)s added.", lot=lot), add,
                            "#contents")


@blueprint.route("/shipments/<reference>/loggers", methods=["POST"])
@require(Permission.MANAGE_LOGGERS)
def shipment_logger_assign(reference: str) -> Any:
    code = request.form.get("logger", "").strip()

    def assign(session: Any) -> None:
        origin = shipments.describe_shipment(session, reference).origin
        zone = catalogue.site_zones(session)[origin]
        starts_at = read_local_time(request.form, "starts_at", zone) or datetime.now(UTC)
        loggers.assign(session, logger_code=code, reference=reference, starts_at=starts_at)

    return _change_shipment(reference, f"logger {code} assigned", _("%(code)s assigned.", code=code), assign,
                            "#loggers")


@blueprint.route("/shipments/<reference>/loggers/<code>/stop", methods=["POST"])
@require(Permission.MANAGE_LOGGERS)
def shipment_logger_stop(reference: str, code: str) -> Any:
    def stop(session: Any) -> None:
        try:
            loggers.stop_recording(session, reference=reference, logger_code=code, at=datetime.now(UTC))
        except loggers.NotRecording:  # said in the reader's language
            raise InputError({"logger": _("%(code)s is not recording for %(reference)s", code=code,
                                          reference=reference)}) from None

    return _change_shipment(reference, f"logger {code} stopped", _("%(code)s stopped.", code=code), stop,
                            "#loggers")


@blueprint.route("/shipments/<reference>/milestones", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def shipment_milestone_add(reference: str) -> Any:
    def add(session: Any) -> None:
        destination = shipments.describe_shipment(session, reference).destination
        zones = catalogue.site_zones(session)
        milestone = read_milestone_form(request.form, zones, zones[destination])
        shipments.add_milestone(session, reference, milestone)

    return _change_shipment(reference, "milestone added", _("Milestone added."), add, "#milestones")


@blueprint.route("/shipments/<reference>/status", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def shipment_status(reference: str) -> Any:
    target = request.form.get("status", "")
    reason = request.form.get("reason", "").strip() or f"status set to {target}"
    done = _("Shipment %(reference)s is now %(status)s.", reference=reference, status=label(target))

    def change(session: Any) -> None:
        try:
            shipments.update_shipment(session, reference, _status_change(target), now=datetime.now(UTC),
                                      profiles=db.runtime().profiles)
        except DispatchBlocked as blocked:  # said above the buttons; the reasons are in the panel beside
            raise InputError({form_state.WHOLE_FORM: blocked.errors["status"]}) from None

    return _change_shipment(reference, reason, done, change, "#dispatch")


def _status_change(target: str) -> ShipmentUpdate:
    try:
        return ShipmentUpdate(status=target)
    except ValidationError as error:
        raise input_error_from(error) from None


def _form(reference: str | None, errors: dict[str, str]) -> str:
    """The create (no reference) or edit form, with the fields refused named in `errors`."""
    if errors:
        form_state.refuse(errors)
    shown = shipment_views.form_view(db.session(), reference)
    return render_template("shipments/form.html", shipment=shown.shipment, errors=errors,
                           form=request.form, sites=shown.choices.sites, zones=shown.choices.zones,
                           lanes=shown.lanes)


shipment_removals.add_routes(blueprint)  # removing a line, leg or logger: on this blueprint, with a reason
dispatch.add_page_routes(blueprint)  # QA's override of the dispatch gate
