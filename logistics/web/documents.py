"""Printed documents of a shipment, served as PDF to every signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user

from logistics.core.roles import Permission
from logistics.services import documents
from logistics.services.errors import NotFound
from logistics.web import db
from logistics.web.i18n import catalog

blueprint = Blueprint("documents", __name__)


@blueprint.route("/shipments/<reference>/packing-list.pdf")
def packing_list(reference: str) -> Any:
    """The packing list; printed by someone who edits shipments, with the hand-over link's QR code too."""
    secret = str(current_app.config["SECRET_KEY"]) if current_user.can(Permission.EDIT_SHIPMENTS) else None
    return _pdf(reference, partial(documents.packing_list_pdf, translate=catalog().ugettext,
                                   handover_secret=secret),
                documents.packing_list_file_name(reference))


@blueprint.route("/shipments/<reference>/receipt-report.pdf")
def receipt_report(reference: str) -> Any:
    return _pdf(reference, documents.receipt_report_pdf, documents.receipt_report_file_name(reference))


def _pdf(reference: str, make: Callable[..., bytes], file_name: str) -> Any:
    runtime = db.runtime()
    try:
        content = make(db.session(), reference, settings=runtime.settings, profiles=runtime.profiles,
                       now=datetime.now(UTC))
    except NotFound:
        abort(404)
    # Inline: the browser shows it and prints it; the name is what "save" suggests.
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={file_name}"})
