"""Telemetry over HTTP (SPEC §3) for loggers and gateways without MQTT, with the logger's own token."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from logistics.schemas.loggers import IngestCounts
from logistics.services.loggers import authenticate_logger
from logistics.services.telemetry import TelemetryStore
from logistics.web import db
from logistics.web.api_io import described
from sensors.decode import MAX_PAYLOAD_BYTES
from sensors.intake import IncomingMessage

blueprint = Blueprint("telemetry", __name__, url_prefix="/api/v1")


def store() -> TelemetryStore:
    return current_app.extensions["telemetry_store"]  # type: ignore[no-any-return]


@blueprint.route("/loggers/<logger_id>/readings", methods=["POST"])
@described.operation("POST", "/loggers/{logger_id}/readings",
                     "Readings from a logger (native JSON or SenML), with the logger's secret as "
                     "bearer token; answers 202 with counts", response=IngestCounts, status=202)
def post_readings(logger_id: str) -> Any:
    """Store readings sent by the logger itself: 202 with accepted, duplicate, rejected counts."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    with db.runtime().sessions() as session:
        logger = authenticate_logger(session, logger_id, token) if token else None
    if logger is None:
        return jsonify(error="send this logger's secret as Authorization: Bearer SECRET"), 401
    payload = _body_up_to(MAX_PAYLOAD_BYTES + 1)
    message = IncomingMessage(source="http", logger_code=logger_id, payload=payload,
                              received_at=datetime.now(UTC), topic=None,
                              content_type=request.mimetype or None)
    if logger.status == "retired":  # the right secret, but the logger was taken out of service
        reason = f"logger {logger_id} is retired: it may no longer send readings"
        store().refuse(message, reason, payload_size=request.content_length or len(payload))
        return jsonify(error=reason), 403
    if len(payload) > MAX_PAYLOAD_BYTES:  # kept, like any refused message, with its first 64 KiB
        size = request.content_length or len(payload)
        problem = (f"payload of {'' if request.content_length else 'more than '}{size} bytes is over the "
                   f"{MAX_PAYLOAD_BYTES}-byte (1 MiB) limit")
        store().refuse(message, problem, payload_size=size)
        return jsonify(error=problem), 413
    result = store().store([message])[0]
    counts = IngestCounts(accepted=result.accepted, duplicates=result.duplicates,
                          rejected=result.rejected, problems=result.problems[:100])
    return Response(counts.model_dump_json(), status=202, mimetype="application/json")


def _body_up_to(limit: int) -> bytes:
    """The request body, read no further than `limit` bytes (the app's own cap would refuse it unread,
    and an oversized message must still be kept as a rejection)."""
    request.max_content_length = sys.maxsize  # None would mean the app's cap; we read only `limit`
    chunks, size = [], 0
    while size < limit and (chunk := request.stream.read(limit - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
