"""The JSON API for a shipment's route legs: append one, record when one started or ended, and correct or
delete one that has not started (with a reason, kept in the audit trail).

`add_routes` puts the routes on the API blueprint of `logistics.web.api`, so they share its prefix, error
handlers and the rule that writes need a bearer token. Each answer is the whole shipment, whose
`route_warnings` say what does not add up in the route (a gap is allowed, and said there).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from logistics.core.roles import Permission
from logistics.schemas.shipments import LegCorrection, LegCreate, LegRemoval, LegTimes, ShipmentPublic
from logistics.services import legs, shipments
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body
from logistics.web.auth import require


@described.operation("POST", "/shipments/{reference}/legs",
                     "Append a leg to the route: refused when it starts before the legs ahead of it end, "
                     "lasts no time, goes nowhere, or leaves from where the leg before took the goods away",
                     body=LegCreate, response=ShipmentPublic, status=201)
@require(Permission.EDIT_SHIPMENTS)
def add_leg(reference: str) -> Any:
    legs.add_leg(db.writing("leg added through the API"), reference, read_body(LegCreate))
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference), 201)


@described.operation("PATCH", "/shipments/{reference}/legs/{sequence}",
                     "Record when a leg actually started or ended", body=LegTimes, response=ShipmentPublic)
@require(Permission.EDIT_SHIPMENTS)
def record_leg(reference: str, sequence: int) -> Any:
    legs.record_leg(db.writing(f"leg {sequence} times recorded through the API"), reference, sequence,
                    read_body(LegTimes))
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference))


@described.operation("PUT", "/shipments/{reference}/legs/{sequence}",
                     "Correct a leg that has not started: send every planned field as it should be and the "
                     "`reason`; the audit trail keeps each change, old and new, with it",
                     body=LegCorrection, response=ShipmentPublic)
@require(Permission.EDIT_SHIPMENTS)
def correct_leg(reference: str, sequence: int) -> Any:
    draft = read_body(LegCorrection)
    legs.correct_leg(db.writing(draft.reason.strip()), reference, sequence, draft, reason=draft.reason)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference))


@described.operation("DELETE", "/shipments/{reference}/legs/{sequence}",
                     "Delete a leg that has not started, with the `reason` (the other legs keep their "
                     "numbers)",
                     body=LegRemoval, response=ShipmentPublic)
@require(Permission.EDIT_SHIPMENTS)
def delete_leg(reference: str, sequence: int) -> Any:
    draft = read_body(LegRemoval)
    legs.delete_leg(db.writing(draft.reason.strip()), reference, sequence, reason=draft.reason)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference))


def add_routes(api: Blueprint) -> None:
    """The leg routes on the API's blueprint."""
    api.add_url_rule("/shipments/<reference>/legs", view_func=add_leg, methods=["POST"])
    api.add_url_rule("/shipments/<reference>/legs/<int:sequence>", view_func=record_leg, methods=["PATCH"])
    api.add_url_rule("/shipments/<reference>/legs/<int:sequence>", view_func=correct_leg, methods=["PUT"])
    api.add_url_rule("/shipments/<reference>/legs/<int:sequence>", view_func=delete_leg, methods=["DELETE"])
