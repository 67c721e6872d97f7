"""The forecast's inputs as one plain document (SPEC §8's scenario file), and its answer as JSON.

The same document is what the nightly forecast stores beside its result, so any past recommendation
can be run again with `logistics forecast --scenario`. Dates may be TOML dates or ISO text (JSON).
Unknown keys are refused by name: a misspelt setting must not pass silently as its default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from logistics.core.forecast import Forecast
from logistics.core.forecast_inputs import (
    Basis,
    Consumption,
    ForecastError,
    ItemSupply,
    LeadTime,
    Policy,
    Recruitment,
    SitePlan,
    StockLot,
    WhatIf,
)
from logistics.core.units import QuantityError, parse_quantity

# The dates a scenario may hold: a forecast adds horizons and lead times to them, which must stay
# inside the calendar, and a date outside these years is a typing slip.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 1, 1)
_TOP = {"as_of", "recruitment", "items", "forecast"}
_RECRUITMENT = {"target", "planned_rate", "prior_strength", "fixed_rate", "activated", "enrolled", "sites",
                "screen_failure_ratio", "batches_per_patient"}
_SITE = {"code", "activated", "planned_rate", "enrolled"}
_ITEM = {"code", "unit", "per_patient", "per_batch", "offset_days", "uses", "pack_size", "minimum_order",
         "on_hand", "in_transit", "lead_time_days", "overage", "lead_time_samples", "lead_time_lanes",
         "do_not_ship_days", "do_not_count_days", "do_not_dispense_days"}
_USE = {"quantity", "offset_days", "basis"}
_LOT = {"quantity", "expiry", "arrives"}
_FORECAST = {"horizon_days", "service_level", "runs", "seed", "lead_time_days", "lead_time_samples",
             "recruitment_factor", "extra_lead_days", "release_days", "slot_offset_days", "slots"}


@dataclass(frozen=True)
class Scenario:
    as_of: date
    recruitment: Recruitment
    items: tuple[ItemSupply, ...]
    lead_time: LeadTime
    policy: Policy
    what_if: WhatIf


def read_scenario(document: Mapping[str, Any]) -> Scenario:
    """The scenario in `document`; ForecastError names every key that is missing, unknown or wrong."""
    _known(document, _TOP, "the scenario")
    forecast = _table(document, "forecast")
    _known(forecast, _FORECAST, "[forecast]")
    recruitment = _recruitment(_table(document, "recruitment"))
    entries = _list(document, "items", "the scenario")
    items = tuple(_item(entry, index) for index, entry in enumerate(entries))
    return Scenario(as_of=_date(document.get("as_of"), "as_of"), recruitment=recruitment, items=items,
                    lead_time=_lead_time(forecast, items), policy=_policy(forecast),
                    what_if=_what_if(forecast))


def _recruitment(table: Mapping[str, Any]) -> Recruitment:
    _known(table, _RECRUITMENT, "[recruitment]")
    if "sites" in table:
        if {"activated", "planned_rate", "enrolled"} & table.keys():
            raise ForecastError("[recruitment]: give activated, planned_rate and enrolled per site when "
                                "[[recruitment.sites]] are listed")
        sites = tuple(_site(site, f"[[recruitment.sites]] #{number}")
                      for number, site in enumerate(_list(table, "sites", "[recruitment]"), start=1))
    else:
        sites = (_site({"code": "all", **{key: table[key] for key in ("activated", "planned_rate", "enrolled")
                                          if key in table}}, "[recruitment]"),)
    return Recruitment(
        target=_int(table, "target", "[recruitment]"), sites=sites,
        prior_strength=_number(table, "prior_strength", "[recruitment]", 2.0),
        # SPEC §8: without a prior strength the planned rate is taken as known.
        fixed_rate=_bool(table, "fixed_rate", "[recruitment]", default="prior_strength" not in table),
        screen_failure_ratio=_number(table, "screen_failure_ratio", "[recruitment]", 0.0),
        batches_per_patient=_number(table, "batches_per_patient", "[recruitment]", 1.0))


def _site(table: Mapping[str, Any], where: str) -> SitePlan:
    _known(table, _SITE, where)
    enrolled = table.get("enrolled", [])
    if not isinstance(enrolled, list):
        raise ForecastError(f"{where}: enrolled is a list of dates")
    return SitePlan(code=str(table.get("code", "")) or where, activated=_date(table.get("activated"),
                                                                               f"{where} activated"),
                    planned_rate=_number(table, "planned_rate", where),
                    enrolled=tuple(sorted(_date(day, f"{where} enrolled") for day in enrolled)))


def _item(table: Any, index: int) -> ItemSupply:
    where = f"[[items]] #{index + 1}"
    if not isinstance(table, Mapping):
        raise ForecastError(f"{where}: a table is expected")
    _known(table, _ITEM, where)
    code, unit = str(table.get("code") or ""), str(table.get("unit") or "")
    if not code or not unit:
        raise ForecastError(f"{where}: code and unit are required")
    where = f"item {code}"
    return ItemSupply(
        code=code, unit=unit, uses=_uses(table, unit, where),
        on_hand=_lots(table.get("on_hand", 0), unit, f"{where} on_hand"),
        in_transit=_lots(table.get("in_transit", 0), unit, f"{where} in_transit"),
        pack_size=_number(table, "pack_size", where, 1.0),
        minimum_order=_number(table, "minimum_order", where, 0.0),
        overage=_number(table, "overage", where, 1.0),
        lead_time_days=_int(table, "lead_time_days", where) if "lead_time_days" in table else None,
        lead_time_samples=_days(table.get("lead_time_samples", []), f"{where} lead_time_samples"),
        lead_time_lanes=_names(table.get("lead_time_lanes", []), f"{where} lead_time_lanes"),
        do_not_ship_days=_int(table, "do_not_ship_days", where, 0),
        do_not_count_days=_int(table, "do_not_count_days", where, 0),
        do_not_dispense_days=_int(table, "do_not_dispense_days", where, 0))


def _days(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ForecastError(f"{where}: a list of whole days")
    return tuple(_whole(day, where) for day in value)


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ForecastError(f"{where}: a list of lane codes")
    return tuple(value)


def _uses(table: Mapping[str, Any], unit: str, where: str) -> tuple[Consumption, ...]:
    offset = _int(table, "offset_days", where) if "offset_days" in table else 0
    uses = [Consumption(_amount(table[key], unit, f"{where} {key}"), offset, basis)
            for key, basis in (("per_patient", Basis.PATIENT), ("per_batch", Basis.BATCH)) if key in table]
    listed = table.get("uses", [])
    if not isinstance(listed, list):
        raise ForecastError(f"{where} uses: a list of tables {{quantity, offset_days, basis}}")
    for number, entry in enumerate(listed, start=1):
        spot = f"{where} uses #{number}"
        if not isinstance(entry, Mapping):
            raise ForecastError(f"{spot}: a table is expected")
        _known(entry, _USE, spot)
        try:
            basis = Basis(entry.get("basis", "patient"))
        except ValueError:
            raise ForecastError(f"{spot}: basis is one of {', '.join(b.value for b in Basis)}") from None
        uses.append(Consumption(_amount(entry.get("quantity"), unit, f"{spot} quantity"),
                                _int(entry, "offset_days", spot) if "offset_days" in entry else 0, basis))
    return tuple(uses)


def _lots(value: Any, unit: str, where: str) -> tuple[StockLot, ...]:
    """A plain quantity, or a list of lots {quantity, expiry, arrives}."""
    if not isinstance(value, list):
        amount = _amount(value, unit, where)
        return (StockLot(amount),) if amount else ()
    lots = []
    for number, entry in enumerate(value, start=1):
        spot = f"{where} #{number}"
        if not isinstance(entry, Mapping):
            raise ForecastError(f"{spot}: a table {{quantity, expiry, arrives}} is expected")
        _known(entry, _LOT, spot)
        expiry, arrives = (_date(entry[key], f"{spot} {key}") if entry.get(key) is not None else None
                           for key in ("expiry", "arrives"))
        lots.append(StockLot(_amount(entry.get("quantity"), unit, f"{spot} quantity"), expiry, arrives))
    return tuple(lots)


def _lead_time(table: Mapping[str, Any], items: tuple[ItemSupply, ...]) -> LeadTime:
    if "lead_time_samples" in table:
        samples = table["lead_time_samples"]
        if not isinstance(samples, list) or not samples:
            raise ForecastError("[forecast] lead_time_samples: a list of whole days")
        days = tuple(_whole(value, "[forecast] lead_time_samples") for value in samples)
        return LeadTime(days, learned=True)
    if "lead_time_days" in table:
        return LeadTime.fixed(_int(table, "lead_time_days", "[forecast]"))
    missing = [item.code for item in items if item.lead_time_days is None]
    if missing:
        raise ForecastError(f"lead_time_days: give it for {', '.join(missing)} or in [forecast]")
    return LeadTime.fixed(0)  # every item has its own


def _policy(table: Mapping[str, Any]) -> Policy:
    default = Policy()
    return Policy(horizon_days=_int(table, "horizon_days", "[forecast]", default.horizon_days),
                  service_level=_number(table, "service_level", "[forecast]", default.service_level),
                  runs=_int(table, "runs", "[forecast]", default.runs),
                  seed=_int(table, "seed", "[forecast]", default.seed),
                  release_days=_days(table.get("release_days", []), "[forecast] release_days"),
                  slot_offset_days=_int(table, "slot_offset_days", "[forecast]", default.slot_offset_days),
                  slots=_int(table, "slots", "[forecast]", default.slots))


def _what_if(table: Mapping[str, Any]) -> WhatIf:
    return WhatIf(recruitment_factor=_number(table, "recruitment_factor", "[forecast]", 1.0),
                  extra_lead_days=_int(table, "extra_lead_days", "[forecast]", 0))


def forecast_json(result: Forecast) -> dict[str, Any]:
    """The answer in SPEC §8's shape, plus the stock expected to expire unused, the lots the expiry
    cut-offs leave out and the upcoming patient slots."""
    outlook = result.recruitment
    return {
        "as_of": result.as_of.isoformat(),
        "recruitment": {"rate_per_30d": round(outlook.rate_per_30d, 6), "remaining": outlook.remaining,
                        "enrolments_mean": round(outlook.enrolments_mean, 6),
                        "enrolments_p50": outlook.enrolments_p50, "enrolments_p90": outlook.enrolments_p90,
                        "enrolments_p95": outlook.enrolments_p95},
        "items": [{"code": item.code, "unit": item.unit, "window_days": item.window_days,
                   "demand_mean": round(item.demand_mean, 6), "demand_p50": round(item.demand_p50, 6),
                   "demand_p90": round(item.demand_p90, 6), "demand_p95": round(item.demand_p95, 6),
                   "position": round(item.position, 6), "reorder_point": round(item.reorder_point, 6),
                   "order_up_to": round(item.order_up_to, 6), "order_quantity": round(item.order_quantity, 6),
                   "order_by": item.order_by.isoformat() if item.order_by else None,
                   "stockout_probability": round(item.stockout_probability, 6),
                   "expected_waste": round(item.expected_waste, 6),
                   "excluded": [{"quantity": round(lot.quantity, 6),
                                 "expiry": lot.expiry.isoformat() if lot.expiry else None,
                                 "reason": lot.reason.value} for lot in item.excluded]}
                  for item in result.items],
        "slots": [{"patient": slot.patient, "slot_date": slot.slot_date.isoformat(),
                   "probability": round(slot.probability, 6), "limiting_item": slot.limiting_item,
                   "enrolled": slot.enrolled} for slot in result.slots]}


# -- reading values -----------------------------------------------------------------------------------

def _known(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ForecastError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                            f"(known: {', '.join(sorted(allowed))})")


def _table(document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, Mapping):
        raise ForecastError(f"[{key}]: a table is expected")
    return value


def _list(table: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = table.get(key)
    if not isinstance(value, list) or not value:
        raise ForecastError(f"{where}: {key} must list at least one entry")
    return value


def _date(value: Any, where: str) -> date:
    day = value if isinstance(value, date) else _iso_day(value)
    if day is None:
        raise ForecastError(f"{where}: a date such as 2026-06-01 is expected, not {value!r}")
    if isinstance(day, datetime):
        day = day.date()
    if not EARLIEST_DAY <= day < LATEST_DAY:
        raise ForecastError(f"{where}: {day.isoformat()} is outside {EARLIEST_DAY.year} to "
                            f"{LATEST_DAY.year - 1}, the years a trial's supply is planned in")
    return day


def _iso_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _number(table: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ForecastError(f"{where} {key}: a finite number is expected, not {value!r}")
    return float(value)


def _int(table: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    return _whole(table.get(key, default), f"{where} {key}")


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ForecastError(f"{where}: a whole number is expected, not {value!r}")
    return value


def _bool(table: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ForecastError(f"{where} {key}: true or false, not {value!r}")
    return value


def _amount(value: Any, unit: str, where: str) -> float:
    """A number in the item's unit, or a quantity with its unit ("500 mL") converted into it."""
    if isinstance(value, bool) or value is None:
        raise ForecastError(f"{where}: a quantity is expected, not {value!r}")
    if isinstance(value, int | float):
        return float(value)
    try:
        return parse_quantity(str(value), unit)
    except QuantityError as error:
        raise ForecastError(f"{where}: {error}") from None
