"""Removing a part of a shipment from its page: a line, a logger assigned by mistake. Each asks why (kept as
the audit event's reason) and is refused without a reason. A leg not yet started is removed the same way,
through the legs' own route (`web.legs.delete`, `services.legs`), which also checks it against the route."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import gettext as _

from logistics.core.limits import MAX_REASON_CHARACTERS
from logistics.core.roles import Permission
from logistics.services import loggers, shipments
from logistics.services.errors import InputError
from logistics.web import db
from logistics.web.auth import require


def add_routes(pages: Blueprint) -> None:
    """The removals, on the shipment pages' blueprint."""
    pages.add_url_rule("/shipments/<reference>/lines/<int:line_id>/remove", view_func=shipment_line_remove,
                       methods=["POST"])
    pages.add_url_rule("/shipments/<reference>/loggers/<int:assignment_id>/remove",
                       view_func=shipment_logger_remove, methods=["POST"])


@require(Permission.EDIT_SHIPMENTS)
def shipment_line_remove(reference: str, line_id: int) -> Any:
    return _remove(reference, _("Line removed."),
                   lambda session: shipments.remove_line(session, reference, line_id), "#contents")


@require(Permission.MANAGE_LOGGERS)
def shipment_logger_remove(reference: str, assignment_id: int) -> Any:
    def remove(session: Any) -> None:
        try:
            loggers.remove_assignment(session, reference=reference, assignment_id=assignment_id)
        except loggers.AssignmentIsEvidence as kept:
            raise InputError({"logger": _evidence_problem(kept)}) from None

    return _remove(reference, _("Logger removed from the shipment."), remove, "#loggers")


def _evidence_problem(kept: loggers.AssignmentIsEvidence) -> str:
    if kept.why == "received":
        return _("%(code)s stays: the shipment is received, and its loggers are part of the receipt",
                 code=kept.logger_code)
    return _("%(code)s stays: excursions were found in its readings; stop it instead", code=kept.logger_code)


def _remove(reference: str, done: str, step: Any, anchor: str) -> Any:
    """Remove a part for the reason typed, then show the shipment again; without a reason: refused."""
    reason = request.form.get("reason", "").strip()

    def checked(session: Any) -> None:
        if not reason:
            raise InputError({"reason": _("say why it is removed (kept in the audit trail)")})
        if len(reason) > MAX_REASON_CHARACTERS:
            raise InputError({"reason": _("at most %(count)d characters", count=MAX_REASON_CHARACTERS)})
        step(session)

    back_to = url_for("pages.shipment_detail", reference=reference) + anchor
    return db.one_change(reason[:MAX_REASON_CHARACTERS], done, checked, back_to)
