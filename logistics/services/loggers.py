"""The logger registry: credentials (shown once, stored as Mosquitto-format hashes) and assignments to
shipments and to storage zones (a logger answers for one place at a time)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from logistics.core.logger_ids import ALWAYS_RESERVED, logger_id_problem
from logistics.core.mosquitto import hash_secret, new_secret, parse_hash, verify_secret
from logistics.core.refusals import N_, Refusal
from logistics.db.models import (
    EvaluationProgress,
    ExcursionRecord,
    Logger,
    LoggerAssignment,
    Shipment,
    StorageZone,
)
from logistics.schemas.loggers import LoggerPublic
from logistics.services.catalogue import get_logger
from logistics.services.errors import InputError, NotFound
from logistics.services.shipments import get_shipment
from logistics.settings import Settings
from sensors.topics import parse_broker_url

STATUSES = ("active", "maintenance", "retired")


@dataclass(frozen=True)
class LoggerRow:
    """A logger as the registry page shows it."""

    logger: Logger
    shipment: str | None  # reference of the shipment it is assigned to now
    zone: str | None = None  # code of the storage zone it watches now


def public(row: LoggerRow) -> LoggerPublic:
    logger = row.logger
    return LoggerPublic(code=logger.code, serial=logger.serial, model=logger.model,
                        calibration_due=logger.calibration_due, status=logger.status,
                        online=logger.online, battery=logger.battery, firmware=logger.firmware,
                        last_seen_at=logger.last_seen_at, shipment=row.shipment, storage_zone=row.zone)


@dataclass(frozen=True)
class BrokerAccounts:
    """The loggers the broker should admit, as (id, `$7$` hash), and those left out with the reason."""

    entries: list[tuple[str, str]] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)


def reserved_ids(settings: Settings) -> frozenset[str]:
    """Names no logger may have: the ingest's MQTT user name and client id in these settings."""
    user = parse_broker_url(settings.mqtt_url).username
    return ALWAYS_RESERVED | {settings.ingest_client_id} | ({user} if user else set())


def register_logger(
    session: Session, *, code: str, serial: str, model: str | None = None,
    calibration_due: date | None = None, reserved: Iterable[str] = (),
) -> tuple[Logger, str]:
    """Add a logger; returns it with its new secret, which is not stored and cannot be shown again."""
    errors = {}
    problem = logger_id_problem(code, reserved=reserved)
    if problem is not None:
        errors["code"] = problem
    elif session.exec(select(Logger.id).where(Logger.code == code)).first():
        errors["code"] = f"logger {code!r} is already registered"
    if not serial.strip():
        errors["serial"] = "the manufacturer's serial number is required"
    if errors:
        raise InputError(errors)
    secret = new_secret()
    logger = Logger(code=code, serial=serial.strip(), model=model, calibration_due=calibration_due,
                    credential_hash=hash_secret(secret))
    session.add(logger)
    session.flush()
    return logger, secret


def rotate_secret(session: Session, code: str) -> str:
    """Give the logger a new secret (the old one stops working); returns it once."""
    secret = new_secret()
    get_logger(session, code).credential_hash = hash_secret(secret)
    return secret


def authenticate_logger(session: Session, code: str, secret: str) -> Logger | None:
    """The logger whose secret this is (retired or not: the caller says why it is refused), or None."""
    logger = session.exec(select(Logger).where(Logger.code == code)).first()
    if logger is None or not logger.credential_hash:
        return None
    return logger if verify_secret(secret, logger.credential_hash) else None


def retire(session: Session, code: str, *, now: datetime) -> Logger:
    """Take a logger out of service for good: its history stays, it can no longer connect or post."""
    logger = get_logger(session, code)
    if logger.status == "retired":
        raise InputError({"logger": Refusal(N_("%(logger)s is already retired"), logger=code)})
    recording = _overlapping(session, logger, now, None)
    if recording is not None:  # its assignment window would end unnoticed; stopping it is a decision
        refusal = Refusal(N_("%(logger)s is assigned to %(recording)s: stop it there first"), logger=code,
                          recording=recording)
        raise InputError({"logger": refusal})
    logger.status = "retired"
    return logger


def broker_accounts(session: Session, *, reserved: Iterable[str]) -> BrokerAccounts:
    """The loggers to admit at the broker: not retired, with a secret, under an id the broker can take.

    A logger left out (a reserved or unsafe id registered before those were refused, or a damaged hash)
    is named with the reason, so that one bad row does not keep every other change from the broker.
    """
    rows = session.exec(select(Logger.code, Logger.credential_hash)
                        .where(Logger.status != "retired", col(Logger.credential_hash).is_not(None))
                        .order_by(col(Logger.code))).all()
    reserved = list(reserved)
    accounts = BrokerAccounts()
    for code, stored in rows:
        problem = logger_id_problem(code, reserved=reserved)
        if problem is None and parse_hash(stored or "") is None:
            problem = "its stored secret is not a Mosquitto $7$ hash: rotate it"
        if problem is None and stored:
            accounts.entries.append((code, stored))
        else:
            accounts.left_out.append((code, problem or "no secret"))
    return accounts


def list_loggers(session: Session, *, now: datetime) -> list[LoggerRow]:
    """Every logger with the shipment or the storage zone it is assigned to at `now`."""
    current = {logger_id: (reference, zone) for logger_id, reference, zone in session.exec(
        select(LoggerAssignment.logger_id, Shipment.reference, StorageZone.code)
        .outerjoin(Shipment, Shipment.id == LoggerAssignment.shipment_id)
        .outerjoin(StorageZone, StorageZone.id == LoggerAssignment.storage_zone_id)
        .where(LoggerAssignment.starts_at <= now,
               or_(col(LoggerAssignment.ends_at).is_(None), col(LoggerAssignment.ends_at) > now))
    ).all()}
    loggers = session.exec(select(Logger).order_by(col(Logger.code))).all()
    return [LoggerRow(logger, *current.get(logger.id, (None, None))) for logger in loggers]


def assign(
    session: Session, *, logger_code: str, reference: str, starts_at: datetime,
    ends_at: datetime | None = None,
) -> LoggerAssignment:
    """Put a logger in a shipment for a time window; a logger is in one shipment at a time."""
    if ends_at is not None and ends_at <= starts_at:
        raise InputError({"ends_at": Refusal(N_("must be after the start"))})
    logger, shipment = get_logger(session, logger_code), get_shipment(session, reference)
    if logger.status == "retired":
        raise InputError({"logger": Refusal(N_("%(logger)s is retired"), logger=logger_code)})
    clash = _overlapping(session, logger, starts_at, ends_at)
    if clash is not None:
        raise InputError({"logger": Refusal(N_("%(logger)s is already assigned to %(clash)s in that window"),
                                           logger=logger_code, clash=clash)})
    assignment = LoggerAssignment(logger_id=logger.id, shipment_id=shipment.id,
                                  starts_at=starts_at, ends_at=ends_at)
    session.add(assignment)
    session.flush()
    return assignment


def assign_to_zone(session: Session, *, logger_code: str, zone_code: str, starts_at: datetime,
                   ends_at: datetime | None = None) -> LoggerAssignment:
    """Let a logger watch a storage zone for a time window (open: until it is stopped)."""
    if ends_at is not None and ends_at <= starts_at:
        raise InputError({"ends_at": Refusal(N_("must be after the start"))})
    zone = _zone(session, zone_code)
    logger = get_logger(session, logger_code)
    if logger.status == "retired":
        raise InputError({"logger": Refusal(N_("%(logger)s is retired"), logger=logger_code)})
    clash = _overlapping(session, logger, starts_at, ends_at)
    if clash is not None:
        raise InputError({"logger": Refusal(N_("%(logger)s is already assigned to %(clash)s in that window"),
                                           logger=logger_code, clash=clash)})
    assignment = LoggerAssignment(logger_id=logger.id, storage_zone_id=zone.id, starts_at=starts_at,
                                  ends_at=ends_at)
    session.add(assignment)
    session.flush()
    return assignment


def stop_watching(session: Session, *, zone_code: str, logger_code: str, at: datetime) -> LoggerAssignment:
    """Stop a logger watching this storage zone (taken out for calibration, moved elsewhere)."""
    zone = _zone(session, zone_code)
    watching = session.exec(
        select(LoggerAssignment.id).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.storage_zone_id == zone.id, Logger.code == logger_code,
               col(LoggerAssignment.ends_at).is_(None))).first()
    if watching is None:
        refusal = Refusal(N_("%(logger)s is not watching %(zone)s"), logger=logger_code, zone=zone.code)
        raise InputError({"logger": refusal})
    return unassign(session, logger_code=logger_code, at=at)


def unassign(session: Session, *, logger_code: str, at: datetime) -> LoggerAssignment:
    """End the logger's open assignment at `at` (stopping the logger on receipt)."""
    logger = get_logger(session, logger_code)
    open_one = session.exec(
        select(LoggerAssignment).where(LoggerAssignment.logger_id == logger.id,
                                       col(LoggerAssignment.ends_at).is_(None))
    ).first()
    if open_one is None:
        raise InputError({"logger": Refusal(N_("%(logger)s has no open assignment"), logger=logger_code)})
    if at <= open_one.starts_at:
        raise InputError({"at": Refusal(N_("must be after the assignment started"))})
    open_one.ends_at = at
    return open_one


class NotRecording(InputError):
    """The logger has no open assignment to this shipment: there is nothing of it to stop."""

    def __init__(self, logger_code: str, reference: str) -> None:
        super().__init__({"logger": f"{logger_code} is not recording for {reference}"})


def stop_recording(session: Session, *, reference: str, logger_code: str, at: datetime) -> LoggerAssignment:
    """Stop a logger recording for this shipment (the shipment page's "Stop"), and only for it."""
    shipment = get_shipment(session, reference)
    recording = session.exec(
        select(LoggerAssignment.id).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id, Logger.code == logger_code,
               col(LoggerAssignment.ends_at).is_(None))).first()
    if recording is None:
        raise NotRecording(logger_code, reference)
    return unassign(session, logger_code=logger_code, at=at)


# Once received, the loggers a shipment carried are part of its receipt record.
RECEIVED = frozenset({"received", "closed"})


def remove_assignment(session: Session, *, reference: str, assignment_id: int) -> LoggerAssignment:
    """Take back a logger assigned to this shipment by mistake: only while nothing it recorded is evidence
    (no excursion found in its readings, the shipment not yet received)."""
    shipment = get_shipment(session, reference)
    assignment = session.get(LoggerAssignment, assignment_id)
    if assignment is None or assignment.shipment_id != shipment.id:
        raise NotFound(f"no logger assignment {assignment_id} in {reference}")
    code = session.exec(select(Logger.code).where(Logger.id == assignment.logger_id)).one()
    if shipment.status in RECEIVED:
        raise AssignmentIsEvidence(code, reference, "received")
    found = session.exec(select(ExcursionRecord.id).where(ExcursionRecord.shipment_id == shipment.id,
                                                         ExcursionRecord.logger_id == assignment.logger_id))
    if found.first() is not None:
        raise AssignmentIsEvidence(code, reference, "excursions")
    # How far its readings were evaluated is bookkeeping of the scheduler's, not a record of its own.
    for progress in session.exec(select(EvaluationProgress)
                                 .where(EvaluationProgress.assignment_id == assignment.id)).all():
        session.delete(progress)
    session.flush()  # before the assignment it points at
    session.delete(assignment)
    return assignment


class AssignmentIsEvidence(InputError):
    """What the logger recorded for the shipment is evidence (`why`: "received" or "excursions")."""

    def __init__(self, logger_code: str, reference: str, why: str) -> None:
        self.logger_code, self.reference, self.why = logger_code, reference, why
        problem = ("the shipment is received: its loggers are part of the receipt" if why == "received"
                   else "excursions were found in its readings: stop it instead")
        super().__init__({"logger": f"{logger_code} stays in {reference}: {problem}"})


def _zone(session: Session, code: str) -> StorageZone:
    zone = session.exec(select(StorageZone).where(StorageZone.code == code)).first()
    if zone is None:
        raise InputError({"storage_zone": Refusal(N_("no storage zone %(zone)s"), zone=repr(code))})
    return zone


def _overlapping(
    session: Session, logger: Logger, starts_at: datetime, ends_at: datetime | None
) -> str | None:
    """The shipment reference or storage zone code the logger answers for within the window, if any."""
    query = (
        select(Shipment.reference, StorageZone.code)
        .select_from(LoggerAssignment)
        .outerjoin(Shipment, Shipment.id == LoggerAssignment.shipment_id)
        .outerjoin(StorageZone, StorageZone.id == LoggerAssignment.storage_zone_id)
        .where(LoggerAssignment.logger_id == logger.id,
               or_(col(LoggerAssignment.ends_at).is_(None), col(LoggerAssignment.ends_at) > starts_at))
    )
    if ends_at is not None:
        query = query.where(LoggerAssignment.starts_at < ends_at)
    found = session.exec(query).first()
    return None if found is None else found[0] or found[1]


def free_codes(session: Session) -> list[str]:
    """Active loggers not recording for any shipment now, for assignment forms."""
    busy = select(LoggerAssignment.logger_id).where(col(LoggerAssignment.ends_at).is_(None))
    return list(session.exec(select(Logger.code).where(Logger.status == "active",
                                                      col(Logger.id).not_in(busy))
                             .order_by(col(Logger.code))).all())
