"""The telemetry contract, and the first step of storing a message: decode and validate it (SPEC §4, §5).

MQTT and HTTP ingest hand IncomingMessages to a Store, which answers a StoreResult for each. `prepare` is the
pure part of storing: it decodes a message and validates its readings without touching the database, and
what cannot be used becomes a rejection with its reason. logistics/services/telemetry.py is the Store: it
finds each message's logger and writes the readings and the rejections.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable

from sensors.decode import decode_fields
from sensors.readings import DecodedFields, DecodeError, ReadingFields
from sensors.status import LoggerStatus, decode_status
from sensors.topics import MessageKind
from sensors.validate import DEFAULT_MAX_SHOCK_G, ReadingLimits, fields_problem, reading_limits

log = logging.getLogger(__name__)
RAW_KEPT_BYTES = 64 * 1024
PROBLEMS_IN_REASON = 20


@dataclass(frozen=True)
class IncomingMessage:
    """One telemetry message as it arrived, before anything was decoded."""

    source: str  # mqtt, http, file
    logger_code: str  # from the topic or the URL
    payload: bytes
    received_at: datetime
    topic: str | None = None
    content_type: str | None = None
    kind: MessageKind = MessageKind.TELEMETRY


@dataclass
class StoreResult:
    """What became of one message's readings."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)


class Store(Protocol):
    """Stores a batch of messages in one transaction, so that each can be acknowledged once it returns.

    Raises (storing nothing more) only when the database cannot take changes; a message whose own bytes are at
    fault is kept as a rejection and the others are stored.
    """

    def __call__(self, messages: Sequence[IncomingMessage], /) -> list[StoreResult]: ...


@runtime_checkable
class StagedStore(Store, Protocol):
    """A Store that also works in two steps, so that the writer decodes the next batch while the database
    stores this one: `prepare` is pure and may run in another thread; `store_prepared` writes. What
    `prepare` makes is the store's own (a Prepared message and whatever else it can work out ahead).

    `store_prepared(map(prepare, messages))` stores what `store(messages)` would.
    """

    def prepare(self, message: IncomingMessage, /) -> Any: ...

    def store_prepared(self, prepared: Sequence[Any], /) -> list[StoreResult]: ...


@dataclass(slots=True)
class Prepared:
    """A message decoded and its readings validated, before anything was stored."""

    message: IncomingMessage
    result: StoreResult = field(default_factory=StoreResult)
    decoded: DecodedFields | None = None  # None for status messages and rejected ones
    status: LoggerStatus | None = None  # a status message, decoded
    valid: list[ReadingFields] = field(default_factory=list)  # the decoded readings that passed validation
    last_battery: float | None = None  # among the valid readings


class RejectedMessage(NamedTuple):
    """A message, or some of its readings, that could not be stored: what is kept to investigate it."""

    received_at: datetime
    source: str
    topic: str | None
    logger_code: str
    reason: str  # the first PROBLEMS_IN_REASON problems
    readings_rejected: int
    payload: bytes  # its first RAW_KEPT_BYTES
    payload_size: int


def prepare(message: IncomingMessage, *, max_shock_g: float = DEFAULT_MAX_SHOCK_G) -> Prepared:
    """The message decoded and its readings validated, or rejected as a whole."""
    try:
        return _decode_and_check(Prepared(message), max_shock_g)
    except Exception as error:  # whatever the bytes provoke is the message's fault, not the batch's
        log.warning("decoding a telemetry message failed unexpectedly", exc_info=True)
        return reject(Prepared(message), f"the message could not be decoded: {first_line(error)}", 1)


def reject(prepared: Prepared, reason: str, readings: int = 0) -> Prepared:
    """Mark the whole message rejected for `reason`, losing `readings` readings."""
    prepared.result.rejected = readings
    prepared.result.problems = [reason]
    return prepared


def rejection(prepared: Prepared) -> RejectedMessage:
    """What is kept of a message with problems."""
    message, problems = prepared.message, prepared.result.problems
    reason = "; ".join(problems[:PROBLEMS_IN_REASON])
    if len(problems) > PROBLEMS_IN_REASON:
        reason += f"; and {len(problems) - PROBLEMS_IN_REASON} more"
    return RejectedMessage(received_at=message.received_at, source=message.source, topic=message.topic,
                           logger_code=message.logger_code, reason=reason,
                           readings_rejected=prepared.result.rejected,
                           payload=message.payload[:RAW_KEPT_BYTES], payload_size=len(message.payload))


def first_line(error: BaseException) -> str:
    """The error's kind and the first line of what it says (a driver repeats the SQL after it)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:300] if lines else ''}".rstrip(": ")


def _decode_and_check(prepared: Prepared, max_shock_g: float) -> Prepared:
    message = prepared.message
    if message.kind == MessageKind.STATUS:
        try:
            prepared.status = decode_status(message.payload)
        except DecodeError as error:
            return reject(prepared, str(error))
        return prepared
    try:
        decoded = decode_fields(message.payload, content_type=message.content_type)
    except DecodeError as error:
        return reject(prepared, str(error), 1)
    if not decoded.readings and not decoded.problems:
        return reject(prepared, "the message holds no readings")  # never drop a message silently
    if decoded.logger_id is not None and decoded.logger_id != message.logger_code:
        return reject(prepared, f"payload names logger {decoded.logger_id!r} but it came as "
                                f"{message.logger_code!r}", len(decoded.readings))
    prepared.decoded = decoded
    _validate(prepared, decoded, reading_limits(message.received_at, max_shock_g=max_shock_g))
    return prepared


def _validate(prepared: Prepared, decoded: DecodedFields, limits: ReadingLimits) -> None:
    """Keep the readings that pass validation; the others, and the undecodable ones, are problems."""
    problems = [problem.reason for problem in decoded.problems]
    for fields in decoded.readings:
        problem = fields_problem(fields, limits)
        if problem is not None:
            when = fields.device_time.isoformat() if fields.device_time else "without time"
            problems.append(f"reading {when}: {problem}")
            continue
        prepared.valid.append(fields)
        if fields.battery is not None:
            prepared.last_battery = fields.battery
    prepared.result.rejected = len(problems)
    prepared.result.problems = problems
