"""The JSON API for a shipment's stored readings: a page at a time as JSON, or all of them as CSV.

`add_routes` puts the route on the API blueprint of `logistics.web.api`, so it shares its prefix, error
handlers and sign-in rule. A query parameter it cannot read is a 422 naming the parameter, as elsewhere
in the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from logistics.core.limits import MAX_READINGS_PAGE, business_time_problem
from logistics.core.reading_selection import Position, decode_cursor, encode_cursor
from logistics.core.roles import Permission
from logistics.schemas.readings import ReadingPage
from logistics.services import readings
from logistics.services.errors import InputError
from logistics.web import db
from logistics.web.api_io import described, json_answer
from logistics.web.auth import require

DEFAULT_LIMIT = 1000
FORMATS = {"json": "application/json", "csv": "text/csv"}


@described.operation(
    "GET", "/shipments/{reference}/readings",
    "The shipment's stored readings: each assigned logger's within its time in the shipment, by logger id "
    "then device time; JSON a page at a time (follow `next`), or every reading selected as CSV (the "
    "columns of `logistics readings export`) with Accept: text/csv or ?format=csv",
    response=ReadingPage, text_media_types=("text/csv",),
    errors=(("422", "A query parameter that cannot be read; names it"),),
    query=(("logger", "string", "Only this logger's readings, e.g. LG-24003"),
           ("since", "string", "From this time, inclusive: ISO 8601 with an offset or Z, e.g. "
                               "2026-11-24T08:00:00+07:00 (write + as %2B in a URL)"),
           ("until", "string", "Until this time, exclusive: ISO 8601 with an offset or Z"),
           ("limit", "integer",
            f"Readings per page, 1 to {MAX_READINGS_PAGE:,} (default {DEFAULT_LIMIT:,}); JSON only"),
           ("cursor", "string", "Where the page starts: next_cursor of the previous page; JSON only"),
           ("format", "string", "json (the default) or csv; overrides the Accept header")))
@require(Permission.VIEW)
def list_readings(reference: str) -> Any:
    session = db.session()
    try:
        query = readings.ShipmentReadings(reference, logger=request.args.get("logger") or None,
                                          since=_moment("since"), until=_moment("until"))
        as_csv = _wants_csv()
        selection = readings.shipment_selection(session, query)  # before the answer starts: 4xx not CSV
        if as_csv:
            return _csv_answer(reference, query.logger, selection)
        limit = _limit()
        page = readings.read_page(session, selection, after=_cursor(), limit=limit)
    except InputError as error:
        return jsonify(error="invalid input", fields=error.errors), 422
    cursor = encode_cursor(page.next_position) if page.next_position else None
    return json_answer(ReadingPage.model_validate({  # one validation of the whole page: 10,000 rows' worth
        "shipment": reference, "items": page.rows, "limit": limit, "next_cursor": cursor,
        "next": _address_with(cursor) if cursor else None}))


def _address_with(cursor: str) -> str:
    """This request's address (path and query) with ?cursor= set to `cursor`."""
    arguments = request.args.to_dict(flat=False) | {"cursor": [cursor]}
    return f"{request.script_root}{request.path}?{urlencode(arguments, doseq=True)}"


def _csv_answer(reference: str, logger: str | None, selection: readings.Selection) -> Response:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(filter(None, (reference, logger, "readings.csv"))))
    sessions = db.runtime().sessions

    def chunks() -> Iterator[str]:
        # A session of the stream's own: the request's is closed when the view returns, before the first
        # chunk is sent, and one used after that would hold its connection with nobody to give it back.
        with sessions() as streaming:
            yield from readings.csv_chunks(readings.read_all(streaming, selection))

    return Response(chunks(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _wants_csv() -> bool:
    chosen = request.args.get("format")
    if chosen is not None and chosen not in FORMATS:
        raise InputError({"format": "must be json or csv"})
    if chosen is not None:
        return chosen == "csv"
    return request.accept_mimetypes.best_match(list(FORMATS.values())) == FORMATS["csv"]


def _moment(name: str) -> datetime | None:
    """?since= or ?until=: ISO 8601 with an offset, inside the business window."""
    text = request.args.get(name)
    if text is None:
        return None
    hint = " (a + in a URL reads as a space: write it as %2B)" if " " in text.strip() else ""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError({name: f"not an ISO 8601 time such as 2026-11-24T08:00:00+07:00{hint}"}) from None
    if moment.tzinfo is None:
        raise InputError({name: f"needs an offset or Z, such as 2026-11-24T08:00:00+07:00{hint}"})
    problem = business_time_problem(moment)
    if problem:
        raise InputError({name: problem})
    return moment


def _limit() -> int:
    text = request.args.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= MAX_READINGS_PAGE):
        raise InputError({"limit": f"must be a whole number from 1 to {MAX_READINGS_PAGE:,}"})
    return int(text)


def _cursor() -> Position | None:
    text = request.args.get("cursor")
    if not text:
        return None
    try:
        return decode_cursor(text)
    except ValueError as error:
        field, _, problem = str(error).partition(": ")
        raise InputError({field: problem}) from None


def add_routes(api: Blueprint) -> None:
    """The readings route on the API's blueprint."""
    api.add_url_rule("/shipments/<reference>/readings", view_func=list_readings)
