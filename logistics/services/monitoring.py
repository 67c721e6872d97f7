"""Scheduled checks that raise alerts: silent loggers, goods under way with no logger, calibration due,
low batteries, stock expiring."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import String, cast, literal, or_
from sqlmodel import Session, col, select

from logistics.core.alerting import AlertFacts, Route, Target, matching_routes
from logistics.core.attention import Unwatched, unwatched
from logistics.core.clock import local_text
from logistics.core.excursion_review import ReviewStatus
from logistics.core.excursion_types import Window
from logistics.core.legs import LegMode
from logistics.core.lifecycle import ACTIVE, UNDER_WAY
from logistics.core.silence import AirLeg, silence
from logistics.db.models import Alert, ExcursionRecord, Leg, Logger, LoggerAssignment, Shipment, Site
from logistics.services.alerts import facts_of, raise_alert, withhold_settled
from logistics.services.excursions import logger_window
from logistics.services.stock import expiry_warnings
from logistics.settings import Settings


@dataclass(frozen=True)
class MonitoringPolicy:
    silent_after: timedelta = timedelta(minutes=30)
    flight_grace: timedelta = timedelta(minutes=60)  # late landings before a silent flight is an alarm
    calibration_warning: timedelta = timedelta(days=30)
    low_battery_percent: float = 20.0
    expiry_warning_days: int = 90
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def of(cls, settings: Settings) -> MonitoringPolicy:
        return cls(silent_after=timedelta(minutes=settings.silent_after_minutes),
                   expiry_warning_days=settings.expiry_warning_days,
                   public_url=settings.public_url.rstrip("/"))


NO_LOGGER = "no_logger"  # the alert kind of goods under way that no logger records


def run_checks(session: Session, routes: list[Route], policy: MonitoringPolicy, *, now: datetime) -> int:
    """Raise every alert the checks find; returns how many were new."""
    found = [*silent_loggers(session, policy, now=now), *unwatched_shipments(session, policy, now=now),
             *logger_upkeep(session, policy, now=now), *stock_expiry(session, policy, now=now)]
    raised = sum(raise_alert(session, routes, facts) is not None for facts in found)
    # A logger records those goods again (or they were received): what was not sent yet is not sent.
    withhold_settled(session, NO_LOGGER, {facts.key for facts in found if facts.kind == NO_LOGGER})
    for facts, targets in unacknowledged_reminders(session, routes, now=now):
        raised += raise_alert(session, routes, facts, targets) is not None
    return raised


def unacknowledged_reminders(session: Session, routes: list[Route], *, now: datetime
                             ) -> Iterator[tuple[AlertFacts, list[Target]]]:
    """For excursions nobody has acknowledged: the escalation to a second contact, and the repeats,
    as each matching route asks (each raised once: its key names the step)."""
    rows = session.exec(
        select(Alert).join(ExcursionRecord, col(Alert.key) == literal("excursion:")
                           + cast(ExcursionRecord.id, String) + literal(":opened"))
        .where(ExcursionRecord.status == ReviewStatus.OPEN.value)).all()
    for alert in rows:
        opened = facts_of(alert)
        waited = now - opened.raised_at
        for route in matching_routes(routes, opened):
            if route.escalate_after_minutes is not None and route.escalate_to and \
                    waited >= timedelta(minutes=route.escalate_after_minutes):
                yield _reminder(opened, "escalated", "Not acknowledged: ", now), list(route.escalate_to)
            if route.repeat_every_minutes:
                repeats = int(waited / timedelta(minutes=route.repeat_every_minutes))
                if repeats >= 1:
                    yield (_reminder(opened, f"repeat:{repeats}", "Still not acknowledged: ", now),
                           list(route.targets))


def _reminder(opened: AlertFacts, step: str, prefix: str, now: datetime) -> AlertFacts:
    return replace(opened, key=opened.key.removesuffix(":opened") + f":{step}", title=prefix + opened.title,
                   raised_at=now)


def silent_loggers(session: Session, policy: MonitoringPolicy, *, now: datetime) -> Iterator[AlertFacts]:
    """Loggers in active shipments not heard from in time, except on a flight that is on schedule."""
    rows = session.exec(
        select(LoggerAssignment, Logger, Shipment, Site)
        .join(Logger, Logger.id == LoggerAssignment.logger_id)
        .join(Shipment, Shipment.id == LoggerAssignment.shipment_id)
        .join(Site, Site.id == Shipment.destination_id)
        .where(col(Shipment.status).in_([status.value for status in ACTIVE]),
               LoggerAssignment.starts_at <= now,
               or_(col(LoggerAssignment.ends_at).is_(None), col(LoggerAssignment.ends_at) > now))
    ).all()
    for assignment, logger, shipment, site in rows:
        flights = select(Leg).where(Leg.shipment_id == shipment.id, Leg.mode == LegMode.AIR)
        legs = [AirLeg(leg.planned_start, leg.planned_end, leg.actual_start, leg.actual_end)
                for leg in session.exec(flights)]
        found = silence(logger.last_seen_at, assignment.starts_at, legs, now=now,
                        allowed=policy.silent_after, grace=policy.flight_grace)
        if found is None:
            continue
        since = local_text(found.since, site.timezone)
        overrun = found.overrun_leg is not None
        why = ("its flight should have landed by "
               f"{local_text(found.overrun_leg.planned_end, site.timezone)}" if found.overrun_leg
               and found.overrun_leg.planned_end else "outside any planned flight")
        yield AlertFacts(
            key=f"silent:{logger.code}:{found.since.isoformat()}{':overrun' if overrun else ''}",
            kind="silent_logger", severity="major", site=site.code, subject=logger.code,
            title=f"Logger {logger.code} in {shipment.reference} silent since {since}",
            body=f"No reading from {logger.code} since {since}, {why}.", raised_at=now,
            link=f"{policy.public_url}/shipments/{shipment.reference}")


def no_logger(shipment: Shipment, windows: list[Window], *, now: datetime) -> Unwatched | None:
    """Whether the shipment is under way with none of its loggers' windows holding `now` (core.attention);
    it left at its actual departure, or its planned one when nobody recorded it."""
    departed = shipment.actual_departure or shipment.planned_departure
    return unwatched(shipment.status, windows, departed=departed, now=now)


def unwatched_shipments(session: Session, policy: MonitoringPolicy, *, now: datetime) -> Iterator[AlertFacts]:
    """Goods under way that no logger records: an excursion on them would go unseen. Said once per
    stretch without a logger (the key names since when), so a logger taken out again is said again."""
    rows = session.exec(select(Shipment, Site).join(Site, Site.id == Shipment.destination_id)
                        .where(col(Shipment.status).in_([status.value for status in UNDER_WAY]))
                        .order_by(col(Shipment.reference))).all()
    assigned: dict[int | None, list[LoggerAssignment]] = defaultdict(list)
    for assignment in session.exec(select(LoggerAssignment).where(
            col(LoggerAssignment.shipment_id).in_([shipment.id for shipment, _ in rows]))):
        assigned[assignment.shipment_id].append(assignment)
    for shipment, site in rows:
        windows = [logger_window(assignment, shipment) for assignment in assigned[shipment.id]]
        found = no_logger(shipment, windows, now=now)
        if found is None:
            continue
        since = local_text(found.since, site.timezone) if found.since else None
        yield AlertFacts(
            key=f"{NO_LOGGER}:{shipment.reference}:{found.since.isoformat() if found.since else 'unknown'}",
            kind=NO_LOGGER, severity="major", site=site.code, subject=shipment.reference,
            title=f"{shipment.reference} is under way with no logger recording"
                  + (f" since {since}" if since else ""),
            body=(f"{shipment.reference} ({shipment.status}) has no logger recording its temperature, so an "
                  "excursion would go unseen. Assign a logger to it in the tracker."),
            raised_at=now, link=f"{policy.public_url}/shipments/{shipment.reference}")


def logger_upkeep(session: Session, policy: MonitoringPolicy, *, now: datetime) -> Iterator[AlertFacts]:
    """Calibrations falling due and batteries running low."""
    loggers = session.exec(select(Logger).where(Logger.status != "retired")).all()
    warn_until = (now + policy.calibration_warning).date()
    for logger in loggers:
        due = logger.calibration_due
        if due is not None and due <= warn_until:
            overdue = due < now.date()
            yield AlertFacts(
                key=f"calibration:{logger.code}:{due.isoformat()}:{'overdue' if overdue else 'due'}",
                kind="calibration_due", severity="major" if overdue else "minor", site=None,
                subject=logger.code,
                title=f"Logger {logger.code} calibration {'expired' if overdue else 'due'} on {due}",
                body=f"Recalibrate {logger.code} ({logger.model or 'logger'}, serial {logger.serial}) "
                     f"{'before its next use' if overdue else f'by {due}'}.",
                raised_at=now, link=f"{policy.public_url}/loggers")
        if logger.battery is not None and logger.battery < policy.low_battery_percent:
            yield AlertFacts(
                key=f"battery:{logger.code}:{now.date().isoformat()}", kind="low_battery", severity="minor",
                site=None, subject=logger.code, title=f"Logger {logger.code} battery at {logger.battery:g} %",
                body=f"Charge or replace the battery of {logger.code} before it travels again.",
                raised_at=now, link=f"{policy.public_url}/loggers")


def stock_expiry(session: Session, policy: MonitoringPolicy, *, now: datetime) -> Iterator[AlertFacts]:
    """Available stock expiring within the warning window, then again once it has expired: each lot at
    each site is announced once per stage, so the pharmacy uses it first or takes it out of stock."""
    today = now.date()
    for balance in expiry_warnings(session, today=today, within_days=policy.expiry_warning_days):
        held = balance.holding
        expired = held.expiry < today
        stage = "expired" if expired else "expiring"
        amount = f"{held.quantity:g} {balance.unit}"
        yield AlertFacts(
            key=f"expiry:{balance.site}:{held.lot_id}:{stage}", kind="stock_expiry",
            severity="major" if expired else "minor", site=balance.site, subject=held.lot_number,
            title=(f"{held.item_code} lot {held.lot_number} at {balance.site} "
                   f"{'expired' if expired else 'expires'} on {held.expiry}"),
            body=(f"{amount} of {balance.item_name} still available; "
                  + ("take it out of use." if expired else
                     f"use it first (first expiry, first out) or plan its replacement "
                     f"({(held.expiry - today).days} days left).")),
            raised_at=now, link=f"{policy.public_url}/stock?item={held.item_code}")
