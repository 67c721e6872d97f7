"""The dispatch gate on the web: QA's override from a shipment's page, and the gate in the JSON API (its
state, the override, and the 422 that lists the reasons when a departure is refused). The page's panel
("Ready to dispatch") is drawn from the shipment's view model; marking it departed goes through
`pages.shipment_status`, which says the refusal beside the button."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from logistics.core.roles import Permission
from logistics.schemas.dispatch import DispatchGatePublic, DispatchOverrideCreate
from logistics.services import dispatch_gate, shipments
from logistics.services.dispatch_gate import DispatchBlocked
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body
from logistics.web.auth import require


def add_page_routes(pages: Blueprint) -> None:
    """QA's override, on the shipment pages' blueprint."""
    pages.add_url_rule("/shipments/<reference>/dispatch-override", view_func=dispatch_override,
                       methods=["POST"])


@require(Permission.OVERRIDE_DISPATCH)
def dispatch_override(reference: str) -> Any:
    why = request.form.get("why", "")

    def override(session: Any) -> None:
        shipment = shipments.get_shipment(session, reference)
        dispatch_gate.override_gate(session, shipment, why=why, by=current_user.username,
                                    now=datetime.now(UTC), profiles=db.runtime().profiles)

    return db.one_change(f"dispatch gate overridden: {why.strip()[:200]}",
                         _("The dispatch gate's reasons are overridden: %(reference)s may leave.",
                           reference=reference), override,
                         url_for("pages.shipment_detail", reference=reference) + "#dispatch")


# -- the API ----------------------------------------------------------------------------------------------

@described.operation("GET", "/shipments/{reference}/dispatch-gate", "Whether the shipment may be marked "
                     "departed (in_transit) now: every reason the dispatch gate finds, those no QA override "
                     "covers (`blocking`), and the newest override", response=DispatchGatePublic)
def get_gate(reference: str) -> Any:
    shipment = shipments.get_shipment(db.session(), reference)
    state = dispatch_gate.gate_state(db.session(), shipment, now=datetime.now(UTC),
                                     profiles=db.runtime().profiles)
    return json_answer(dispatch_gate.public(state))


@described.operation("POST", "/shipments/{reference}/dispatch-override", "QA lets the shipment leave despite "
                     "the reasons the dispatch gate finds now (`why` is kept in the audit trail); a reason "
                     "found later is not covered", body=DispatchOverrideCreate, response=DispatchGatePublic,
                     status=201)
@require(Permission.OVERRIDE_DISPATCH)
def override_gate(reference: str) -> Any:
    draft = read_body(DispatchOverrideCreate)
    session = db.writing(f"dispatch gate overridden through the API: {draft.why.strip()[:200]}")
    shipment = shipments.get_shipment(session, reference)
    now, profiles = datetime.now(UTC), db.runtime().profiles
    dispatch_gate.override_gate(session, shipment, why=draft.why, by=current_user.username, now=now,
                                profiles=profiles)
    db.commit()
    state = dispatch_gate.gate_state(db.session(), shipment, now=now, profiles=profiles)
    return json_answer(dispatch_gate.public(state), 201)


def blocked(error: DispatchBlocked) -> Any:
    """A departure refused by the gate: 422, the field, and every reason no override covers."""
    reasons = dispatch_gate.reasons_public(error.reasons)
    return jsonify(error="dispatch blocked", fields=error.errors,
                   reasons=[reason.model_dump() for reason in reasons]), 422


def add_api_routes(api: Blueprint) -> None:
    """The gate's routes and its refusal, on the API's blueprint."""
    api.add_url_rule("/shipments/<reference>/dispatch-gate", view_func=get_gate, methods=["GET"])
    api.add_url_rule("/shipments/<reference>/dispatch-override", view_func=override_gate, methods=["POST"])
    api.register_error_handler(DispatchBlocked, blocked)
