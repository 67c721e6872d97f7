"""The shipment's replay page: its readings judged again under another profile, version or range, beside
the excursions it has. A GET: it reads, and changes nothing."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, render_template, request

from logistics.services import replay
from logistics.services.errors import InputError, NotFound
from logistics.web import db
from logistics.web.i18n import gettext as _

blueprint = Blueprint("replay", __name__)
NUMBERS = ("min_c", "max_c", "max_hold_minutes")


@blueprint.route("/shipments/<reference>/replay")
def replay_page(reference: str) -> Any:
    """?profile=NAME@VERSION&min_c=&max_c=&max_hold_minutes=: without `profile` in the query, the form."""
    errors: dict[str, str] = {}
    asked = _request(errors) if "profile" in request.args else None
    session, current, now = db.session(), db.runtime().profiles, datetime.now(UTC)
    try:
        try:
            shown = replay.replay_page(session, reference, None if errors else asked, current, now=now)
        except InputError as error:
            errors = error.errors
            shown = replay.replay_page(session, reference, None, current, now=now)
    except NotFound:
        abort(404)
    page = render_template("shipments/replay.html", page=shown, errors=errors, values=request.args)
    return (page, 422) if errors else page


def _request(errors: dict[str, str]) -> replay.ReplayRequest:
    numbers = {name: _number(name, errors) for name in NUMBERS}
    return replay.ReplayRequest(profile=request.args.get("profile", ""), **numbers)


def _number(name: str, errors: dict[str, str]) -> float | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors[name] = _("enter a number, e.g. %(example)s", example="10")
    return value
