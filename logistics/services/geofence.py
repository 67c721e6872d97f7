"""Milestones from telemetry: loggers' GPS fixes crossing sites' geofences, and shippers opened.

Reads each reading once, in batches of the readings table after its cursor (`geofence_cursor`), in the
same transaction as what it writes, so a restart carries on where the last batch ended. For each logger
in a shipment under way (packed, in transit, arrived) the readings inside its assignment are followed by
the core: `core.geofence` (where the fixes put it, `geofence_tracks`), `core.openings` (light and door).

What a crossing writes, in the shipment of the logger's assignment and only for a site on its route:
- a milestone (`gps_arrived`, `gps_left`), at the fix's time and site, noting the logger and the fix;
  the same crossing seen by another logger of the shipment within `SAME_CROSSING` is not written twice;
- the legs' actual times that nobody has recorded (`core.stops`); a person may still record or change
  them on the shipment's page;
- a dwell alert once a stop outlasts what the shipment's lane plans for it (`core.stops.overstayed`);
- a critical `dispatch_blocked` alert when a packed shipment leaves its origin while the dispatch gate
  holds it (`services.dispatch_gate`). GPS never marks a shipment departed: a person does, through the
  gate; what the fixes show is recorded all the same.
An opening writes an `opened` milestone. The caller's session signs the changes (the job: "system"); each
carries its own reason in the audit trail.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from logistics.core.alerting import AlertFacts, Route
from logistics.core.clock import local_text
from logistics.core.geofence import (
    Crossing,
    Fence,
    FenceEvent,
    FenceTrack,
    Fix,
    Tracks,
    dwell_s,
    follow,
    tracks_from_json,
    tracks_to_json,
)
from logistics.core.lifecycle import ACTIVE, ShipmentStatus
from logistics.core.openings import LightReading, Opening, OpenState, openings
from logistics.core.profiles import StorageProfile
from logistics.core.stops import LegAtStop, PlannedLeg, leg_changes, overstayed, planned_dwell_s
from logistics.db.models import (
    GeofenceCursor,
    GeofenceTrack,
    LaneLeg,
    Leg,
    Logger,
    LoggerAssignment,
    Milestone,
    Reading,
    Shipment,
    Site,
)
from logistics.db.reading_order import (
    START,
    Position,
    ReadingFeed,
    in_order,
    open_feed,
    past,
    row_position,
    up_to,
)
from logistics.services.alerts import raise_alert
from logistics.services.dispatch_gate import gate_state

BATCH = 5000  # readings per transaction
SAME_CROSSING = timedelta(hours=2)  # two loggers in one box cross a fence at about the same time
ARRIVED, LEFT, OPENED = "gps_arrived", "gps_left", "opened"
KIND = {Crossing.ENTERED: ARRIVED, Crossing.LEFT: LEFT}
DWELL = "dwell"  # the alert kind
DISPATCH_BLOCKED = "dispatch_blocked"  # the alert of goods leaving while the dispatch gate holds them


@dataclass
class DetectReport:
    """What one batch did."""

    readings: int = 0  # looked at (the cursor moved past them)
    milestones: int = 0
    leg_times: int = 0
    alerts: list[AlertFacts] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    at: datetime
    latitude: float | None
    longitude: float | None
    light_lux: float | None
    door_open: bool | None


def detect(session: Session, routes: list[Route], *, now: datetime, public_url: str = "",
           batch: int = BATCH, profiles: Mapping[str, StorageProfile] | None = None) -> DetectReport:
    """Follow the next batch of readings after the cursor; write what they show and move the cursor
    (`profiles`: the current storage profiles the dispatch gate reads; None reads them from the
    database)."""
    report = DetectReport()
    feed = open_feed(session)  # first: the watermark is read before anything is written
    cursor = session.get(GeofenceCursor, 1) or GeofenceCursor(id=1, last_reading_id=START.reading_id,
                                                              last_xid=START.xid)
    low = Position(cursor.last_xid, cursor.last_reading_id)
    found = session.exec(select(Reading.xid, Reading.id).where(past(feed, *low))
                         .order_by(*in_order(feed)).limit(batch)).all()
    if not found:
        return report
    high = row_position(feed, *found[-1])
    report.readings = len(found)
    world = _World(session, public_url, profiles)
    for assignment_id, rows in _readings_by_assignment(session, feed, low, high).items():
        _follow(session, world, assignment_id, rows, now, report)
    cursor.last_xid, cursor.last_reading_id = high
    session.add(cursor)
    for facts in report.alerts:
        raise_alert(session, routes, facts)
    return report


class _World:
    """The sites with a fence, and each shipment's route and lane, read once per batch."""

    def __init__(self, session: Session, public_url: str,
                 profiles: Mapping[str, StorageProfile] | None = None) -> None:
        self.session, self.public_url, self.profiles = session, public_url, profiles
        sites = session.exec(select(Site)).all()
        self.codes = {site.id: site.code for site in sites}
        self.ids = {site.code: site.id for site in sites}
        self.zones = {site.code: site.timezone for site in sites}
        self.fences = [Fence(site.code, site.latitude, site.longitude, site.radius_m) for site in sites
                       if site.latitude is not None and site.longitude is not None and site.radius_m]
        self._lanes: dict[int, list[PlannedLeg]] = {}

    def legs(self, shipment: Shipment) -> list[Leg]:
        return list(self.session.exec(select(Leg).where(Leg.shipment_id == shipment.id)
                                      .order_by(col(Leg.sequence))).all())

    def route_sites(self, shipment: Shipment) -> set[str]:
        ends = {shipment.origin_id, shipment.destination_id}
        for leg in self.legs(shipment):
            ends |= {leg.from_site_id, leg.to_site_id}
        return {self.codes[site_id] for site_id in ends}

    def lane(self, shipment: Shipment) -> list[PlannedLeg]:
        if shipment.lane_id is None:
            return []
        if shipment.lane_id not in self._lanes:
            rows = self.session.exec(select(LaneLeg).where(LaneLeg.lane_id == shipment.lane_id)
                                     .order_by(col(LaneLeg.sequence))).all()
            self._lanes[shipment.lane_id] = [
                PlannedLeg(self.codes[row.from_site_id], self.codes[row.to_site_id], row.wait_s,
                           row.duration_s) for row in rows]
        return self._lanes[shipment.lane_id]


def _readings_by_assignment(session: Session, feed: ReadingFeed, low: Position,
                            high: Position) -> dict[int, list[_Row]]:
    """The readings at positions in (low, high] that fall in a logger's assignment to a shipment under
    way and carry a position, light or door, by assignment."""
    rows = session.exec(
        select(LoggerAssignment.id, Reading.device_time, Reading.latitude, Reading.longitude,
               Reading.light_lux, Reading.door_open)
        .join(LoggerAssignment, LoggerAssignment.logger_id == Reading.logger_id)
        .join(Shipment, Shipment.id == LoggerAssignment.shipment_id)
        .where(past(feed, *low), up_to(feed, high),
               col(Shipment.status).in_([status.value for status in ACTIVE]),
               LoggerAssignment.starts_at <= Reading.device_time,
               or_(col(LoggerAssignment.ends_at).is_(None),
                   col(LoggerAssignment.ends_at) > Reading.device_time),
               or_(col(Reading.latitude).is_not(None), col(Reading.light_lux).is_not(None),
                   col(Reading.door_open).is_not(None)))).all()
    grouped: dict[int, list[_Row]] = defaultdict(list)
    for assignment_id, *values in rows:
        grouped[assignment_id].append(_Row(*values))
    return grouped


def _follow(session: Session, world: _World, assignment_id: int, rows: list[_Row], now: datetime,
            report: DetectReport) -> None:
    assignment = session.get(LoggerAssignment, assignment_id)
    assert assignment is not None and assignment.shipment_id is not None
    shipment = session.get(Shipment, assignment.shipment_id)
    logger = session.get(Logger, assignment.logger_id)
    assert shipment is not None and logger is not None
    track = session.get(GeofenceTrack, assignment_id)
    tracks = tracks_from_json(json.loads(track.state)) if track else Tracks()
    opened = OpenState(track.opened, track.light_checked_at) if track else OpenState()
    fixes = [Fix(row.at, row.latitude, row.longitude) for row in rows
             if row.latitude is not None and row.longitude is not None]
    tracks, crossings = follow(tracks, world.fences, fixes)
    opened, found = openings(opened, [LightReading(row.at, row.light_lux, row.door_open) for row in rows
                                      if row.light_lux is not None or row.door_open is not None])
    route = world.route_sites(shipment)
    for crossing in crossings:
        if crossing.site in route:
            _crossed(session, world, shipment, logger.code, crossing, report)
    for opening in found:
        _opened(session, shipment, logger.code, opening, report)
    stays = [(crossing.site, crossing.stay) for crossing in crossings if crossing.crossing is Crossing.LEFT]
    stays += [(site, stay) for site, stay in tracks.fences.items() if stay.inside]
    report.alerts += _dwell_alerts(world, shipment, stays, now)
    track = track or GeofenceTrack(assignment_id=assignment_id, state="{}", updated_at=now)
    track.state, track.opened, track.light_checked_at = json.dumps(tracks_to_json(tracks)), opened.opened, \
        opened.last
    track.updated_at = now
    session.add(track)
    session.flush()


def _crossed(session: Session, world: _World, shipment: Shipment, logger: str, crossing: FenceEvent,
             report: DetectReport) -> None:
    """The milestone of a crossing, and the legs' actual times it records."""
    kind, site_id = KIND[crossing.crossing], world.ids[crossing.site]
    verb = "arrived at" if crossing.crossing is Crossing.ENTERED else "left"
    session.info["reason"] = f"GPS: {logger} {verb} {crossing.site} (geofence)"
    if not _said_already(session, shipment, kind, site_id, crossing.at):
        session.add(Milestone(shipment_id=shipment.id, kind=kind, at=crossing.at, site_id=site_id,
                              note=f"{logger}, GPS {crossing.latitude:.5f}, {crossing.longitude:.5f}"))
        report.milestones += 1
    legs = world.legs(shipment)
    by_sequence = {leg.sequence: leg for leg in legs}
    route = [LegAtStop(leg.sequence, world.codes[leg.from_site_id], world.codes[leg.to_site_id],
                       leg.actual_start, leg.actual_end) for leg in legs]
    for change in leg_changes(route, crossing.site, crossing.crossing, crossing.at):
        setattr(by_sequence[change.sequence], change.field, change.at)  # audited, old → new
        session.add(by_sequence[change.sequence])
        report.leg_times += 1
    session.flush()  # the audit events take this crossing's reason
    if crossing.crossing is Crossing.LEFT and site_id == shipment.origin_id:
        report.alerts += _left_while_held(session, world, shipment, crossing)


def _left_while_held(session: Session, world: _World, shipment: Shipment, crossing: FenceEvent
                     ) -> list[AlertFacts]:
    """Goods seen leaving their origin before anyone marked them departed, while the dispatch gate holds
    them: the status stays as it is (the gate is not passed by a GPS fix), and QA and logistics hear of it
    once per shipment."""
    if shipment.status != ShipmentStatus.PACKED:
        return []
    state = gate_state(session, shipment, now=crossing.at, profiles=world.profiles)
    if state.ready:
        return []
    reasons = "; ".join(str(reason.refusal) for reason in state.blocking)
    zone = world.zones[crossing.site]
    return [AlertFacts(
        key=f"{DISPATCH_BLOCKED}:{shipment.reference}", kind=DISPATCH_BLOCKED, severity="critical",
        site=crossing.site, subject=shipment.reference,
        title=f"{shipment.reference} left {crossing.site} while the dispatch gate holds it",
        body=(f"{shipment.reference}'s loggers left {crossing.site} at {local_text(crossing.at, zone)}, but "
              f"it is still {shipment.status} and the dispatch gate holds it: {reasons}. Stop the goods, or "
              "resolve the reasons (QA may override them) and mark it in transit."),
        raised_at=crossing.at, link=f"{world.public_url}/shipments/{shipment.reference}")]


def _opened(session: Session, shipment: Shipment, logger: str, opening: Opening,
            report: DetectReport) -> None:
    shown = "door open" if opening.door_open else f"light {opening.light_lux:g} lx"
    session.info["reason"] = f"{logger}: shipper opened ({shown})"
    if not _said_already(session, shipment, OPENED, None, opening.at, within=timedelta(minutes=30)):
        session.add(Milestone(shipment_id=shipment.id, kind=OPENED, at=opening.at, note=f"{logger}, {shown}"))
        report.milestones += 1
    session.flush()


def _said_already(session: Session, shipment: Shipment, kind: str, site_id: int | None, at: datetime, *,
                  within: timedelta = SAME_CROSSING) -> bool:
    query = select(Milestone.id).where(Milestone.shipment_id == shipment.id, Milestone.kind == kind,
                                       Milestone.at >= at - within, Milestone.at <= at + within)
    if site_id is not None:
        query = query.where(Milestone.site_id == site_id)
    return session.exec(query).first() is not None


def _dwell_alerts(world: _World, shipment: Shipment, stays: list[tuple[str, FenceTrack]],
                  now: datetime) -> list[AlertFacts]:
    """A stop held longer than the lane plans (the stays ended in this batch, and those going on): once
    per stop and arrival."""
    lane, found = world.lane(shipment), []
    origin, destination = world.codes[shipment.origin_id], world.codes[shipment.destination_id]
    for site, track in stays:
        planned = planned_dwell_s(lane, site, origin=origin, destination=destination) if lane else None
        stayed = dwell_s(track)
        if planned is None or track.since is None or not overstayed(stayed, planned):
            continue
        zone = world.zones[site]
        found.append(AlertFacts(
            key=f"{DWELL}:{shipment.reference}:{site}:{track.since.isoformat()}", kind=DWELL,
            severity="major", site=site, subject=shipment.reference,
            title=f"{shipment.reference} held at {site} longer than planned ({_hours(planned)} h)",
            body=(f"{shipment.reference} has been at {site} since {local_text(track.since, zone)} "
                  f"({_hours(stayed)} h by its loggers' GPS), longer than the {_hours(planned)} h its lane "
                  "plans for the stop. Check the goods' coolant and the packaging's hold time."),
            raised_at=now, link=f"{world.public_url}/shipments/{shipment.reference}"))
    return found


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}"
