"""Alert routing and message bodies: who hears about what, and what they read. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from logistics.core.profiles import Severity


class Channel(StrEnum):
    WEBHOOK = "webhook"  # generic JSON
    SLACK = "slack"  # Slack-compatible webhook
    EMAIL = "email"
    IN_APP = "in_app"


CHANNELS = tuple(Channel)
SEVERITIES = tuple(Severity)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 20  # about 14 hours of retries before a delivery is marked failed for good


class AlertConfigError(ValueError):
    """An alert route that cannot be used."""


@dataclass(frozen=True)
class Target:
    channel: Channel
    address: str  # URL, e-mail address, or the role that sees it in the app


@dataclass(frozen=True)
class Route:
    severities: frozenset[Severity]
    sites: frozenset[str]  # site codes, or "*" for every site
    targets: tuple[Target, ...]
    escalate_after_minutes: float | None = None
    escalate_to: tuple[Target, ...] = ()
    repeat_every_minutes: float | None = None


@dataclass(frozen=True)
class AlertFacts:
    """What an alert says, independent of how it travels."""

    key: str  # unique per state change: raising the same key twice sends nothing new
    kind: str  # excursion, silent_logger, calibration_due, low_battery, ...
    severity: str
    site: str | None
    subject: str  # shipment reference or logger id
    title: str
    body: str
    raised_at: datetime
    link: str | None = None


def parse_routes(data: dict[str, Any]) -> list[Route]:
    """Routes from parsed TOML (`[[routes]]` tables)."""
    return [_route(index, body) for index, body in enumerate(data.get("routes", []), start=1)]


def _route(index: int, body: dict[str, Any]) -> Route:
    where = f"route {index}"
    named = frozenset(body.get("severities", SEVERITIES))
    unknown = named - set(SEVERITIES)
    if unknown:
        raise AlertConfigError(f"{where}: unknown severities {sorted(unknown)}; use {', '.join(SEVERITIES)}")
    severities = frozenset(Severity(severity) for severity in named)
    targets = tuple(_target(where, item) for item in body.get("targets", []))
    if not targets:
        raise AlertConfigError(f"{where}: needs at least one target")
    escalate_to = tuple(_target(f"{where} escalation", item) for item in body.get("escalate_to", []))
    return Route(severities=severities, sites=frozenset(body.get("sites", ["*"])), targets=targets,
                 escalate_after_minutes=body.get("escalate_after_minutes"), escalate_to=escalate_to,
                 repeat_every_minutes=body.get("repeat_every_minutes"))


def _target(where: str, item: dict[str, Any]) -> Target:
    channel, address = item.get("channel"), item.get("address")
    if channel not in CHANNELS:
        raise AlertConfigError(f"{where}: channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if not isinstance(address, str) or not address:
        raise AlertConfigError(f"{where}: every target needs an address")
    if channel in (Channel.WEBHOOK, Channel.SLACK) and not address.startswith(("http://", "https://")):
        raise AlertConfigError(f"{where}: a {channel} address is an http(s) URL, not {address!r}")
    if channel == Channel.EMAIL and "@" not in address:
        raise AlertConfigError(f"{where}: {address!r} is not an e-mail address")
    return Target(Channel(channel), address)


def matching_routes(routes: list[Route], alert: AlertFacts) -> list[Route]:
    """The routes whose severities and sites cover the alert."""
    return [route for route in routes if alert.severity in route.severities
            and ("*" in route.sites or (alert.site is not None and alert.site in route.sites))]


def targets_for(routes: list[Route], alert: AlertFacts) -> list[Target]:
    """Every distinct target that must hear about the alert, in route order."""
    return list(dict.fromkeys(target for route in matching_routes(routes, alert) for target in route.targets))


def next_attempt(attempts: int, now: datetime) -> datetime:
    """When to try again after `attempts` failures: doubling from 30 s, at most an hour apart."""
    delay: timedelta = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)
    return now + delay


def webhook_body(alert: AlertFacts) -> str:
    """The generic JSON document posted to a webhook."""
    return json.dumps({"key": alert.key, "kind": alert.kind, "severity": alert.severity, "site": alert.site,
                       "subject": alert.subject, "title": alert.title, "body": alert.body,
                       "raised_at": alert.raised_at.isoformat(), "link": alert.link}, ensure_ascii=False)


def slack_body(alert: AlertFacts) -> str:
    """A Slack-compatible incoming-webhook message: text with mrkdwn."""
    markers = {"critical": ":rotating_light:", "major": ":warning:"}
    marker = markers.get(alert.severity, ":information_source:")
    link = f"\n<{alert.link}|Open in the tracker>" if alert.link else ""
    text = f"{marker} *{alert.severity.upper()}* {alert.title}\n{alert.body}{link}"
    return json.dumps({"text": text, "mrkdwn": True}, ensure_ascii=False)


def email_subject(alert: AlertFacts) -> str:
    return f"[{alert.severity.upper()}] {alert.title}"


def email_text(alert: AlertFacts) -> str:
    link = f"\n\nOpen in the tracker: {alert.link}" if alert.link else ""
    return (f"{alert.body}{link}\n\nSubject: {alert.subject}\nSeverity: {alert.severity}\n"
            f"Raised at: {alert.raised_at.isoformat()}\n")
