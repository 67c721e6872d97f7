"""Reads the lane form and the "new shipment from lane" form into the shapes the API uses.

A leg's inputs are named `legs-ROW-FIELD` (from 0); a refusal names it `legs.N.FIELD`, N counting the legs
given, as the API's errors do. A row left blank is no leg. `errors_by_input` names each refusal by the
input it is about, for the form drawn again (web/form_state.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from logistics.core.quantities import read_plain_number
from logistics.core.units import QuantityError
from logistics.schemas.lanes import LaneCreate, LaneFields, LaneShipment
from logistics.services.errors import InputError, input_error_from
from logistics.web.form_state import WHOLE_FORM
from logistics.web.forms import read_local_time, shipment_values
from logistics.web.i18n import gettext as _

MAX_ROWS = 12
LANE_LEG_INPUTS = ("mode", "origin", "destination", "carrier", "wait_hours", "duration_hours")
SHIPMENT_LEG_INPUTS = ("mode", "origin", "destination", "carrier", "transport_ref", "planned_start",
                       "planned_end")
_COUNTED = re.compile(r"(?P<list>legs|loggers)\.(?P<number>\d+)(?:\.(?P<field>\w+))?")


def read_lane_form(form: Any, *, creating: bool) -> LaneCreate | LaneFields:
    """The lane as the form has it: a new one (with its code) or every field of one being changed."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in ("name", "origin", "destination")}
    values |= {name: form.get(name, "").strip() or None for name in ("packaging", "notes")}
    values["coolant"] = form.get("coolant", "").strip() or "none"
    values["storage_profiles"] = [name for name in form.getlist("storage_profiles") if name]
    values["no_free_liquid"] = form.get("no_free_liquid") == "yes"
    for name in ("packaging_hold_hours", "coolant_kg", "loggers_per_box"):
        values[name] = _number(form.get(name, ""), name, errors)
    if values["loggers_per_box"] is None:
        values.pop("loggers_per_box")
    values["legs"] = []
    for index in _rows(form, LANE_LEG_INPUTS):
        leg: dict[str, Any] = {name: form.get(f"legs-{index}-{name}", "").strip() or None
                               for name in ("mode", "origin", "destination", "carrier")}
        for name in ("wait_hours", "duration_hours"):
            leg[name] = _number(form.get(f"legs-{index}-{name}", ""), f"legs.{len(values['legs'])}.{name}",
                                errors)
        values["legs"].append({name: value for name, value in leg.items() if value is not None})
    if errors:
        raise InputError(errors)
    reason = form.get("reason", "").strip() or None
    if creating:
        return _validated(LaneCreate, {**values, "code": form.get("code", "").strip(), "reason": reason})
    return _validated(LaneFields, {**values, "reason": reason})


def read_lane_shipment_form(form: Any, zones: Mapping[str, str]) -> LaneShipment:
    """The shipment planned from a lane, as the person confirmed it; each leg's planned start is read in
    its origin's time zone and its end in its destination's."""
    errors: dict[str, str] = {}
    try:
        shipment = {"reference": form.get("reference", "").strip(), **shipment_values(form, zones)}
    except InputError as error:
        errors.update(error.errors)
        shipment = {}
    shipment["coolant"] = form.get("coolant", "").strip() or None
    shipment["coolant_kg"] = _number(form.get("coolant_kg", ""), "coolant_kg", errors)
    legs = []
    for index in _rows(form, SHIPMENT_LEG_INPUTS):
        number = len(legs)
        leg: dict[str, Any] = {name: form.get(f"legs-{index}-{name}", "").strip() or None
                               for name in ("mode", "origin", "destination", "carrier", "transport_ref")}
        for name, end in (("planned_start", "origin"), ("planned_end", "destination")):
            try:
                leg[name] = read_local_time(form, f"legs-{index}-{name}", zones.get(leg[end] or "", "UTC"))
            except InputError as error:
                errors.update({f"legs.{number}.{name}": message for message in error.errors.values()})
        legs.append({name: value for name, value in leg.items() if value is not None})
    loggers = list(dict.fromkeys(code.strip() for code in form.getlist("loggers") if code.strip()))
    if errors:
        raise InputError(errors)
    values = {"lane": form.get("lane", "").strip(), "shipment": shipment, "legs": legs, "loggers": loggers}
    try:
        return LaneShipment.model_validate(values)
    except ValidationError as error:
        raise InputError({field.removeprefix("shipment."): message
                          for field, message in input_error_from(error).errors.items()}) from None


def errors_by_input(errors: Mapping[str, object], form: Any, leg_inputs: tuple[str, ...]
                    ) -> dict[str, object]:
    """The refusals keyed by the inputs they are about: a leg's `legs.N.FIELD` goes to the row it was
    typed in (`legs-ROW-FIELD`: blank rows above it count there, not in N), the N-th logger chosen to its
    select (`loggers-PLACE`), a refusal of the whole request to the top of the form."""
    rows, places = _rows(form, leg_inputs), _logger_places(form)
    named: dict[str, object] = {}
    for name, message in errors.items():
        counted = _COUNTED.fullmatch(name)
        number = int(counted["number"]) if counted else -1
        if name == "request":
            name = WHOLE_FORM
        elif counted and counted["list"] == "legs" and counted["field"] and number < len(rows):
            name = f"legs-{rows[number]}-{counted['field']}"
        elif counted and counted["list"] == "loggers" and not counted["field"] and number < len(places):
            name = f"loggers-{places[number]}"
        named[name] = message
    return named


def _logger_places(form: Any) -> list[int]:
    """Where each logger read by `read_lane_shipment_form` was chosen: the first select holding it."""
    seen: set[str] = set()
    places = []
    for place, code in enumerate(code.strip() for code in form.getlist("loggers")):
        if code and code not in seen:
            seen.add(code)
            places.append(place)
    return places


def _rows(form: Any, inputs: tuple[str, ...]) -> list[int]:
    """The indexes of the leg rows that hold anything."""
    return [index for index in range(MAX_ROWS)
            if any(form.get(f"legs-{index}-{name}", "").strip() for name in inputs)]


def _number(text: str, field: str, errors: dict[str, str]) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return read_plain_number(text)
    except QuantityError:
        errors[field] = _("enter a number written out in full, e.g. %(example)s", example="3.5")
        return None


def _validated(model: type[Any], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise input_error_from(error) from None
