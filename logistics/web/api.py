"""The JSON API under /api/v1. Writes need a bearer token; errors are JSON naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import current_user

from logistics.core.epcis import EPCIS_SCHEMA_ID, MEDIA_TYPES
from logistics.core.excursion_types import LoggerSummary
from logistics.core.limits import MAX_PAGE
from logistics.core.roles import Permission
from logistics.schemas.loggers import (
    LoggerCreate,
    LoggerCredentials,
    LoggerList,
    LoggerPublic,
    LoggerTimeList,
    LoggerTimePublic,
    RejectionPage,
)
from logistics.schemas.records import (
    Acknowledgement,
    AlertPage,
    AlertPublic,
    AuditEventPublic,
    AuditPage,
    DeliveryPublic,
    ExcursionList,
    ExcursionPublic,
    LotStabilityList,
    LotStabilityPublic,
    Resolution,
)
from logistics.schemas.shipments import (
    AssignmentCreate,
    LineCreate,
    MilestoneCreate,
    ShipmentCreate,
    ShipmentPage,
    ShipmentPublic,
    ShipmentUpdate,
)
from logistics.services import alerts, audit, epcis, excursions, loggers, shipments, stability, telemetry
from logistics.services.errors import InputError, NotFound
from logistics.web import (
    api_forecast,
    api_items,
    api_lanes,
    api_legs,
    api_metrics,
    api_permits,
    api_readings,
    api_sites,
    api_stock,
    api_storage,
    db,
    dispatch,
)
from logistics.web.api_io import described, json_answer, read_body, read_paging
from logistics.web.auth import require
from logistics.web.forms import FILTER_PARAMETERS, read_filters

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@blueprint.before_request
def _writes_need_a_token() -> Any:
    # A session cookie may read, but only a bearer token may write: no CSRF exposure.
    if request.method not in SAFE_METHODS and not g.get("authenticated_by_token"):
        return jsonify(error="writes need Authorization: Bearer TOKEN"), 401
    return None


@blueprint.errorhandler(InputError)
def _input_error(error: InputError) -> Any:
    return jsonify(error="invalid input", fields=error.errors), 422


@blueprint.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    return jsonify(error=str(error)), 404


@blueprint.route("/openapi.json")
def openapi() -> Any:
    return jsonify(described.document(current_app))


@blueprint.route("/shipments")
@described.operation("GET", "/shipments", "List shipments", response=ShipmentPage, query=(
    *FILTER_PARAMETERS,
    ("page", "integer", f"Page number, from 1 to {MAX_PAGE:,}"),
    ("per_page", "integer", "Rows per page (at most 200)"),
))
def list_shipments() -> Any:
    page, per_page = read_paging()
    result = shipments.list_shipments(db.session(), read_filters(request.args), page=page, per_page=per_page)
    return json_answer(result)


@blueprint.route("/shipments/<reference>")
@described.operation("GET", "/shipments/{reference}", "One shipment, whole",
                     response=ShipmentPublic)
def get_shipment(reference: str) -> Any:
    return json_answer(shipments.describe_shipment(db.session(), reference))


@blueprint.route("/shipments", methods=["POST"])
@described.operation("POST", "/shipments", "Create a shipment", body=ShipmentCreate,
                     response=ShipmentPublic, status=201)
@require(Permission.EDIT_SHIPMENTS)
def create_shipment() -> Any:
    draft = read_body(ShipmentCreate)
    shipments.create_shipment(db.writing("created through the API"), draft)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), draft.reference), 201)


@blueprint.route("/shipments/<reference>", methods=["PATCH"])
@described.operation("PATCH", "/shipments/{reference}",
                     "Change fields or status of a shipment (send `reason`); marking it in_transit passes "
                     "the dispatch gate: refused with 422 and every reason (`reasons`) no QA override covers",
                     body=ShipmentUpdate, response=ShipmentPublic)
@require(Permission.EDIT_SHIPMENTS)
def update_shipment(reference: str) -> Any:
    changes = read_body(ShipmentUpdate)
    session = db.writing(changes.reason or "changed through the API")
    shipments.update_shipment(session, reference, changes, now=datetime.now(UTC),
                              profiles=db.runtime().profiles)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference))


@blueprint.route("/shipments/<reference>/lines", methods=["POST"])
@described.operation("POST", "/shipments/{reference}/lines",
                     "Add a lot with a quantity and its unit (only while planned or packed)",
                     body=LineCreate, response=ShipmentPublic, status=201)
@require(Permission.EDIT_SHIPMENTS)
def add_line(reference: str) -> Any:
    draft = read_body(LineCreate)
    shipments.add_line(db.writing(f"line added through the API: {draft.lot}"), reference, lot=draft.lot,
                       quantity=draft.quantity, default_most=db.runtime().settings.max_quantity)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference), 201)


@blueprint.route("/shipments/<reference>/lines/<int:line_id>", methods=["DELETE"])
@described.operation("DELETE", "/shipments/{reference}/lines/{line_id}",
                     "Remove a line (only while planned or packed)", response=ShipmentPublic)
@require(Permission.EDIT_SHIPMENTS)
def remove_line(reference: str, line_id: int) -> Any:
    shipments.remove_line(db.writing("line removed through the API"), reference, line_id)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference))


@blueprint.route("/shipments/<reference>/milestones", methods=["POST"])
@described.operation("POST", "/shipments/{reference}/milestones", "Add a milestone", body=MilestoneCreate,
                     response=ShipmentPublic, status=201)
@require(Permission.EDIT_SHIPMENTS)
def add_milestone(reference: str) -> Any:
    milestone = read_body(MilestoneCreate)
    shipments.add_milestone(db.writing("milestone added through the API"), reference, milestone)
    db.commit()
    return json_answer(shipments.describe_shipment(db.session(), reference), 201)


@blueprint.route("/loggers")
@described.operation("GET", "/loggers", "The logger registry", response=LoggerList)
def list_loggers() -> Any:
    rows = loggers.list_loggers(db.session(), now=datetime.now(UTC))
    return json_answer(LoggerList(items=[loggers.public(row) for row in rows]))


@blueprint.route("/loggers", methods=["POST"])
@described.operation("POST", "/loggers", "Register a logger; the answer holds its secret, once",
                     body=LoggerCreate, response=LoggerCredentials, status=201)
@require(Permission.MANAGE_LOGGERS)
def register_logger() -> Any:
    draft = read_body(LoggerCreate)
    logger, secret = loggers.register_logger(db.writing("registered through the API"), **draft.model_dump(),
                                             reserved=loggers.reserved_ids(db.runtime().settings))
    db.commit()
    shown = loggers.public(loggers.LoggerRow(logger, None))
    return json_answer(LoggerCredentials(**shown.model_dump(), secret=secret), 201)


@blueprint.route("/loggers/<logger_id>/retire", methods=["POST"])
@described.operation("POST", "/loggers/{logger_id}/retire",
                     "Retire a logger for good: its readings stay; it may no longer connect or post readings "
                     "(run `logistics broker-config` and restart the broker to shut it out there)",
                     response=LoggerPublic)
@require(Permission.MANAGE_LOGGERS)
def retire_logger(logger_id: str) -> Any:
    logger = loggers.retire(db.writing("retired through the API"), logger_id, now=datetime.now(UTC))
    db.commit()
    return json_answer(loggers.public(loggers.LoggerRow(logger, None)))


@blueprint.route("/loggers/<logger_id>/assignments", methods=["POST"])
@described.operation("POST", "/loggers/{logger_id}/assignments",
                     "Assign a logger to a shipment, or to a storage zone, for a time window",
                     body=AssignmentCreate,
                     response=LoggerPublic, status=201)
@require(Permission.MANAGE_LOGGERS)
def assign_logger(logger_id: str) -> Any:
    draft = read_body(AssignmentCreate)
    session = db.writing("assigned through the API")
    if draft.storage_zone is not None:
        loggers.assign_to_zone(session, logger_code=logger_id, zone_code=draft.storage_zone,
                               starts_at=draft.starts_at, ends_at=draft.ends_at)
    else:
        loggers.assign(session, logger_code=logger_id, reference=draft.shipment or "",
                       starts_at=draft.starts_at, ends_at=draft.ends_at)
    db.commit()
    row = next(row for row in loggers.list_loggers(db.session(), now=datetime.now(UTC))
               if row.logger.code == logger_id)
    return json_answer(loggers.public(row), 201)


@blueprint.route("/ingest/rejections")
@described.operation("GET", "/ingest/rejections", "Telemetry that was rejected, newest first",
                     response=RejectionPage, query=(
                         ("logger", "string", "Only this logger id"),
                         ("page", "integer", f"Page number, from 1 to {MAX_PAGE:,}"),
                         ("per_page", "integer", "Rows per page (at most 200)"),
                     ))
def list_rejections() -> Any:
    page, per_page = read_paging()
    return json_answer(telemetry.list_rejections(db.session(), page=page, per_page=per_page,
                                           logger_code=request.args.get("logger") or None))


@blueprint.route("/shipments/<reference>/excursions")
@described.operation("GET", "/shipments/{reference}/excursions",
                     "The shipment's excursions, newest first (withdrawn ones left out)",
                     response=ExcursionList)
def list_excursions(reference: str) -> Any:
    session = db.session()
    record = shipments.get_shipment(session, reference)
    rows = excursions.listing(session, record.id)
    return json_answer(ExcursionList(items=[_excursion(row) for row in rows]))


@blueprint.route("/excursions/<int:record_id>/acknowledge", methods=["POST"])
@described.operation("POST", "/excursions/{record_id}/acknowledge",
                     "Acknowledge an open excursion, saying what is being done", body=Acknowledgement,
                     response=ExcursionPublic)
@require(Permission.ACKNOWLEDGE_EXCURSIONS)
def acknowledge_excursion(record_id: int) -> Any:
    draft = read_body(Acknowledgement)
    excursions.acknowledge_record(db.writing("acknowledged through the API"), record_id,
                                  by=current_user.username, comment=draft.comment, now=datetime.now(UTC))
    db.commit()
    return json_answer(_reviewed(record_id))


@blueprint.route("/excursions/<int:record_id>/resolve", methods=["POST"])
@described.operation("POST", "/excursions/{record_id}/resolve",
                     "Resolve an acknowledged excursion that has ended, with assessment and disposition",
                     body=Resolution, response=ExcursionPublic)
@require(Permission.RESOLVE_EXCURSIONS)
def resolve_excursion(record_id: int) -> Any:
    draft = read_body(Resolution)
    excursions.resolve_record(db.writing("resolved through the API"), record_id, by=current_user.username,
                              assessment=draft.assessment, disposition=draft.disposition,
                              now=datetime.now(UTC))
    db.commit()
    return json_answer(_reviewed(record_id))


def _reviewed(record_id: int) -> ExcursionPublic:
    return _excursion(excursions.listed(db.session(), record_id))


def _excursion(row: excursions.ExcursionRow) -> ExcursionPublic:
    fields = set(ExcursionPublic.model_fields) - {"logger"}
    return ExcursionPublic(logger=row.logger, **{name: getattr(row.record, name) for name in fields})


@blueprint.route("/shipments/<reference>/lots")
@described.operation("GET", "/shipments/{reference}/lots",
                     "Each lot the shipment carries, with its stability budget over its whole life",
                     response=LotStabilityList)
def list_lots(reference: str) -> Any:
    session = db.session()
    record = shipments.get_shipment(session, reference)
    rows = stability.shipment_lots(session, record, db.runtime().profiles, now=datetime.now(UTC))
    return json_answer(LotStabilityList(items=[LotStabilityPublic(
        item=row.item.code, lot=row.lot.lot_number, shipments=row.stability.shipments,
        storage_periods=row.stability.storage_periods, out_of_range_s=row.stability.out_of_range_s,
        equivalent_s=row.stability.equivalent_s, min_c=row.stability.min_c, max_c=row.stability.max_c,
        mkt_c=row.stability.mkt_c, budget_s=row.stability.budget_s, remaining_s=row.stability.remaining_s,
        limit_c=row.stability.limit_c, limit_exceeded=row.stability.limit_exceeded,
        state=row.stability.state.value) for row in rows]))


@blueprint.route("/shipments/<reference>/loggers")
@described.operation("GET", "/shipments/{reference}/loggers",
                     "Each logger's time in range, above, below and without data over its window in the "
                     "shipment, per storage profile of the goods", response=LoggerTimeList)
def list_logger_times(reference: str) -> Any:
    session = db.session()
    record = shipments.get_shipment(session, reference)
    rows = excursions.summaries(session, record, db.runtime().profiles, now=datetime.now(UTC))
    return json_answer(LoggerTimeList(items=[_logger_time(row) for row in rows]))


def _logger_time(row: LoggerSummary) -> LoggerTimePublic:
    evaluation, stats, time = row.evaluation, row.evaluation.stats, row.evaluation.partition
    return LoggerTimePublic(
        logger=row.logger, profile=row.profile.name, profile_version=row.profile.version,
        window_start=row.window.start, window_end=row.window.end, readings=evaluation.readings,
        start=evaluation.start, end=evaluation.end, min_c=stats.min_c if stats else None,
        max_c=stats.max_c if stats else None, mean_c=stats.mean_c if stats else None,
        mkt_c=stats.mkt_c if stats else None, time_in_range_s=time.in_range_s, time_above_s=time.above_s,
        time_below_s=time.below_s, time_no_data_s=time.no_data_s)


@blueprint.route("/shipments/<reference>/epcis")
@described.operation("GET", "/shipments/{reference}/epcis",
                     "The shipment's shipping and receiving events as an EPCIS 2.0 document (GS1's JSON "
                     "schema), with each logger's temperatures and alarms", media_types=MEDIA_TYPES,
                     schema_url=EPCIS_SCHEMA_ID)
def export_epcis(reference: str) -> Any:
    document = epcis.export_document(db.session(), reference, db.runtime().profiles, now=datetime.now(UTC))
    media_type = request.accept_mimetypes.best_match(MEDIA_TYPES, default=MEDIA_TYPES[0])
    return Response(json.dumps(document, ensure_ascii=False), mimetype=media_type)


@blueprint.route("/alerts")
@described.operation("GET", "/alerts", "Alerts raised, newest first, with their deliveries",
                     response=AlertPage, query=(
                         ("kind", "string", "Only this kind (excursion, silent_logger, stability, ...)"),
                         ("severity", "string", "Only this severity"),
                         ("undelivered", "boolean", "Only alerts with a delivery still pending or failed"),
                         ("page", "integer", f"Page number, from 1 to {MAX_PAGE:,}"),
                         ("per_page", "integer", "Rows per page (at most 200)"),
                     ))
def list_alerts() -> Any:
    page, per_page = read_paging()
    args = request.args
    result = alerts.list_alerts(db.session(), kind=args.get("kind") or None,
                                severity=args.get("severity") or None,
                                undelivered=args.get("undelivered", "").lower() in ("1", "true", "yes"),
                                page=page, per_page=per_page)
    items = [AlertPublic(**row.alert.model_dump(exclude={"id"}), deliveries=[
        DeliveryPublic(**delivery.model_dump(include=set(DeliveryPublic.model_fields)))
        for delivery in row.deliveries]) for row in result.rows]
    return json_answer(AlertPage(items=items, page=page, per_page=per_page, total=result.total))


@blueprint.route("/audit")
@described.operation("GET", "/audit", "The audit trail, newest first (read only)", response=AuditPage, query=(
    ("entity", "string", "Kind of record (table name, e.g. shipments)"),
    ("entity_id", "string", "Record id"),
    ("actor", "string", "Who made the change"),
    ("page", "integer", f"Page number, from 1 to {MAX_PAGE:,}"),
    ("per_page", "integer", "Rows per page (at most 500)"),
))
def list_audit() -> Any:
    page, per_page = read_paging(default=100, most=500)
    args = request.args
    result = audit.search(db.session(), audit.AuditFilter(kind=args.get("entity") or None,
                                                          entity_id=args.get("entity_id") or None,
                                                          actor=args.get("actor") or None),
                          page=page, per_page=per_page)
    items = [AuditEventPublic(**event.model_dump(include=set(AuditEventPublic.model_fields)))
             for event in result.events]
    return json_answer(AuditPage(items=items, page=page, per_page=per_page, total=result.total))


# The API's other routes, on this blueprint: its prefix, its error handlers and the token rule for writes.
for part in (api_items, api_legs, api_lanes, api_forecast, api_metrics, api_permits, api_readings,
             api_sites, api_stock, api_storage):
    part.add_routes(blueprint)
dispatch.add_api_routes(blueprint)
