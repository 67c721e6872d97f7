"""Loads the demo scenario (config/demo.toml) with times relative to `now`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from logistics.core.lifecycle import ShipmentStatus, transition
from logistics.core.profiles import StorageProfile
from logistics.core.units import parse_quantity
from logistics.db.models import Leg, LoggerAssignment, Milestone, Shipment, ShipmentLine, Site
from logistics.readers.config_files import load_demo_scenario, load_lanes
from logistics.schemas.permits import PermitCreate
from logistics.schemas.shipments import ShipmentCreate
from logistics.services import (
    catalogue,
    lanes,
    loggers,
    permits,
    recruitment,
    shipments,
    stock,
    storage,
    users,
)

# The order a shipment passes through on its way to a demo status.
PATH = [ShipmentStatus.PACKED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.ARRIVED,
        ShipmentStatus.RECEIVED, ShipmentStatus.CLOSED]


@dataclass(frozen=True)
class DemoLoad:
    counts: dict[str, int]
    logger_secrets: dict[str, str]  # logger id -> its MQTT secret, for the simulator


class DemoAlreadyLoaded(RuntimeError):
    """The database already holds the demo scenario."""


def load_demo(
    session: Session, profiles: dict[str, StorageProfile], *, now: datetime,
    scenario: dict[str, Any] | None = None,
) -> DemoLoad:
    """Insert the scenario's users, sites, items, lots, loggers and shipments (their records only: the
    history of readings, receipts and decisions is demo_history's)."""
    scenario = scenario or load_demo_scenario()
    secrets = load_catalogue(session, profiles, now=now, scenario=scenario)
    for spec in scenario["shipments"]:
        add_shipment(session, spec, now)
    return DemoLoad(counts=counts_of(scenario), logger_secrets=secrets)


def load_catalogue(session: Session, profiles: dict[str, StorageProfile], *, now: datetime,
                   scenario: dict[str, Any], lots: Sequence[dict[str, Any]] = ()) -> dict[str, str]:
    """Everything but the shipments: users, sites, items, lots (and `lots` besides), loggers, zones, the
    lanes (config/lanes.toml), the opening stock (counted the day the tracker went live) and the trial;
    each logger's secret by its id."""
    if session.exec(select(Site.id).where(Site.code == scenario["sites"][0]["code"])).first():
        raise DemoAlreadyLoaded("the demo data is already in this database")
    today = now.date()
    for user in scenario["users"]:
        users.add_user(session, **user)
    for site in scenario["sites"]:
        catalogue.add_site(session, **site)
    for item in scenario["items"]:
        catalogue.add_item(session, profiles, **item)
    session.flush()
    shelf_lives = {item["code"]: item.get("shelf_life_days") for item in scenario["items"]}
    for lot in [*scenario["lots"], *lots]:
        expiry = today + timedelta(days=lot["expiry_days"])
        shelf_life = shelf_lives.get(lot["item"])
        made = expiry - timedelta(days=shelf_life) if shelf_life else None
        catalogue.add_lot(session, item_code=lot["item"], lot_number=lot["lot_number"], expiry=expiry,
                          manufactured=made if made and made <= today else None)
    secrets = {}
    for logger in scenario["loggers"]:
        _, secrets[logger["code"]] = loggers.register_logger(
            session, code=logger["code"], serial=logger["serial"], model=logger["model"],
            calibration_due=today + timedelta(days=logger["calibration_due_days"]))
    for zone in scenario.get("zones", []):
        _add_zone(session, profiles, zone, now)
    lanes.load_lanes(session, lanes.lane_drafts(load_lanes()), profiles)
    permits.load_permits(session, [_permit(spec, scenario, today)
                                   for spec in scenario.get("import_permits", [])])
    went_live = now + timedelta(days=scenario.get("went_live_days", 0))
    for held in scenario.get("stock", []):
        stock.open_balance(session, **held, by="demo", now=went_live)
    _add_trial(session, scenario, now)
    return secrets


def _permit(spec: dict[str, Any], scenario: dict[str, Any], today: date) -> PermitCreate:
    """An import permit of the scenario (days from today); without `items` it covers every item."""
    return PermitCreate(number=spec["number"], holder=spec["holder"], protocol_number=spec["protocol_number"],
                        issued=today + timedelta(days=spec["issued_days"]),
                        expires=today + timedelta(days=spec["expiry_days"]),
                        items=spec.get("items") or [item["code"] for item in scenario["items"]])


def counts_of(scenario: dict[str, Any]) -> dict[str, int]:
    return {name: len(scenario.get(name, [])) for name in
            ("users", "sites", "items", "lots", "loggers", "zones", "shipments")}


def _add_trial(session: Session, scenario: dict[str, Any], now: datetime) -> None:
    """The trial's recruitment plan, sites and enrolments, its bill of materials and supply terms."""
    plan = scenario.get("recruitment")
    if plan is None:
        return
    today = now.date()
    recruitment.save_plan(session, trial=plan["trial"], target=plan["target"],
                          prior_strength=plan["prior_strength"], fixed_rate=False,
                          screen_failure_ratio=plan["screen_failure_ratio"],
                          batches_per_patient=plan["batches_per_patient"])
    for site in plan["sites"]:
        recruitment.save_site(session, code=site["code"], name=site["name"],
                              planned_rate=site["planned_rate"],
                              activated_on=today + timedelta(days=site["activated_days"]))
    for patient in plan["enrolments"]:
        recruitment.enrol(session, site=patient["site"], patient_code=patient["patient_code"],
                          enrolled_on=today + timedelta(days=patient["days"]), source="page", by="demo",
                          today=today)
    for line in scenario.get("bom", []):
        recruitment.add_bom_line(session, **line)
    for terms in scenario.get("supply", []):
        recruitment.set_supply_terms(session, item=terms["item"],
                                     minimum_order=terms.get("minimum_order", 0.0),
                                     overage=terms.get("overage", 1.0))


def _add_zone(session: Session, profiles: dict[str, StorageProfile], spec: dict[str, Any],
              now: datetime) -> None:
    """A storage zone, and the logger that watches it (if it has one)."""
    zone = storage.add_zone(session, profiles, site=spec["site"], code=spec["code"], name=spec["name"],
                            storage_profile=spec["storage_profile"])
    if "logger" in spec:
        loggers.assign_to_zone(session, logger_code=spec["logger"], zone_code=zone.code,
                               starts_at=now + timedelta(hours=spec["logger_start_h"]))


def add_shipment(session: Session, spec: dict[str, Any], now: datetime, *,
                 status: ShipmentStatus | None = None) -> Shipment:
    """The shipment of `spec` (times in hours from `now`), moved along its lifecycle to its status (or to
    `status`, as far as the history has brought it)."""
    def at(hours: float | None) -> datetime | None:
        return None if hours is None else now + timedelta(hours=hours)

    shipment = shipments.create_shipment(session, ShipmentCreate(
        reference=spec["reference"], origin=spec["origin"], destination=spec["destination"],
        air_waybill=spec.get("air_waybill"), packaging=spec.get("packaging"),
        packaging_validated_hours=spec.get("packaging_validated_hours"),
        import_permit=spec.get("import_permit"), notes=spec.get("notes"),
        coolant=spec.get("coolant"), coolant_kg=spec.get("coolant_kg"),
        planned_departure=at(spec.get("planned_departure_h")),
        planned_arrival=at(spec.get("planned_arrival_h")),
    ))
    shipment.invoice_number = spec.get("invoice_number")
    _walk_to(shipment, status or ShipmentStatus(spec["status"]))
    shipment.actual_departure = at(spec.get("actual_departure_h"))
    shipment.actual_arrival = at(spec.get("actual_arrival_h"))
    for line in spec.get("lines", []):
        item_code, lot_number = line["lot"].split("/", 1)
        lot, item = catalogue.get_lot(session, item_code, lot_number)
        session.add(ShipmentLine(shipment_id=shipment.id, lot_id=lot.id, unit=item.unit,
                                 quantity=parse_quantity(line["quantity"], item.unit),
                                 net_weight_kg=line.get("net_kg")))
    for sequence, leg in enumerate(spec.get("legs", []), start=1):
        planned, actual = leg["planned"], leg.get("actual", [])
        session.add(Leg(
            shipment_id=shipment.id, sequence=sequence, mode=leg["mode"],
            from_site_id=catalogue.get_site(session, leg["from"]).id,
            to_site_id=catalogue.get_site(session, leg["to"]).id,
            carrier=leg.get("carrier"), transport_ref=leg.get("transport_ref"),
            planned_start=at(planned[0]), planned_end=at(planned[1]),
            actual_start=at(actual[0] if actual else None),
            actual_end=at(actual[1] if len(actual) > 1 else None),
        ))
    for assignment in spec.get("loggers", []):
        session.add(LoggerAssignment(
            logger_id=catalogue.get_logger(session, assignment["logger"]).id,
            shipment_id=shipment.id, starts_at=at(assignment["start_h"]),
            ends_at=at(assignment.get("end_h")), position=assignment.get("position"),
        ))
    for milestone in spec.get("milestones", []):
        session.add(Milestone(
            shipment_id=shipment.id, kind=milestone["kind"], at=at(milestone["at_h"]),
            site_id=catalogue.get_site(session, milestone["site"]).id, note=milestone.get("note"),
        ))
    session.flush()
    lane = lanes.matching_lane(session, shipment)  # the lane whose legs it follows, if any
    shipment.lane_id = lane.id if lane else None
    session.flush()
    return shipment


def _walk_to(shipment: Shipment, target: ShipmentStatus) -> None:
    """Move a new shipment along the lifecycle to `target`, one allowed step at a time."""
    if target == ShipmentStatus.CANCELLED:
        shipment.status = transition(shipment.status, target)
        return
    for status in PATH[: PATH.index(target) + 1] if target in PATH else []:
        shipment.status = transition(shipment.status, status)
