"""Raising alerts (once per state change) and delivering them, with retries and back-off."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from logistics.core.alerting import MAX_ATTEMPTS, AlertFacts, Route, Target, next_attempt, targets_for
from logistics.db.models import Alert, AlertDelivery
from logistics.services.paging import one_page

log = logging.getLogger(__name__)
Sender = Callable[[Target, AlertFacts], None]  # raises when the target did not take the alert


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def raise_alert(session: Session, routes: list[Route], facts: AlertFacts,
                targets: list[Target] | None = None) -> Alert | None:
    """Record the alert with one delivery per target (by default, every route's that matches);
    None when this key was raised before."""
    if session.exec(select(Alert.id).where(Alert.key == facts.key)).first() is not None:
        return None
    alert = Alert(key=facts.key, kind=facts.kind, severity=facts.severity, site=facts.site,
                  subject=facts.subject, title=facts.title, body=facts.body, link=facts.link,
                  raised_at=facts.raised_at)
    try:
        with session.begin_nested():  # another writer may have raised it a moment ago
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None
    for target in targets if targets is not None else targets_for(routes, facts):
        shown_in_app = target.channel == "in_app"
        session.add(AlertDelivery(alert_id=alert.id, channel=target.channel, address=target.address,
                                  status="sent" if shown_in_app else "pending",
                                  next_attempt_at=facts.raised_at,
                                  sent_at=facts.raised_at if shown_in_app else None))
    return alert


def forecast_failed(problem: str, *, now: datetime, public_url: str) -> AlertFacts:
    """The reorder forecast cannot run with the plan as entered; said once a day."""
    return AlertFacts(
        key=f"forecast-failed:{now.date().isoformat()}", kind="forecast_failed", severity="minor", site=None,
        subject="forecast", title="The reorder forecast cannot run", body=problem, raised_at=now,
        link=f"{public_url}/recruitment")


def recruitment_pull_failed(problem: str, *, now: datetime, public_url: str) -> AlertFacts:
    """Enrolments could not be pulled from the registry or CTMS; said once a day."""
    return AlertFacts(
        key=f"recruitment-pull:{now.date().isoformat()}", kind="recruitment_pull", severity="minor",
        site=None, subject="recruitment", title="Enrolments could not be pulled from the registry",
        body=problem, raised_at=now, link=f"{public_url}/recruitment")


def withhold_unsent(session: Session, key: str) -> None:
    """What the alert announced no longer stands: its deliveries not made yet are not made."""
    _move_deliveries(session, key, "pending", "withdrawn")


def release_withheld(session: Session, key: str) -> None:
    """It stands again: the deliveries withheld are made after all."""
    _move_deliveries(session, key, "withdrawn", "pending")


def withhold_settled(session: Session, kind: str, standing: set[str]) -> None:
    """Alerts of `kind` whose key is not among those `standing`: what they announced is over, so their
    deliveries not made yet are not made."""
    undelivered = select(AlertDelivery.id).where(AlertDelivery.alert_id == Alert.id,
                                                 AlertDelivery.status == "pending")
    for key in session.exec(select(Alert.key).where(Alert.kind == kind, undelivered.exists())).all():
        if key not in standing:
            withhold_unsent(session, key)


def _move_deliveries(session: Session, key: str, from_status: str, to_status: str) -> None:
    for delivery in session.exec(select(AlertDelivery).join(Alert, Alert.id == AlertDelivery.alert_id)
                                 .where(Alert.key == key, AlertDelivery.status == from_status)):
        delivery.status = to_status


def dispatch_due(
    sessions: sessionmaker[Session], senders: Mapping[str, Sender], *, now: datetime, limit: int = 200
) -> DispatchReport:
    """Try every delivery that is due; each outcome is committed on its own, so one bad target never
    holds up another."""
    report = DispatchReport()
    with sessions() as session:
        due = session.exec(
            select(AlertDelivery, Alert).join(Alert, Alert.id == AlertDelivery.alert_id)
            .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
            .order_by(col(AlertDelivery.next_attempt_at)).limit(limit)
        ).all()
    for delivery, alert in due:
        error = _send(senders, delivery, alert)
        _record(sessions, delivery.id, error, now, report)
    return report


def _send(senders: Mapping[str, Sender], delivery: AlertDelivery, alert: Alert) -> str | None:
    sender = senders.get(delivery.channel)
    if sender is None:
        return f"no sender is configured for channel {delivery.channel!r}"
    try:
        sender(Target(delivery.channel, delivery.address), facts_of(alert))
    except Exception as error:  # any failure of the far end is recorded and retried
        log.warning("alert %s to %s %s failed: %s", alert.key, delivery.channel, delivery.address, error)
        return f"{type(error).__name__}: {error}"[:1000]
    return None


def _record(sessions: sessionmaker[Session], delivery_id: int | None, error: str | None, now: datetime,
            report: DispatchReport) -> None:
    with sessions() as session, session.begin():
        delivery = session.get(AlertDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        if error is None:
            delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
            report.sent += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.last_error = "failed", error
            report.failed += 1
        else:
            delivery.next_attempt_at, delivery.last_error = next_attempt(delivery.attempts, now), error
            report.retrying += 1


def facts_of(alert: Alert) -> AlertFacts:
    return AlertFacts(key=alert.key, kind=alert.kind, severity=alert.severity, site=alert.site,
                      subject=alert.subject, title=alert.title, body=alert.body, raised_at=alert.raised_at,
                      link=alert.link)


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    deliveries: list[AlertDelivery]


@dataclass(frozen=True)
class AlertPage:
    rows: list[AlertRow]
    total: int


def list_alerts(session: Session, *, kind: str | None = None, severity: str | None = None,
                undelivered: bool = False, page: int = 1, per_page: int = 50) -> AlertPage:
    """Alerts, newest first, each with its delivery log; `undelivered`: only those with a delivery
    still pending or failed."""
    query = select(Alert)
    if kind:
        query = query.where(Alert.kind == kind)
    if severity:
        query = query.where(Alert.severity == severity)
    if undelivered:
        query = query.where(select(AlertDelivery.id).where(
            AlertDelivery.alert_id == Alert.id, col(AlertDelivery.status) != "sent").exists())
    alerts, total = one_page(session, query.order_by(col(Alert.raised_at).desc(), col(Alert.id).desc()),
                             page=page, per_page=per_page)
    deliveries: dict[int | None, list[AlertDelivery]] = {alert.id: [] for alert in alerts}
    for delivery in session.exec(select(AlertDelivery).where(
            col(AlertDelivery.alert_id).in_(list(deliveries))).order_by(col(AlertDelivery.id))):
        deliveries[delivery.alert_id].append(delivery)
    return AlertPage([AlertRow(alert, deliveries[alert.id]) for alert in alerts], total)


def alert_kinds(session: Session) -> list[str]:
    return list(session.exec(select(Alert.kind).distinct().order_by(col(Alert.kind))).all())
