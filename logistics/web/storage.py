"""Pages for storage zones (a site's fridges and freezers, each watched by its loggers) and for each lot's
stability passport: its life over shipments and storage, against its allowance."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from logistics.core.excursion_review import DISPOSITIONS
from logistics.core.excursion_types import Window
from logistics.core.roles import Permission
from logistics.core.spreadsheet import safe_record
from logistics.services import catalogue, excursions, loggers, stability, storage
from logistics.services.errors import InputError, NotFound
from logistics.web import db, form_state, svg_chart
from logistics.web.auth import require
from logistics.web.forms import read_local_time
from logistics.web.i18n import gettext as _
from logistics.web.pages import moment_arg, profile_arg

blueprint = Blueprint("storage", __name__)


@blueprint.route("/storage")
def zone_list() -> Any:
    return _zone_list({}, {})


@blueprint.route("/storage", methods=["POST"])
@require(Permission.MANAGE_LOGGERS)
def zone_add() -> Any:
    form = request.form
    code = form.get("code", "").strip()
    try:
        storage.add_zone(db.writing(f"storage zone {code} added"), db.runtime().profiles,
                         site=form.get("site", ""), code=code, name=form.get("name", ""),
                         storage_profile=form.get("storage_profile", ""))
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _zone_list(error.errors, form), 422
    flash(_("Storage zone %(code)s added.", code=code), "info")
    return redirect(url_for("storage.zone_detail", code=code))


def _zone_list(errors: dict[str, str], form: Any) -> str:
    if errors:
        form_state.refuse(errors)
    session = db.session()
    return render_template("storage/zones.html", rows=storage.zone_rows(session, now=datetime.now(UTC)),
                           profiles=db.runtime().profiles, sites=catalogue.sites(session), errors=errors,
                           form=form)


@blueprint.route("/storage/<code>")
def zone_detail(code: str) -> Any:
    try:
        shown = storage.zone_view(db.session(), code, now=datetime.now(UTC))
    except NotFound:
        abort(404)
    return render_template("storage/zone.html", shown=shown, zone=shown.row.zone, site=shown.row.site,
                           profile=db.runtime().profiles.get(shown.row.zone.storage_profile),
                           dispositions=DISPOSITIONS)


@blueprint.route("/storage/<code>/loggers", methods=["POST"])
@require(Permission.MANAGE_LOGGERS)
def zone_logger_assign(code: str) -> Any:
    logger = request.form.get("logger", "").strip()

    def assign(session: Any) -> None:
        timezone = storage.zone_timezone(session, storage.get_zone(session, code))
        starts_at = read_local_time(request.form, "starts_at", timezone) or datetime.now(UTC)
        loggers.assign_to_zone(session, logger_code=logger, zone_code=code, starts_at=starts_at)

    return _change_zone(code, f"logger {logger} assigned to storage zone {code}",
                        _("%(code)s assigned.", code=logger), assign)


@blueprint.route("/storage/<code>/loggers/<logger>/stop", methods=["POST"])
@require(Permission.MANAGE_LOGGERS)
def zone_logger_stop(code: str, logger: str) -> Any:
    def stop(session: Any) -> None:
        storage.get_zone(session, code)  # an unknown zone is a page that does not exist
        loggers.stop_watching(session, zone_code=code, logger_code=logger, at=datetime.now(UTC))

    return _change_zone(code, f"logger {logger} stopped in storage zone {code}",
                        _("%(code)s stopped.", code=logger), stop)


@blueprint.route("/storage/<code>/excursions/<int:record_id>/acknowledge", methods=["POST"])
@require(Permission.ACKNOWLEDGE_EXCURSIONS)
def excursion_acknowledge(code: str, record_id: int) -> Any:
    comment = request.form.get("comment", "")

    def acknowledge(session: Any) -> None:
        storage.zone_record(session, code, record_id)
        excursions.acknowledge_record(session, record_id, by=current_user.username, comment=comment,
                                      now=datetime.now(UTC))

    return _change_zone(code, "excursion acknowledged", _("Excursion acknowledged."), acknowledge)


@blueprint.route("/storage/<code>/excursions/<int:record_id>/resolve", methods=["POST"])
@require(Permission.RESOLVE_EXCURSIONS)
def excursion_resolve(code: str, record_id: int) -> Any:
    form = request.form

    def resolve(session: Any) -> None:
        storage.zone_record(session, code, record_id)
        excursions.resolve_record(session, record_id, by=current_user.username,
                                  assessment=form.get("assessment", ""),
                                  disposition=form.get("disposition", ""), now=datetime.now(UTC))

    return _change_zone(code, "excursion resolved", _("Excursion resolved."), resolve)


def _change_zone(code: str, reason: str, done: str, step: Callable[[Any], None]) -> Any:
    """One change from a button on the zone's page, then the page again with the outcome."""
    return db.one_change(reason, done, step, url_for("storage.zone_detail", code=code))


@blueprint.route("/storage/<code>/charts")
def zone_charts(code: str) -> Any:
    """One of the zone's loggers over a piece of a lot's storage: ?logger=, ?start= and ?end= (Unix
    milliseconds; no end while the lot is still held), judged by ?profile= (the lot's; the zone's by
    default), within ?from=&to= when zooming. As a list of charts, like a shipment's."""
    session, profiles = db.session(), db.runtime().profiles
    try:
        zone = storage.get_zone(session, code)
        start, end, since, until = (moment_arg(name) for name in ("from", "to", "start", "end"))
        if since is None:
            raise ValueError("start: the start of the storage piece, in Unix milliseconds")
        if until is not None and until <= since:
            raise ValueError("end: after start")
        profile = profile_arg(profiles) or profiles[zone.storage_profile]
        chart = storage.zone_chart(session, code, request.args.get("logger", ""), profile,
                                   Window(since, until), now=datetime.now(UTC), start=start, end=end)
    except NotFound:
        abort(404)
    except ValueError as error:
        return jsonify({"error": str(error)}), 400
    return jsonify([chart.as_json()] if chart else [])


# --- A lot's stability passport ---------------------------------------------------------------------------

@blueprint.route("/lots/<item>/<lot>")
def passport(item: str, lot: str) -> Any:
    shown = _passport(item, lot)
    charts = None
    if shown.use:
        charts = svg_chart.on_every_canvas(partial(
            svg_chart.budget_use, [(point.at, point.used_s, point.equivalent_s) for point in shown.use],
            budget_s=shown.stability.budget_s, until=shown.now, zone=shown.timezone))
    return render_template("storage/passport.html", shown=shown, s=shown.stability, charts=charts)


@blueprint.route("/lots/<item>/<lot>/passport.csv")
def passport_csv(item: str, lot: str) -> Any:
    shown = _passport(item, lot)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(stability.PASSPORT_COLUMNS))
    writer.writeheader()
    writer.writerows(safe_record(row) for row in stability.passport_rows(shown))
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"passport-{item}-{lot}.csv")
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _passport(item: str, lot: str) -> stability.Passport:
    try:
        return stability.lot_passport(db.session(), item, lot, db.runtime().profiles, now=datetime.now(UTC))
    except NotFound:
        abort(404)
