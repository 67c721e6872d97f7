"""Pages for the logger registry and for rejected telemetry."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from logistics.core.roles import Permission
from logistics.services import loggers, telemetry
from logistics.services.errors import InputError
from logistics.web import db, form_state
from logistics.web.auth import require
from logistics.web.forms import page_number

blueprint = Blueprint("registry", __name__)


@blueprint.route("/loggers")
def logger_list() -> Any:
    return _logger_page({}, None)


@blueprint.route("/loggers", methods=["POST"])
@require(Permission.MANAGE_LOGGERS)
def logger_add() -> Any:
    form = request.form
    try:
        due = form.get("calibration_due", "").strip()
        calibration_due = date.fromisoformat(due) if due else None
    except ValueError:
        return _logger_page({"calibration_due": "enter a date, e.g. 2027-03-31"}, None), 422
    try:
        logger, secret = loggers.register_logger(
            db.writing("registered"), code=form.get("code", "").strip(),
            serial=form.get("serial", ""), model=form.get("model", "").strip() or None,
            calibration_due=calibration_due, reserved=loggers.reserved_ids(db.runtime().settings))
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _logger_page(error.errors, None), 422
    return _logger_page({}, (logger.code, secret))


@blueprint.route("/loggers/<code>/retire", methods=["POST"])
@require(Permission.MANAGE_LOGGERS)
def logger_retire(code: str) -> Any:
    done = _("%(code)s retired: it can no longer post readings over HTTP. Run logistics broker-config and "
             "restart Mosquitto to shut it out of the broker.", code=code)
    return db.one_change("retired", done,
                         lambda session: loggers.retire(session, code, now=datetime.now(UTC)),
                         url_for("registry.logger_list"))


def _logger_page(errors: dict[str, str], created: tuple[str, str] | None) -> str:
    if errors:
        form_state.refuse(errors)
    rows = loggers.list_loggers(db.session(), now=datetime.now(UTC))
    return render_template("loggers/list.html", rows=rows, errors=errors, created=created,
                           form=request.form if errors else {}, today=datetime.now(UTC).date())


@blueprint.route("/ingest/rejections")
def rejections() -> Any:
    page = page_number(request.args)
    per_page = db.runtime().settings.page_size
    logger_code = request.args.get("logger", "").strip() or None
    result = telemetry.list_rejections(db.session(), page=page, per_page=per_page,
                                       logger_code=logger_code)
    return render_template("rejections.html", result=result, logger=logger_code or "",
                           pages=max(math.ceil(result.total / per_page), 1))
