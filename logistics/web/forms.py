"""Reads the shipment form into the same validated shapes the API uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlmodel import Session, select

from logistics.db.models import Site
from logistics.schemas import ShipmentCreate, ShipmentUpdate
from logistics.services.errors import InputError, input_error_from

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
