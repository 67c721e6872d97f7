"""What the demo's loggers live through, read from the records: each one's stretches along its shipment's
legs (sensors.itinerary), or in its storage zone, and so its readings.

The same records give the same readings, so what `logistics init --demo` recorded and what `logistics
demo` sends afterwards are one journey: the simulator goes on from each logger's newest stored reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.lifecycle import ACTIVE
from logistics.db.models import Leg, Logger, LoggerAssignment, Reading, Shipment, Site, StorageZone
from logistics.services.excursions import profiles_in
from sensors.itinerary import LegTimes, Mishap, Stretch, readings_along, shipper_profile, stretches_along
from sensors.journey import SITES, Position, SimReading

# Where the demo's sites are on the map (the hospital's two buildings share one address).
PLACES: dict[str, Position] = {"HG-SZ": SITES["warehouse"], "SZX": SITES["SZX"], "HKG": SITES["HKG"],
                               "BKK": SITES["BKK"], "SIRIRAJ-PH": SITES["siriraj"],
                               "SIRIRAJ-CM": SITES["siriraj"]}
SHIPMENT_INTERVAL_S = 300.0  # a shipment logger reads every 5 minutes
ZONE_INTERVAL_S = 1800.0  # a fridge logger (on mains power and Wi-Fi) every 30
AWAITING_RECEIPT = timedelta(days=7)  # a logger records on at the receiving bay until it is stopped
ZONE_AHEAD = timedelta(days=30)  # how far ahead a storage zone's readings are planned


@dataclass(frozen=True)
class LoggerJourney:
    """One logger's time in one shipment or zone: where it is at each moment, and what befalls it."""

    logger: str
    profile: str  # the shipper's (or the zone's) storage profile
    stretches: list[Stretch]
    interval_s: float
    seed: str
    mishaps: list[Mishap] = field(default_factory=list)
    mains_powered: bool = False

    def readings(self) -> list[SimReading]:
        return readings_along(self.stretches, profile=self.profile, interval_s=self.interval_s,
                              seed=self.seed, mishaps=self.mishaps, mains_powered=self.mains_powered)


def shipment_journeys(session: Session, shipment: Shipment, *, until: datetime | None = None,
                      mishaps: Sequence[tuple[str, Mishap]] = (), recording_only: bool = False
                      ) -> list[LoggerJourney]:
    """A journey for each logger assigned to the shipment (or only those still recording), over its
    assignment or up to `until`; `mishaps` are (logger, mishap)."""
    legs, sites = _legs(session, shipment), _places(session)
    profile = shipper_profile(profiles_in(session, shipment))
    query = (select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
             .where(LoggerAssignment.shipment_id == shipment.id).order_by(col(Logger.code)))
    if recording_only:
        query = query.where(col(LoggerAssignment.ends_at).is_(None))
    rows = session.exec(query).all()
    last_end = max((leg.end for leg in legs), default=None)
    journeys = []
    for assignment, code in rows:
        end = until or assignment.ends_at or (last_end or assignment.starts_at) + AWAITING_RECEIPT
        stretches = stretches_along(legs, start=assignment.starts_at, end=end,
                                    origin=sites.get(shipment.origin_id),
                                    destination=sites.get(shipment.destination_id))
        journeys.append(LoggerJourney(
            logger=code, profile=profile, stretches=stretches, interval_s=SHIPMENT_INTERVAL_S,
            seed=f"{shipment.reference}:{code}",
            mishaps=[mishap for logger, mishap in mishaps if logger == code]))
    return journeys


def zone_journeys(session: Session, *, now: datetime) -> list[LoggerJourney]:
    """A journey for each logger watching a storage zone: one stretch in the fridge or freezer."""
    rows = session.exec(select(LoggerAssignment, Logger.code, StorageZone)
                        .join(Logger, Logger.id == LoggerAssignment.logger_id)
                        .join(StorageZone, StorageZone.id == LoggerAssignment.storage_zone_id)
                        .where(col(LoggerAssignment.ends_at).is_(None)).order_by(col(Logger.code))).all()
    sites = _places(session)
    return [LoggerJourney(logger=code, profile=zone.storage_profile,
                          stretches=[Stretch("storage", assignment.starts_at, now + ZONE_AHEAD,
                                             sites.get(zone.site_id))],
                          interval_s=ZONE_INTERVAL_S, seed=f"{zone.code}:{code}", mains_powered=True)
            for assignment, code, zone in rows]


def live_journeys(session: Session, *, now: datetime) -> list[LoggerJourney]:
    """The journeys of the loggers recording now: in the shipments under way and in the storage zones."""
    active = [status.value for status in ACTIVE]
    shipments = session.exec(select(Shipment).where(col(Shipment.status).in_(active))
                             .order_by(col(Shipment.reference))).all()
    journeys = [journey for shipment in shipments
                for journey in shipment_journeys(session, shipment, recording_only=True)]
    return journeys + zone_journeys(session, now=now)


def newest_readings(session: Session, codes: Sequence[str]) -> dict[str, datetime]:
    """The device time of each logger's newest stored reading (loggers with none are left out)."""
    rows = session.exec(select(Logger.code, func.max(Reading.device_time))
                        .join(Reading, Reading.logger_id == Logger.id)
                        .where(col(Logger.code).in_(list(codes))).group_by(Logger.code)).all()
    return {code: _aware(newest) for code, newest in rows if newest is not None}


def _legs(session: Session, shipment: Shipment) -> list[LegTimes]:
    """The shipment's legs as they ran: actual times where recorded, else planned ones."""
    places = _places(session)
    legs = []
    for leg in session.exec(select(Leg).where(Leg.shipment_id == shipment.id).order_by(col(Leg.sequence))):
        start = leg.actual_start or leg.planned_start
        end = leg.actual_end or leg.planned_end  # under way: due when planned
        if start is None or end is None:
            continue
        legs.append(LegTimes(leg.mode, start, max(start, end), places.get(leg.from_site_id),
                             places.get(leg.to_site_id)))
    return legs


def _places(session: Session) -> dict[int, Position]:
    return {site.id: PLACES[site.code] for site in session.exec(select(Site)).all()
            if site.id is not None and site.code in PLACES}


def _aware(moment: datetime | str) -> datetime:
    """max() over a time column comes back untyped from SQLite: read it as the column would."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)
