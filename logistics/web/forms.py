"""Reads the shipment form into the same validated shapes the API uses."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlmodel import Session, select

from logistics.db.models import Site
from logistics.schemas import ShipmentCreate, ShipmentSummary, ShipmentUpdate
from logistics.services.errors import InputError, input_error_from
from logistics.services.shipments import ShipmentFilter

TEXT_FIELDS = ("air_waybill", "packaging", "import_permit", "notes")


def shipment_values(form: Any, session: Session) -> dict[str, Any]:
    """The form's fields as typed values; local times are read in their site's zone."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: form.get(name, "").strip() or None for name in TEXT_FIELDS}
    values["origin"] = form.get("origin", "").strip()
    values["destination"] = form.get("destination", "").strip()
    zones = dict(session.exec(select(Site.code, Site.timezone)).all())
    for field, end in (("planned_departure", "origin"), ("planned_arrival", "destination")):
        values[field] = _local(form.get(field, ""), zones.get(values[end]), field, end, errors)
    hours = form.get("packaging_validated_hours", "").strip()
    try:
        values["packaging_validated_hours"] = float(hours) if hours else None
    except ValueError:
        errors["packaging_validated_hours"] = "enter a number of hours, e.g. 96"
    if errors:
        raise InputError(errors)
    return values


def read_create_form(form: Any, session: Session) -> ShipmentCreate:
    values = shipment_values(form, session)
    try:
        return ShipmentCreate(reference=form.get("reference", "").strip(), **values)
    except ValidationError as error:
        raise input_error_from(error) from None


def read_update_form(form: Any, session: Session) -> ShipmentUpdate:
    values = shipment_values(form, session)
    try:
        return ShipmentUpdate(**values)
    except ValidationError as error:
        raise input_error_from(error) from None


def _local(
    text: str, zone: str | None, field: str, end: str, errors: dict[str, str]
) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    if zone is None:
        errors.setdefault(end, "choose a site first")
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        errors[field] = "enter a date and time, e.g. 2026-12-01 09:30"
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))


# The shipments list's filters, as query parameters (pages, CSV export and API alike).
FILTER_PARAMETERS = (
    ("status", "string", "Only shipments in this status"),
    ("q", "string", "Text in the reference, air waybill or import permit"),
    ("origin", "string", "Origin site code"),
    ("destination", "string", "Destination site code"),
    ("departs_from", "string", "Departure (actual, else planned) on or after this day, YYYY-MM-DD (UTC)"),
    ("departs_to", "string", "Departure on or before this day, YYYY-MM-DD (UTC)"),
    ("item", "string", "Carrying this item (code)"),
    ("lot", "string", "Carrying this lot (lot number)"),
)


def read_filters(args: Mapping[str, str]) -> ShipmentFilter:
    """The filters from query parameters; a bad day is an InputError naming its parameter."""
    def text(name: str) -> str | None:
        return (args.get(name) or "").strip() or None

    def day(name: str) -> date | None:
        value = text(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InputError({name: f"expected a day as YYYY-MM-DD, got {value!r}"}) from None

    return ShipmentFilter(status=text("status"), search=text("q"), origin=text("origin"),
                          destination=text("destination"), departs_from=day("departs_from"),
                          departs_to=day("departs_to"), item=text("item"), lot=text("lot"))


EXPORT_COLUMNS = ("reference", "status", "origin", "destination", "air_waybill", "planned_departure",
                  "actual_departure", "planned_arrival", "actual_arrival")


def export_csv(rows: list[ShipmentSummary]) -> str:
    """Shipments as CSV with a header row; times as ISO 8601 in UTC, empty when unknown."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow(["" if values[name] is None else values[name] for name in EXPORT_COLUMNS])
    return out.getvalue()
