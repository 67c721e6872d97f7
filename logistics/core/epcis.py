"""EPCIS 2.0 events for one shipment: shipping, receiving and the receipt's outcome, with sensor data.

Pure: frozen facts in, a JSON-ready document out, shaped by GS1's EPCIS 2.0 JSON/JSON-LD binding and
the CBV 2.0 vocabulary (under the 2.0.0 context, `bizStep`, `disposition` and sensor types are bare words).

Items, sites and loggers carry no GS1 keys (no GTIN, GLN or GIAI), so they are named by URNs of our own.
Each part is percent-encoded, so a ':' inside a code cannot be taken for a separator:

    a lot of an item (epcClass)           urn:coldchain-logistics:item:{item code}:lot:{lot number}
    a site (readPoint, bizLocation, ...)  urn:coldchain-logistics:site:{site code}
    a data logger (deviceID)              urn:coldchain-logistics:logger:{logger id}
    an excursion rule (bizRules)          urn:coldchain-logistics:rule:{rule name}
    an air waybill (bizTransaction)       urn:coldchain-logistics:awb:{PPP-SSSSSSSC}

What EPCIS has no field for (a logger's reading count, an alarm's end and severity) travels as extension
properties in our own JSON-LD namespace, `coldchain:` = `urn:coldchain-logistics:epcis:`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from logistics.core.lifecycle import ShipmentStatus
from logistics.core.profiles import ExcursionKind
from logistics.core.units import is_count_unit, registry

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EPCIS_SCHEMA_ID = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"  # `$id` of GS1's JSON schema
MEDIA_TYPES = ("application/ld+json", "application/json")  # JSON-LD first: the document carries @context
URN = "urn:coldchain-logistics"
EXTENSIONS = {"coldchain": f"{URN}:epcis:"}
STANDARD_GRAVITY = 9.80665  # m/s² per g (CGPM 1901)
# UN/ECE Recommendation 20 codes for the physical units items may be issued in. In EPCIS 2.0 a quantity
# without `uom` counts instances, which is what a kit or a vial is.
REC20 = {"milliliter": "MLT", "liter": "LTR", "microliter": "4G", "milligram": "MGM", "gram": "GRM",
         "microgram": "MC", "kilogram": "KGM"}
# How an excursion's peak is reported, by its kind: (measurement type, uom, factor from our unit).
ALARM_MEASURES: dict[str, tuple[str, str, float]] = {
    ExcursionKind.ABOVE: ("Temperature", "CEL", 1.0), ExcursionKind.BELOW: ("Temperature", "CEL", 1.0),
    ExcursionKind.SHOCK: ("Acceleration", "MSK", STANDARD_GRAVITY),
    ExcursionKind.NO_DATA: ("Temperature", "CEL", 1.0)}
# A receipt's outcomes in CBV 2.0 terms, one inspecting event each: (ReceiptLineFacts field, bizStep,
# disposition). Quarantined goods are not fit for use until QA releases them, hence non-conformant.
RECEIVED = (ShipmentStatus.RECEIVED, ShipmentStatus.CLOSED)
RECEIPT_OUTCOMES = (
    ("accepted", "inspecting", "conformant"),
    ("quarantined", "inspecting", "non_conformant"),
    ("rejected", "inspecting", "non_conformant"),
    ("damaged", "inspecting", "damaged"),
)


class UnitWithoutCode(ValueError):
    """A physical unit with no UN/ECE Recommendation 20 code among those known here."""


@dataclass(frozen=True)
class SiteFacts:
    code: str
    timezone: str  # IANA zone name


@dataclass(frozen=True)
class LineFacts:
    item_code: str
    lot_number: str
    quantity: float  # in `unit`, the item's unit of issue
    unit: str


@dataclass(frozen=True)
class AlarmInterval:
    """An excursion record as it is kept; peak in °C (in g for a shock)."""

    start: datetime
    end: datetime | None  # None while it runs, and for cumulative rules
    rule: str
    kind: str  # an ExcursionKind
    severity: str  # a Severity
    peak: float | None


@dataclass(frozen=True)
class LoggerFacts:
    """One logger's temperatures over its time in the shipment, in °C: the span its readings cover,
    their lowest, highest and time-weighted mean, how many, and its excursions."""

    device_id: str
    start: datetime
    end: datetime
    min_c: float
    max_c: float
    mean_c: float
    readings: int
    alarms: tuple[AlarmInterval, ...] = ()


@dataclass(frozen=True)
class ReceiptLineFacts:
    """What became of one line at receipt, in the line's unit. From a receipt line: its intact units
    under the disposition the rules allowed (accept, quarantine, reject), and its damaged units."""

    item_code: str
    lot_number: str
    unit: str
    accepted: float = 0.0
    quarantined: float = 0.0
    rejected: float = 0.0
    damaged: float = 0.0


@dataclass(frozen=True)
class ReceiptFacts:
    time: datetime
    site: SiteFacts
    lines: tuple[ReceiptLineFacts, ...]


@dataclass(frozen=True)
class DecisionFacts:
    """QA's signed decision on a quarantined line: how much was released and how much rejected."""

    time: datetime
    site: SiteFacts
    item_code: str
    lot_number: str
    unit: str
    released: float
    rejected: float


@dataclass(frozen=True)
class ShipmentFacts:
    reference: str
    status: str
    origin: SiteFacts
    destination: SiteFacts
    lines: tuple[LineFacts, ...]
    actual_departure: datetime | None = None
    actual_arrival: datetime | None = None
    air_waybill: str | None = None
    loggers: tuple[LoggerFacts, ...] = ()
    receipt: ReceiptFacts | None = None
    decisions: tuple[DecisionFacts, ...] = ()


def epcis_document(facts: ShipmentFacts, *, created: datetime) -> dict[str, Any]:
    """The shipment's events as an EPCIS 2.0 document (JSON-LD)."""
    return {
        "@context": [EPCIS_CONTEXT, EXTENSIONS],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": utc_text(created),
        "epcisBody": {"eventList": shipment_events(facts)},
    }


def shipment_events(facts: ShipmentFacts) -> list[dict[str, Any]]:
    """What was observed, in order: shipping at the actual departure, receiving (at the receipt, or at the
    arrival of a shipment marked received before receipts were recorded), the receipt's outcome and QA's
    decisions. Nothing is said of what has not happened yet, and an event without goods is left out."""
    if facts.status == ShipmentStatus.CANCELLED:  # the goods never left
        return []
    events = []
    if facts.actual_departure is not None:
        events.append(_shipping(facts, facts.actual_departure))
    if facts.receipt is not None:
        events.append(_receiving(facts, facts.receipt.time, _arrived(facts.receipt)))
        events += _inspections(facts.receipt)
    elif facts.actual_arrival is not None and facts.status in RECEIVED:
        events.append(_receiving(facts, facts.actual_arrival, _shipped(facts)))
    events += [event for decision in facts.decisions for event in _decided(decision)]
    return [event for event in events if event["quantityList"]]


def _shipping(facts: ShipmentFacts, departure: datetime) -> dict[str, Any]:
    # No bizLocation: it is where EPCIS assumes the goods to be after the event, and they are in transit.
    event = _object_event("shipping", "in_transit", departure, facts.origin, located=False)
    event |= _journey(facts)
    event["quantityList"] = _shipped(facts)
    sensors = [_sensor_element(summary) for summary in facts.loggers]
    if sensors:
        event["sensorElementList"] = sensors
    return event


def _receiving(facts: ShipmentFacts, at: datetime, quantities: list[dict[str, Any]]) -> dict[str, Any]:
    event = _object_event("receiving", "in_progress", at, facts.destination)
    event |= _journey(facts)
    event["quantityList"] = quantities
    return event


def _arrived(receipt: ReceiptFacts) -> list[dict[str, Any]]:
    """What physically arrived: the intact units and the damaged ones, not the missing ones."""
    return [_quantity(line.item_code, line.lot_number, arrived, line.unit) for line in receipt.lines
            if (arrived := line.accepted + line.quarantined + line.rejected + line.damaged) > 0]


def _decided(decision: DecisionFacts) -> list[dict[str, Any]]:
    events = []
    for quantity, disposition in ((decision.released, "conformant"), (decision.rejected, "non_conformant")):
        event = _object_event("inspecting", disposition, decision.time, decision.site)
        event["quantityList"] = ([_quantity(decision.item_code, decision.lot_number, quantity, decision.unit)]
                                 if quantity > 0 else [])
        events.append(event)
    return events


def _shipped(facts: ShipmentFacts) -> list[dict[str, Any]]:
    return [_quantity(line.item_code, line.lot_number, line.quantity, line.unit) for line in facts.lines]


def _inspections(receipt: ReceiptFacts) -> list[dict[str, Any]]:
    events = []
    for outcome, step, disposition in RECEIPT_OUTCOMES:
        event = _object_event(step, disposition, receipt.time, receipt.site)
        event["quantityList"] = [_quantity(line.item_code, line.lot_number, getattr(line, outcome), line.unit)
                                 for line in receipt.lines if getattr(line, outcome) > 0]
        events.append(event)
    return events


def _object_event(step: str, disposition: str, at: datetime, site: SiteFacts, *,
                  located: bool = True) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": utc_text(at),
        "eventTimeZoneOffset": zone_offset(at, site.timezone),
        "action": "OBSERVE",
        "bizStep": step,
        "disposition": disposition,
        "readPoint": {"id": site_urn(site.code)},
    }
    if located:
        event["bizLocation"] = {"id": site_urn(site.code)}
    return event


def _journey(facts: ShipmentFacts) -> dict[str, Any]:
    """The transport document and where the goods go from and to, alike on shipping and receiving."""
    journey: dict[str, Any] = {}
    if facts.air_waybill:
        # CBV 2.0 `bol`: a carrier's document acknowledging receipt of goods for transport, which is
        # what an air waybill is for air freight.
        journey["bizTransactionList"] = [{"type": "bol", "bizTransaction": _urn("awb", facts.air_waybill)}]
    journey["sourceList"] = [{"type": "location", "source": site_urn(facts.origin.code)}]
    journey["destinationList"] = [{"type": "location", "destination": site_urn(facts.destination.code)}]
    return journey


def _quantity(item_code: str, lot_number: str, quantity: float, unit: str) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": lot_urn(item_code, lot_number)}
    amount, code = rec20_quantity(quantity, unit)
    element["quantity"] = _number(amount)
    if code is not None:
        element["uom"] = code
    return element


def _sensor_element(summary: LoggerFacts) -> dict[str, Any]:
    device = _urn("logger", summary.device_id)
    overall = {"type": "Temperature", "minValue": summary.min_c, "maxValue": summary.max_c,
               "meanValue": round(summary.mean_c, 2), "uom": "CEL",
               "coldchain:readingCount": summary.readings}
    return {
        "sensorMetadata": {"startTime": utc_text(summary.start), "endTime": utc_text(summary.end),
                           "deviceID": device},
        "sensorReport": [overall, *(_alarm_report(alarm) for alarm in summary.alarms)],
    }


def _alarm_report(alarm: AlarmInterval) -> dict[str, Any]:
    """An ALARM_CONDITION at the excursion's start with its peak; without a peak (a data gap), a
    boolean alarm as GS1's sensor example 9 has."""
    measured, uom, factor = ALARM_MEASURES.get(alarm.kind, ALARM_MEASURES[ExcursionKind.ABOVE])
    report: dict[str, Any] = {"type": measured, "exception": "ALARM_CONDITION", "time": utc_text(alarm.start)}
    if alarm.peak is None:
        report["booleanValue"] = True
    else:
        report |= {"value": round(alarm.peak * factor, 2), "uom": uom}
    report["bizRules"] = _urn("rule", alarm.rule)
    if alarm.end is not None:
        report["coldchain:alarmEnd"] = utc_text(alarm.end)
    report["coldchain:severity"] = alarm.severity
    return report


def rec20_quantity(quantity: float, unit: str) -> tuple[float, str | None]:
    """The quantity with its UN/ECE Rec 20 code (converted into one we know if need be); no code for a
    count unit."""
    if is_count_unit(unit):
        return quantity, None
    given = registry().Unit(unit)
    if str(given) in REC20:
        return quantity, REC20[str(given)]
    for name, code in REC20.items():
        if registry().Unit(name).dimensionality == given.dimensionality:
            return float(registry().Quantity(quantity, given).to(name).magnitude), code
    raise UnitWithoutCode(f"no UN/ECE Recommendation 20 code for the unit {unit!r}")


def lot_urn(item_code: str, lot_number: str) -> str:
    return f"{_urn('item', item_code)}:lot:{_part(lot_number)}"


def site_urn(code: str) -> str:
    return _urn("site", code)


def _urn(kind: str, value: str) -> str:
    return f"{URN}:{kind}:{_part(value)}"


def _part(value: str) -> str:
    return quote(value, safe="")


def utc_text(moment: datetime) -> str:
    """"2026-11-24T06:00:00.000Z": UTC to the millisecond, as GS1's examples write times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def zone_offset(moment: datetime, zone: str) -> str:
    """The IANA zone's UTC offset at that moment, "+07:00" (EPCIS eventTimeZoneOffset)."""
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _number(value: float) -> float | int:
    """Whole quantities as integers: 4 kits, not 4.0."""
    return int(value) if float(value).is_integer() else value
