"""What the telemetry decoders return: readings in canonical units, problems, and the whole-message error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class DecodedReading:
    """One logger reading in canonical units (°C, g, %RH, % battery, degrees), time in UTC."""

    device_time: datetime | None  # aware, UTC; None when the payload carried no time at all
    temperature_c: float | None
    shock_g: float | None  # magnitude in g (vector magnitude when x/y/z given)
    humidity: float | None  # %RH
    battery: float | None  # percent
    latitude: float | None
    longitude: float | None
    seq: int | None
    time_flagged: bool  # True when the time was missing, or had no zone/offset (taken as UTC)


@dataclass(frozen=True, slots=True)
class ReadingProblem:
    """A reading (or SenML record) that could not be decoded, and why."""

    index: int | None  # position of the reading (SenML: of the record) in the message; None if not applicable
    reason: str  # one sentence naming field and problem, e.g. "readings[3].temp: 'abc' is not a number"


@dataclass(frozen=True)
class DecodedMessage:
    """Everything decoded from one telemetry message."""

    logger_id: str | None  # logger named inside the payload (SenML base name, vendor "EntityName"), else None
    readings: tuple[DecodedReading, ...]
    problems: tuple[ReadingProblem, ...]  # readings that could not be decoded; valid neighbours are returned


class DecodeError(ValueError):
    """The whole message cannot be decoded (not JSON, not UTF-8, too large, unknown shape)."""
