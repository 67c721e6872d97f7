"""The demo scenario read as a story in time: each shipment's booking, mishaps, receipt, QA release and
closing, and the goods each patient's batch used (config/demo.toml; played by demo_history).

The months before ([history] in the scenario) are written short: a route, a departure day (the truck
leaves the warehouse at its usual morning hour) and the hours held at customs; they are laid out here
into legs like the scenario's own shipments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from logistics.core.lifecycle import ShipmentStatus
from logistics.core.receiving import Checklist, CoolantState
from logistics.schemas.shipments import LinePublic
from sensors.itinerary import DROP_MINUTES, Mishap, shipper_profile

ORIGIN = "HG-SZ"
CUSTOMS_PLANNED_HOURS = 24.0
COURIER_AFTER_CUSTOMS_HOURS, COURIER_HOURS = 2.0, 2.0
PACKED_BEFORE_HOURS, RECEIVED_AFTER_HOURS = 1.5, 0.5
RELEASED_AFTER, CLOSED_AFTER = timedelta(hours=20), timedelta(days=2)
COOLANT = {"refrigerated": CoolantState.COLD, "frozen": CoolantState.FROZEN,
           "dry_ice": CoolantState.DRY_ICE_PRESENT, "crt": CoolantState.NOT_USED}
# A scan soon after a mishap has passed, as the scheduler's would be.
SCANNED_AFTER = timedelta(minutes=15)
# Who takes the box at each hand-over, and records it through the shipment's link: by the leg's carrier.
HANDLERS = {"SZ Cold Express": "Wang Lei", "Cathay Cargo": "Kelvin Lau", "China Southern Cargo": "Zhou Min",
            "Thai customs / Thai FDA": "Siriporn K.", "BKK MedCourier": "Anan T."}


@dataclass(frozen=True)
class Plan:
    """One shipment in the story: its record (hours from `now`) and what happens to it, when."""

    spec: dict[str, Any]
    now: datetime
    enters: datetime  # when it is booked: its first logger starts recording
    status: ShipmentStatus  # where the booking leaves it; receiving and closing take it on
    received: datetime | None = None
    released: datetime | None = None
    closed: datetime | None = None
    mishaps: list[tuple[str, Mishap]] = field(default_factory=list)  # (logger, mishap)
    assessments: dict[str, dict[str, str]] = field(default_factory=dict)  # by logger: cause, leg, comment
    qa_release: bool = False  # the pharmacy holds every line for QA, excursion or not

    @property
    def reference(self) -> str:
        return str(self.spec["reference"])

    @property
    def checks(self) -> list[datetime]:
        """When the scheduler's scan has seen each mishap through."""
        return [mishap.at + timedelta(minutes=DROP_MINUTES if mishap.kind == "drop" else mishap.minutes * 1.5)
                + SCANNED_AFTER for _logger, mishap in self.mishaps]

    @property
    def handovers(self) -> list[tuple[datetime, int]]:
        """(when, leg sequence) of each hand-over so far: the box changes hands as each leg starts."""
        found = []
        for sequence, leg in enumerate(self.spec.get("legs", []), start=1):
            actual = leg.get("actual", [])
            moment = self.now + timedelta(hours=actual[0]) if actual else None
            before_receipt = self.received is None or (moment is not None and moment < self.received)
            if moment is not None and moment <= self.now and before_receipt:
                found.append((moment, sequence))
        return found

    @property
    def release_comment(self) -> str:
        if self.assessments:
            return "Released: each excursion assessed, no impact on the product."
        return "Released: received as shipped, loggers in range, certificates of analysis checked."

    def checklist(self, lines: Sequence[LinePublic]) -> Checklist:
        """The box as the pharmacy found it: intact, its coolant as packed; a logger alarm after a warm
        mishap."""
        profile = shipper_profile([line.storage_profile for line in lines])
        return Checklist(packaging_intact=True, seals_intact=True, coolant_present=profile != "crt",
                         coolant_state=COOLANT.get(profile, CoolantState.NOT_USED), logger_present=True,
                         logger_alarm=any(mishap.kind == "warm" for _logger, mishap in self.mishaps),
                         documents_complete=True, import_permit_present=True)


def plans(scenario: dict[str, Any], now: datetime) -> list[Plan]:
    """Every shipment of the story, the months before first, each in the order it was booked."""
    items = {item["code"]: item["storage_profile"] for item in scenario["items"]}
    history = scenario.get("history", {})
    zone = next(ZoneInfo(site["timezone"]) for site in scenario["sites"] if site["code"] == ORIGIN)
    laid = [_past(spec, history, items, now, _departed(spec, history, zone, now))
            for spec in history.get("shipments", [])]
    laid += [_current(spec, now) for spec in scenario["shipments"]]
    return sorted(laid, key=lambda plan: plan.enters)


def batches(scenario: dict[str, Any], now: datetime) -> list[tuple[datetime, str, list[dict[str, Any]]]]:
    """(when, patient, goods) for each patient's batch made since the tracker went live, by the bill of
    materials: each line's item, quantity ("2 bottle") and its amount."""
    plan = scenario.get("recruitment")
    if plan is None:
        return []
    went_live = now + timedelta(days=scenario.get("went_live_days", 0))
    used: dict[tuple[datetime, str], list[dict[str, Any]]] = {}
    for patient in plan["enrolments"]:
        for line in scenario.get("bom", []):
            moment = now + timedelta(days=patient["days"] + line["offset_days"])
            if went_live <= moment <= now:
                amount = float(line["quantity"].split()[0])
                used.setdefault((moment, patient["patient_code"]), []).append(
                    {"item": line["item"], "quantity": line["quantity"], "amount": amount})
    return [(moment, patient, lines) for (moment, patient), lines in sorted(used.items())]


def _current(spec: dict[str, Any], now: datetime) -> Plan:
    """One of the scenario's own shipments; those received or closed are received, released (and closed)
    by the story at the hours it gives."""
    def at(hours: float | None) -> datetime | None:
        return None if hours is None else now + timedelta(hours=hours)

    starts = [assignment["start_h"] for assignment in spec.get("loggers", [])]
    enters = at(min(starts)) if starts else now
    done = spec.get("received_h") is not None
    booked = dict(spec, loggers=[{key: value for key, value in assignment.items() if key != "end_h"}
                                 for assignment in spec.get("loggers", [])]) if done else spec
    status = ShipmentStatus.ARRIVED if done else ShipmentStatus(spec["status"])
    return Plan(spec=booked, now=now, enters=enters or now, status=status,
                received=at(spec.get("received_h")), released=at(spec.get("released_h")),
                closed=at(spec.get("closed_h")),
                mishaps=_mishaps(spec.get("mishaps", []), now, 0.0), assessments=_assessments(spec),
                qa_release=bool(spec.get("qa_release", False)))


def _departed(spec: dict[str, Any], history: dict[str, Any], zone: ZoneInfo, now: datetime) -> float:
    """Hours from `now` to when the shipment left: `departed_days` from today, at the warehouse's usual
    time (`departs_at`, its local time)."""
    hour, minute = (int(part) for part in history.get("departs_at", "08:30").split(":"))
    day = now.astimezone(zone).date() + timedelta(days=spec["departed_days"])
    return (datetime.combine(day, time(hour, minute), zone) - now) / timedelta(hours=1)


def _past(spec: dict[str, Any], history: dict[str, Any], items: dict[str, str], now: datetime,
          departed: float) -> Plan:
    """A shipment of the months before, laid out along its route into the scenario's own shape; it left
    `departed` hours from `now`."""
    route = history["routes"][spec["via"]]
    truck, air = ([departed + hour for hour in route[mode]["hours"]] for mode in ("truck", "air"))
    customs = [air[1] + 1.0, air[1] + 1.0 + spec["customs_hours"]]
    courier = [customs[1] + COURIER_AFTER_CUSTOMS_HOURS] * 2
    courier[1] += COURIER_HOURS
    packed, received = departed - PACKED_BEFORE_HOURS, courier[1] + RECEIVED_AFTER_HOURS
    profile = shipper_profile([items[line["lot"].split("/", 1)[0]] for line in spec["lines"]])
    packaging = history["packaging"][profile]
    legs = [
        {"mode": "truck", "from": ORIGIN, "to": route["truck"]["to"], "carrier": route["truck"]["carrier"],
         "planned": truck, "actual": truck},
        {"mode": "air", "from": route["air"]["from"], "to": "BKK", "carrier": route["air"]["carrier"],
         "transport_ref": route["air"]["transport_ref"], "planned": air, "actual": air},
        {"mode": "customs", "from": "BKK", "to": "BKK", "carrier": "Thai customs / Thai FDA",
         "planned": [customs[0], customs[0] + CUSTOMS_PLANNED_HOURS], "actual": customs},
        {"mode": "courier", "from": "BKK", "to": spec["destination"], "carrier": "BKK MedCourier",
         "planned": courier, "actual": courier},
    ]
    booked = {
        "reference": spec["reference"], "air_waybill": spec.get("air_waybill"), "origin": ORIGIN,
        "destination": spec["destination"], "status": "closed", "packaging": packaging["text"],
        "packaging_validated_hours": packaging["hours"], "import_permit": spec.get("import_permit"),
        "notes": spec.get("notes"), "planned_departure_h": departed, "planned_arrival_h": courier[1],
        "actual_departure_h": departed, "actual_arrival_h": courier[1], "lines": spec["lines"], "legs": legs,
        "loggers": [{"logger": spec["logger"], "start_h": packed}],
        "milestones": [{"kind": "packed", "at_h": packed, "site": ORIGIN},
                       {"kind": "received", "at_h": received, "site": spec["destination"]}],
    }
    received_at = now + timedelta(hours=received)
    return Plan(spec=booked, now=now, enters=now + timedelta(hours=packed), status=ShipmentStatus.ARRIVED,
                received=received_at, released=received_at + RELEASED_AFTER,
                closed=received_at + RELEASED_AFTER + CLOSED_AFTER,
                mishaps=_mishaps(spec.get("mishaps", []), now, departed), assessments=_assessments(spec))


def _mishaps(specs: list[dict[str, Any]], now: datetime, base_hours: float) -> list[tuple[str, Mishap]]:
    """(logger, mishap) of each written one: at `at_h` hours from now, or `at_hours` after departure."""
    def hours(spec: dict[str, Any]) -> float:
        return float(spec["at_h"]) if "at_h" in spec else base_hours + spec["at_hours"]

    return [(spec["logger"], Mishap(spec["kind"], now + timedelta(hours=hours(spec)),
                                    spec.get("minutes", 40.0))) for spec in specs]


def _assessments(spec: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {mishap["logger"]: {"cause": mishap["cause"], "leg": mishap.get("leg", ""),
                               "comment": mishap["comment"]}
            for mishap in spec.get("mishaps", []) if "cause" in mishap}
