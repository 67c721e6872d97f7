"""What the telemetry decoders return: readings in canonical units, problems, and the whole-message error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class ReadingFields(NamedTuple):
    """A DecodedReading's fields as a named tuple, in the same order.

    The writer works on these: building a frozen dataclass per reading costs more than decoding the reading
    (a flight-mode backfill holds thousands).
    """

    device_time: datetime | None
    temperature_c: float | None
    shock_g: float | None
    humidity: float | None
    battery: float | None
    latitude: float | None
    longitude: float | None
    seq: int | None
    time_flagged: bool
    light_lux: float | None = None
    door_open: bool | None = None


@dataclass(frozen=True, slots=True)
class DecodedReading:
    """One logger reading in canonical units (°C, g, %RH, % battery, degrees, lux), time in UTC."""

    device_time: datetime | None  # aware, UTC; None when the payload carried no time at all
    temperature_c: float | None
    shock_g: float | None  # magnitude in g (vector magnitude when x/y/z given)
    humidity: float | None  # %RH
    battery: float | None  # percent
    latitude: float | None
    longitude: float | None
    seq: int | None
    time_flagged: bool  # True when the time was missing, or had no zone/offset (taken as UTC)
    light_lux: float | None = None  # light on the sensor: an opened shipper, where the logger measures it
    door_open: bool | None = None  # a door or lid contact, where the logger has one

    def fields(self) -> ReadingFields:
        """The reading as a named tuple."""
        return ReadingFields(self.device_time, self.temperature_c, self.shock_g, self.humidity, self.battery,
                             self.latitude, self.longitude, self.seq, self.time_flagged, self.light_lux,
                             self.door_open)


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


class DecodedFields(NamedTuple):
    """A DecodedMessage whose readings are still ReadingFields tuples."""

    logger_id: str | None
    readings: tuple[ReadingFields, ...]
    problems: tuple[ReadingProblem, ...]

    def message(self) -> DecodedMessage:
        """The same message with each reading as a DecodedReading."""
        readings = tuple(DecodedReading(*fields) for fields in self.readings)
        return DecodedMessage(self.logger_id, readings, self.problems)


class DecodeError(ValueError):
    """The whole message cannot be decoded (not JSON, not UTF-8, too large, unknown shape)."""
