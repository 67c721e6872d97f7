"""Reads the shipment form into the same validated shapes the API uses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from pydantic import ValidationError

from logistics.core.limits import (
    BUSINESS_TIME_EARLIEST,
    BUSINESS_TIME_LATEST,
    MAX_PAGE,
    MAX_SEARCH_CHARACTERS,
    business_time_problem,
)
from logistics.core.quantities import read_plain_number
from logistics.core.units import QuantityError
from logistics.schemas.shipments import (
    LegCreate,
    LegTimes,
    MilestoneCreate,
    ShipmentCreate,
    ShipmentUpdate,
)
from logistics.services.errors import InputError, input_error_from
from logistics.services.shipments import ShipmentFilter

TEXT_FIELDS = ("air_waybill", "packaging", "import_permit", "notes")
EARLIEST, LATEST = f"{BUSINESS_TIME_EARLIEST:%Y-%m-%d}", f"{BUSINESS_TIME_LATEST:%Y-%m-%d}"


def shipment_values(form: Any, zones: Mapping[str, str]) -> dict[str, Any]:
    """The form's fields as typed values; local times are read in their site's zone (`zones`, by code)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: form.get(name, "").strip() or None for name in TEXT_FIELDS}
    values["origin"] = form.get("origin", "").strip()
    values["destination"] = form.get("destination", "").strip()
    for field, end in (("planned_departure", "origin"), ("planned_arrival", "destination")):
        values[field] = _local(form.get(field, ""), zones.get(values[end]), field, end, errors)
    hours = form.get("packaging_validated_hours", "").strip()
    try:
        values["packaging_validated_hours"] = read_plain_number(hours) if hours else None
    except QuantityError:
        errors["packaging_validated_hours"] = _("enter a number of hours written out in full, e.g. 96")
    if errors:
        raise InputError(errors)
    return values


def read_create_form(form: Any, zones: Mapping[str, str]) -> ShipmentCreate:
    values = shipment_values(form, zones)
    try:
        return ShipmentCreate(reference=form.get("reference", "").strip(), **values)
    except ValidationError as error:
        raise input_error_from(error) from None


def read_update_form(form: Any, zones: Mapping[str, str]) -> ShipmentUpdate:
    """The edit form's fields; its lane (empty: none) only where the form has the choice."""
    values = shipment_values(form, zones)
    if "lane" in form:
        values["lane"] = form.get("lane", "").strip() or None
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
        errors.setdefault(end, _("choose a site first"))
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        errors[field] = _("enter a date and time, e.g. %(example)s", example="2026-12-01 09:30")
        return None
    moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))
    if business_time_problem(moment):
        errors[field] = _("enter a time from %(earliest)s up to %(latest)s", earliest=EARLIEST, latest=LATEST)
        return None
    return moment


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


def read_day(args: Mapping[str, str], name: str) -> date | None:
    """A day given as YYYY-MM-DD in a query parameter; None when empty, an InputError naming it if bad."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError({name: _("expected a day as YYYY-MM-DD, got %(value)r", value=value)}) from None


def page_number(args: Mapping[str, str]) -> int:
    """The ?page= of a listing page, 1 when missing or nonsense, at most MAX_PAGE (a page, unlike the API,
    forgives it)."""
    try:
        return min(max(int(args.get("page") or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def read_filters(args: Mapping[str, str]) -> ShipmentFilter:
    """The filters from query parameters; a bad day is an InputError naming its parameter."""
    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        if len(value) > MAX_SEARCH_CHARACTERS:
            raise InputError({name: _("at most %(count)d characters", count=MAX_SEARCH_CHARACTERS)})
        return value or None

    return ShipmentFilter(status=text("status"), search=text("q"), origin=text("origin"),
                          destination=text("destination"), departs_from=read_day(args, "departs_from"),
                          departs_to=read_day(args, "departs_to"), item=text("item"), lot=text("lot"))


def _validated(model: type[Any], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise input_error_from(error) from None


def read_leg_form(form: Any, zones: Mapping[str, str]) -> LegCreate:
    """A new leg; its planned start is read in its origin's zone, its planned end in its destination's."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: form.get(name, "").strip() or None
                              for name in ("mode", "origin", "destination", "carrier", "transport_ref")}
    for field, end in (("planned_start", "origin"), ("planned_end", "destination")):
        values[field] = _local(form.get(field, ""), zones.get(values[end] or ""), field, end, errors)
    if errors:
        raise InputError(errors)
    return _validated(LegCreate, {name: value for name, value in values.items() if value is not None})


def read_leg_times(form: Any, zone_start: str, zone_end: str, now: datetime) -> LegTimes:
    """"Record start" or "Record end": at the time typed (in the leg's origin or destination zone), or now."""
    which = form.get("record", "")
    if which not in ("start", "end"):
        raise InputError({"record": _("choose start or end")})
    errors: dict[str, str] = {}
    typed = _local(form.get("at", ""), zone_start if which == "start" else zone_end, "at", "at", errors)
    if errors:
        raise InputError(errors)
    return LegTimes(**{f"actual_{which}": typed or now})


def read_milestone_form(form: Any, zones: Mapping[str, str], default_zone: str) -> MilestoneCreate:
    """A milestone; its time is read in its site's zone, or in `default_zone` when it names no site."""
    errors: dict[str, str] = {}
    site = form.get("site", "").strip() or None
    at = _local(form.get("at", ""), zones.get(site or "", default_zone), "at", "site", errors)
    if errors:
        raise InputError(errors)
    return _validated(MilestoneCreate, {"kind": form.get("kind", "").strip(), "at": at, "site": site,
                                        "note": form.get("note", "").strip() or None})


def read_local_time(form: Any, field: str, zone: str) -> datetime | None:
    """A datetime-local field read in `zone`; None when empty."""
    errors: dict[str, str] = {}
    value = _local(form.get(field, ""), zone, field, field, errors)
    if errors:
        raise InputError(errors)
    return value
