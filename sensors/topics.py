"""MQTT topic names (SPEC §3) and the broker address from a URL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


class MessageKind(StrEnum):
    """What a logger's message holds, named by the last level of the topic it comes on."""

    TELEMETRY = "telemetry"
    STATUS = "status"


class LoggerTopic(NamedTuple):
    """One of our topics, read."""

    logger_code: str
    kind: MessageKind


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool


def parse_broker_url(url: str) -> BrokerAddress:
    """Read mqtt://[user:password@]host[:port] (mqtts:// for TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"mqtt_url: expected mqtt://host:port or mqtts://host:port, got {url!r}")
    return BrokerAddress(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=parts.scheme == "mqtts",
    )


def telemetry_topic(prefix: str, logger_id: str) -> str:
    return f"{prefix}/loggers/{logger_id}/telemetry"


def status_topic(prefix: str, logger_id: str) -> str:
    return f"{prefix}/loggers/{logger_id}/status"


def subscriptions(prefix: str, shared_group: str | None = None) -> list[str]:
    """Topic filters for ingest; a shared group spreads messages over workers (MQTT 5 §4.8.2)."""
    filters = [telemetry_topic(prefix, "+"), status_topic(prefix, "+")]
    if shared_group:
        return [f"$share/{shared_group}/{topic}" for topic in filters]
    return filters


def parse_topic(prefix: str, topic: str) -> LoggerTopic | None:
    """The logger and the kind of message for one of our topics, else None."""
    parts = topic.split("/")
    if (len(parts) != 4 or parts[0] != prefix or parts[1] != "loggers" or not parts[2]
            or parts[3] not in (MessageKind.TELEMETRY, MessageKind.STATUS)):
        return None
    return LoggerTopic(parts[2], MessageKind(parts[3]))
