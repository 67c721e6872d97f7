"""Printed documents of a shipment, served as PDF to every signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort

from logistics.services import documents
from logistics.services.errors import NotFound
from logistics.web import db
from logistics.web.i18n import catalog

blueprint = Blueprint("documents", __name__)


@blueprint.route("/shipments/<reference>/packing-list.pdf")
def packing_list(reference: str) -> Any:
    return _pdf(reference, partial(documents.packing_list_pdf, translate=catalog().ugettext),
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
