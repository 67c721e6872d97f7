"""The JSON API for lanes (route templates): list them, read one, record one, set one whole; and plan a
shipment from one. `add_routes` puts the routes on the API blueprint of `logistics.web.api` (its prefix,
error handlers and the rule that writes need a bearer token)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint
from pydantic import ValidationError

from logistics.core.roles import Permission
from logistics.schemas.lane_analytics import LaneAnalyticsPublic
from logistics.schemas.lanes import (
    LaneCreate,
    LaneFields,
    LaneList,
    LanePublic,
    LaneShipment,
    LaneShipmentRequest,
)
from logistics.schemas.shipments import ShipmentPublic
from logistics.services import lane_analytics, lanes, shipments
from logistics.services.errors import InputError, input_error_from
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body
from logistics.web.auth import require


@described.operation("GET", "/lanes", "List lanes (route templates)", response=LaneList)
def list_lanes() -> Any:
    return json_answer(lanes.list_lanes(db.session()))


@described.operation("GET", "/lanes/{code}", "One lane, with its legs and what the lane rules warn about",
                     response=LanePublic)
def get_lane(code: str) -> Any:
    return json_answer(lanes.describe_lane(db.session(), code))


@described.operation("GET", "/lanes/{code}/analytics", "How the lane's arrived shipments travelled: transit "
                     "and dwell planned against actual (p50, p90), excursions per 100 shipments by leg, stop "
                     "and carrier, time out of range by leg, by month of departure and Bangkok's season",
                     response=LaneAnalyticsPublic)
def get_lane_analytics(code: str) -> Any:
    shown = lane_analytics.lane_analytics(db.session(), code, db.runtime().profiles, now=datetime.now(UTC))
    return json_answer(lane_analytics.public(shown))


@described.operation("POST", "/lanes", "Record a lane: refused, naming the field, unless its legs join up "
                     "from origin to destination and each takes some time",
                     body=LaneCreate, response=LanePublic, status=201)
@require(Permission.EDIT_SHIPMENTS)
def create_lane() -> Any:
    draft = read_body(LaneCreate)
    lanes.create_lane(db.writing(draft.reason or "lane added through the API"), draft, db.runtime().profiles)
    db.commit()
    return json_answer(lanes.describe_lane(db.session(), draft.code), 201)


@described.operation("PUT", "/lanes/{code}", "Set a lane whole: every field and leg as it should be, with "
                     "the `reason`; the audit trail keeps each change, old and new",
                     body=LaneFields, response=LanePublic)
@require(Permission.EDIT_SHIPMENTS)
def update_lane(code: str) -> Any:
    draft = read_body(LaneFields)
    if not (draft.reason or "").strip():
        raise InputError({"reason": "say why the lane changes (kept in the audit trail)"})
    lanes.update_lane(db.writing(draft.reason or ""), code, draft, db.runtime().profiles)
    db.commit()
    return json_answer(lanes.describe_lane(db.session(), code))


@described.operation("POST", "/lanes/{code}/shipments", "New shipment from lane: its legs planned from "
                     "`planned_departure`, its packaging and coolant from the lane", body=LaneShipmentRequest,
                     response=ShipmentPublic, status=201)
@require(Permission.EDIT_SHIPMENTS)
def ship_from_lane(code: str) -> Any:
    request = read_body(LaneShipmentRequest)
    session = db.writing(f"planned from lane {code} through the API")
    plan = lanes.shipment_plan(session, code, reference=request.reference,
                               departure=request.planned_departure)
    fields = plan.shipment.model_dump() | {"air_waybill": request.air_waybill,
                                           "import_permit": request.import_permit}
    try:  # the plan was built unchecked: the reference and air waybill are checked here
        confirmed = LaneShipment.model_validate(plan.model_dump() | {"shipment": fields,
                                                                     "loggers": request.loggers})
    except ValidationError as error:
        raise InputError({field.removeprefix("shipment."): message
                          for field, message in input_error_from(error).errors.items()}) from None
    lanes.create_from_lane(session, confirmed)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), request.reference), 201)


def add_routes(api: Blueprint) -> None:
    """The lane routes on the API's blueprint."""
    api.add_url_rule("/lanes", view_func=list_lanes, methods=["GET"])
    api.add_url_rule("/lanes/<code>", view_func=get_lane, methods=["GET"])
    api.add_url_rule("/lanes/<code>/analytics", view_func=get_lane_analytics, methods=["GET"])
    api.add_url_rule("/lanes", view_func=create_lane, methods=["POST"])
    api.add_url_rule("/lanes/<code>", view_func=update_lane, methods=["PUT"])
    api.add_url_rule("/lanes/<code>/shipments", view_func=ship_from_lane, methods=["POST"])
