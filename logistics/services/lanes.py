"""Lanes (route templates): record and change them, read them whole, and plan a new shipment from one.

The lane rules are the core's (`core.lanes`): the legs join up from origin to destination and take some
time; a packaging qualified for less than the planned transit is a warning, said on the lane's page and in
the API's answer. A shipment planned from a lane remembers it (`shipments.lane_id`); every change to a lane,
its legs or that link is a GxP record in the audit trail, with the reason the writing session carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.lanes import Coolant, LanePlan, check_lane, plan_legs, transit_s
from logistics.core.lanes import LaneLeg as RuleLeg
from logistics.core.profiles import StorageProfile
from logistics.core.refusals import N_, Refusal
from logistics.db.models import Lane, LaneLeg, Leg, Shipment, Site
from logistics.schemas.lanes import (
    LaneCreate,
    LaneFields,
    LaneLegFields,
    LaneLegPublic,
    LaneList,
    LanePublic,
    LaneShipment,
    LaneSummary,
)
from logistics.schemas.shipments import LegCreate, ShipmentCreate
from logistics.services import lane_rows, loggers, shipments
from logistics.services import legs as routes
from logistics.services.csv_rows import CsvError, read_rows
from logistics.services.errors import InputError, NotFound, input_error_from
from logistics.services.shipment_rows import RowProblem

HOUR_S = 3600.0


def get_lane(session: Session, code: str) -> Lane:
    lane = session.exec(select(Lane).where(Lane.code == code)).first()
    if lane is None:
        raise NotFound(f"no lane {code!r}")
    return lane


def list_lanes(session: Session) -> LaneList:
    """Every lane, by code."""
    codes = _site_codes(session)
    lanes = session.exec(select(Lane).order_by(col(Lane.code))).all()
    return LaneList(items=[_summary(lane, _legs_of(session, lane), codes) for lane in lanes])


def describe_lane(session: Session, code: str) -> LanePublic:
    """The whole lane: its legs, what the rules warn about, and how many shipments were planned from it."""
    lane, codes = get_lane(session, code), _site_codes(session)
    legs = _legs_of(session, lane)
    used = session.exec(select(func.count()).select_from(Shipment).where(Shipment.lane_id == lane.id)).one()
    return LanePublic(
        **_summary(lane, legs, codes).model_dump(), loggers_per_box=lane.loggers_per_box, notes=lane.notes,
        legs=[LaneLegPublic(sequence=leg.sequence, mode=leg.mode, origin=codes[leg.from_site_id],
                            destination=codes[leg.to_site_id], carrier=leg.carrier,
                            wait_hours=leg.wait_s / HOUR_S, duration_hours=leg.duration_s / HOUR_S)
              for leg in legs],
        shipments=used)


def create_lane(session: Session, draft: LaneCreate, profiles: dict[str, StorageProfile]) -> Lane:
    """Record a new lane, once its legs join up from its origin to its destination."""
    if session.exec(select(Lane.id).where(Lane.code == draft.code)).first() is not None:
        raise InputError({"code": f"{draft.code!r} is already used"})
    lane = Lane(code=draft.code, name=draft.name, origin_id=0, destination_id=0)
    _apply(session, lane, draft, profiles)
    session.add(lane)
    session.flush()
    _replace_legs(session, lane, draft.legs)
    return lane


def update_lane(session: Session, code: str, draft: LaneFields, profiles: dict[str, StorageProfile]) -> Lane:
    """Set every field and leg of a lane as `draft` has them; the audit trail keeps what changed. Shipments
    planned from it keep their own legs."""
    lane = get_lane(session, code)
    _apply(session, lane, draft, profiles)
    _replace_legs(session, lane, draft.legs)
    session.flush()
    return lane


def load_lanes(session: Session, drafts: Iterable[LaneCreate], profiles: dict[str, StorageProfile]
               ) -> tuple[int, int]:
    """Record each lane of a seed file, or set an existing one (by code) as the file has it: (created,
    updated). An error names each lane's code and field, of every lane refused."""
    created, updated, refused = record_lanes(session, drafts, profiles)
    if refused:
        raise InputError({f"{code}.{field}": message for code, errors in refused.items()
                          for field, message in errors.items()})
    return created, updated


def record_lanes(session: Session, drafts: Iterable[LaneCreate], profiles: dict[str, StorageProfile]
                 ) -> tuple[int, int, dict[str, dict[str, str]]]:
    """Each lane recorded, or set as `drafts` has it by its code: (created, updated, the refusals of each
    lane refused, by code and field). The caller keeps all of it, or rolls back when any was refused."""
    created = updated = 0
    refused: dict[str, dict[str, str]] = {}
    for draft in drafts:
        try:
            if session.exec(select(Lane.id).where(Lane.code == draft.code)).first() is None:
                create_lane(session, draft, profiles)
                created += 1
            else:
                update_lane(session, draft.code, draft, profiles)
                updated += 1
        except InputError as error:  # refused before anything of the lane was written: go on to the next
            refused[draft.code] = dict(error.errors)
    return created, updated, refused


@dataclass(frozen=True)
class CsvLoad:
    """What loading a lanes CSV did: lanes created and updated, or every problem by row and column."""

    created: int = 0
    updated: int = 0
    problems: tuple[RowProblem, ...] = ()


def load_csv(session: Session, text: str, profiles: dict[str, StorageProfile]) -> CsvLoad:
    """Record the lanes of a CSV file (see `lane_rows`), each lane already there (by code) set as the file
    has it; on any problem nothing is kept (the caller rolls back) and each is named by row and column."""
    try:
        header, rows = read_rows(text)
    except CsvError as error:
        return CsvLoad(problems=(RowProblem(error.row, "file", error.problem),))
    checked = lane_rows.check_file(header, rows)
    created, updated, refused = record_lanes(session, checked.drafts, profiles)
    problems = [*checked.problems, *(problem for code, errors in refused.items()
                                     for problem in lane_rows.place(checked.lanes[code], errors))]
    if problems:
        return CsvLoad(problems=tuple(sorted(problems, key=lambda problem: problem.row)))
    return CsvLoad(created, updated)


def export_csv(session: Session) -> str:
    """Every lane, by code, as a lanes CSV file that loads again as the same lanes."""
    codes = session.exec(select(Lane.code).order_by(col(Lane.code))).all()
    return lane_rows.lanes_csv(describe_lane(session, code) for code in codes)


def lane_drafts(raw: Iterable[dict[str, Any]]) -> list[LaneCreate]:
    """The lanes of a seed file as drafts; InputError naming the lane (its code, else its place) and the
    field."""
    drafts, errors = [], {}
    for place, fields in enumerate(raw, start=1):
        try:
            drafts.append(LaneCreate.model_validate(fields))
        except ValidationError as error:
            name = str(fields.get("code") or f"lane {place}")
            errors.update({f"{name}.{field}": message
                           for field, message in input_error_from(error).errors.items()})
    if errors:
        raise InputError(errors)
    return drafts


def shipment_plan(session: Session, code: str, *, reference: str, departure: datetime) -> LaneShipment:
    """What "new shipment from lane" proposes: the lane's ends, packaging and coolant, and its legs with
    planned start and end from `departure`; nothing is written."""
    lane, codes = get_lane(session, code), _site_codes(session)
    placed = plan_legs([_rule_leg(leg, codes) for leg in _legs_of(session, lane)], departure)
    shipment = ShipmentCreate.model_construct(
        reference=reference, origin=codes[lane.origin_id], destination=codes[lane.destination_id],
        planned_departure=departure, planned_arrival=placed[-1].planned_end if placed else None,
        packaging=lane.packaging, packaging_validated_hours=_hours(lane.packaging_hold_s),
        coolant=lane.coolant, coolant_kg=lane.coolant_kg, air_waybill=None, import_permit=None, notes=None)
    legs = [LegCreate.model_construct(mode=leg.leg.mode, origin=leg.leg.origin,
                                      destination=leg.leg.destination, carrier=leg.leg.carrier,
                                      transport_ref=None, planned_start=leg.planned_start,
                                      planned_end=leg.planned_end) for leg in placed]
    return LaneShipment.model_construct(lane=lane.code, shipment=shipment, legs=legs, loggers=[])


def create_from_lane(session: Session, plan: LaneShipment) -> Shipment:
    """Record the shipment as the person confirmed it, with its legs (each checked against the route) and
    loggers (recording from the planned departure), and remember the lane it was planned from."""
    lane = get_lane(session, plan.lane)
    shipment = shipments.create_shipment(session, plan.shipment)
    shipment.lane_id = lane.id
    for index, leg in enumerate(plan.legs):
        try:
            routes.add_leg(session, shipment.reference, leg)
        except InputError as error:
            raise InputError({f"legs.{index}.{field}": message for field, message in error.errors.items()}
                             ) from None
    starts_at = plan.shipment.planned_departure
    for index, code in enumerate(plan.loggers):
        if starts_at is None:
            raise InputError({"planned_departure": "give the planned departure: the loggers record from it"})
        try:
            loggers.assign(session, logger_code=code, reference=shipment.reference, starts_at=starts_at)
        except (InputError, NotFound) as error:
            message = "; ".join(error.errors.values()) if isinstance(error, InputError) else str(error)
            raise InputError({f"loggers.{index}": message}) from None
    session.flush()
    return shipment


def matching_lane(session: Session, shipment: Shipment) -> Lane | None:
    """The lane whose legs the shipment's legs follow (mode and sites, in order) between the same ends;
    among several, the one with the same packaging; None when there is none, or no single one."""
    route = [(leg.mode, leg.from_site_id, leg.to_site_id) for leg in session.exec(
        select(Leg).where(Leg.shipment_id == shipment.id).order_by(col(Leg.sequence))).all()]
    candidates = [lane for lane in session.exec(select(Lane).where(
        Lane.origin_id == shipment.origin_id, Lane.destination_id == shipment.destination_id)).all()
        if [(leg.mode, leg.from_site_id, leg.to_site_id) for leg in _legs_of(session, lane)] == route]
    if len(candidates) > 1:
        candidates = [lane for lane in candidates if lane.packaging == shipment.packaging]
    return candidates[0] if len(candidates) == 1 else None


def lanes_between(session: Session, origin: str, destination: str) -> list[tuple[str, str]]:
    """(code, name) of the lanes from `origin` to `destination` (site codes), for a shipment's choice."""
    sites = {code: site_id for site_id, code in _site_codes(session).items()}
    rows = session.exec(select(Lane.code, Lane.name).where(
        Lane.origin_id == sites.get(origin, -1), Lane.destination_id == sites.get(destination, -1))
        .order_by(col(Lane.code))).all()
    return [(code, name) for code, name in rows]


def lane_codes(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every lane, for choosing one."""
    rows = session.exec(select(Lane.code, Lane.name).order_by(col(Lane.code))).all()
    return [(code, name) for code, name in rows]


def _apply(session: Session, lane: Lane, draft: LaneFields, profiles: dict[str, StorageProfile]) -> None:
    """Check `draft` against the lane rules (InputError naming each field) and set the lane's fields."""
    errors: dict[str, Any] = {}
    sites = {code: site_id for site_id, code in _site_codes(session).items()}
    for field, code in (("origin", draft.origin), ("destination", draft.destination)):
        if code not in sites:
            errors[field] = f"no site with code {code!r}"
    for index, leg in enumerate(draft.legs):
        for field, code in (("origin", leg.origin), ("destination", leg.destination)):
            if code not in sites:
                errors[f"legs.{index}.{field}"] = f"no site with code {code!r}"
    unknown = [name for name in draft.storage_profiles if name not in profiles]
    if unknown:
        errors["storage_profiles"] = (f"no storage profile {unknown[0]!r} "
                                      f"(one of {', '.join(sorted(profiles))})")
    errors.update({field: message for field, message in check_lane(_plan(draft)).refusals.items()
                   if field not in errors})
    if draft.no_free_liquid and draft.coolant != Coolant.LN2_DRY_SHIPPER:
        errors.setdefault("no_free_liquid", Refusal(N_("only an LN2 dry shipper holds liquid nitrogen")))
    if errors:
        raise InputError(errors)
    lane.name = draft.name.strip()
    lane.origin_id, lane.destination_id = sites[draft.origin], sites[draft.destination]
    lane.packaging = (draft.packaging or "").strip() or None
    lane.packaging_hold_s = _seconds(draft.packaging_hold_hours)
    lane.storage_profiles = ",".join(dict.fromkeys(draft.storage_profiles))
    lane.loggers_per_box = draft.loggers_per_box
    lane.coolant, lane.coolant_kg = draft.coolant, draft.coolant_kg
    lane.no_free_liquid = draft.no_free_liquid
    lane.notes = (draft.notes or "").strip() or None


def _replace_legs(session: Session, lane: Lane, drafts: list[LaneLegFields]) -> None:
    """The lane's legs as `drafts` lists them: each number's leg is changed in place (so that the trail
    says old → new), new numbers added, the numbers past the end deleted."""
    sites = {code: site_id for site_id, code in _site_codes(session).items()}
    existing = {leg.sequence: leg for leg in _legs_of(session, lane)}
    for sequence, draft in enumerate(drafts, start=1):
        leg = existing.pop(sequence, None) or LaneLeg(lane_id=lane.id, sequence=sequence, mode=draft.mode,
                                                      from_site_id=0, to_site_id=0, duration_s=0.0)
        leg.mode, leg.carrier = draft.mode, (draft.carrier or "").strip() or None
        leg.from_site_id, leg.to_site_id = sites[draft.origin], sites[draft.destination]
        leg.wait_s, leg.duration_s = draft.wait_hours * HOUR_S, draft.duration_hours * HOUR_S
        session.add(leg)
    for gone in existing.values():
        session.delete(gone)
    session.flush()


def _plan(draft: LaneFields) -> LanePlan:
    return LanePlan(origin=draft.origin, destination=draft.destination,
                    legs=[RuleLeg(leg.mode, leg.origin, leg.destination, leg.duration_hours * HOUR_S,
                                  leg.wait_hours * HOUR_S, leg.carrier) for leg in draft.legs],
                    hold_s=_seconds(draft.packaging_hold_hours),
                    coolant=draft.coolant, coolant_kg=draft.coolant_kg)


def _summary(lane: Lane, legs: list[LaneLeg], codes: dict[int, str]) -> LaneSummary:
    rule_legs = [_rule_leg(leg, codes) for leg in legs]
    plan = LanePlan(origin=codes[lane.origin_id], destination=codes[lane.destination_id], legs=rule_legs,
                    hold_s=lane.packaging_hold_s, coolant=lane.coolant, coolant_kg=lane.coolant_kg)
    route = [codes[lane.origin_id], *[leg.destination for leg in rule_legs if leg.destination != leg.origin]]
    return LaneSummary(
        code=lane.code, name=lane.name, origin=plan.origin, destination=plan.destination,
        packaging=lane.packaging, packaging_hold_hours=_hours(lane.packaging_hold_s),
        storage_profiles=[name for name in lane.storage_profiles.split(",") if name],
        coolant=lane.coolant, coolant_kg=lane.coolant_kg, no_free_liquid=lane.no_free_liquid,
        transit_hours=transit_s(rule_legs) / HOUR_S,
        route=route, warnings=check_lane(plan).warnings)


def _rule_leg(leg: LaneLeg, codes: dict[int, str]) -> RuleLeg:
    return RuleLeg(leg.mode, codes[leg.from_site_id], codes[leg.to_site_id], leg.duration_s, leg.wait_s,
                   leg.carrier)


def _legs_of(session: Session, lane: Lane) -> list[LaneLeg]:
    return list(session.exec(select(LaneLeg).where(LaneLeg.lane_id == lane.id)
                             .order_by(col(LaneLeg.sequence))).all())


def _site_codes(session: Session) -> dict[int, str]:
    return {site_id: code for site_id, code in session.exec(select(Site.id, Site.code)).all()
            if site_id is not None}


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / HOUR_S


def _seconds(hours: float | None) -> float | None:
    return None if hours is None else hours * HOUR_S
