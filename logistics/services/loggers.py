"""The logger registry: credentials (shown once, stored as Mosquitto-format hashes) and assignments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from logistics.core.mosquitto import hash_secret, new_secret, verify_secret
from logistics.db.models import Logger, LoggerAssignment, Shipment
from logistics.schemas import LoggerPublic
from logistics.services.catalogue import get_logger
from logistics.services.errors import InputError
from logistics.services.shipments import get_shipment

# The logger id is its MQTT user name and a topic level: no '/', '+', '#', ':' or spaces.
LOGGER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
STATUSES = ("active", "maintenance", "retired")


@dataclass(frozen=True)
class LoggerRow:
    """A logger as the registry page shows it."""

    logger: Logger
    shipment: str | None  # reference of the shipment it is assigned to now


def public(row: LoggerRow) -> LoggerPublic:
    logger = row.logger
    return LoggerPublic(code=logger.code, serial=logger.serial, model=logger.model,
                        calibration_due=logger.calibration_due, status=logger.status,
                        online=logger.online, battery=logger.battery, firmware=logger.firmware,
                        last_seen_at=logger.last_seen_at, shipment=row.shipment)


def register_logger(
    session: Session, *, code: str, serial: str, model: str | None = None,
    calibration_due: date | None = None,
) -> tuple[Logger, str]:
    """Add a logger; returns it with its new secret, which is not stored and cannot be shown again."""
    errors = {}
    if not LOGGER_ID.match(code):
        errors["code"] = "use 2 to 64 letters, digits and . _ - (it is the MQTT user name)"
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
    """The active logger whose secret this is, or None."""
    logger = session.exec(select(Logger).where(Logger.code == code)).first()
    if logger is None or logger.status == "retired" or not logger.credential_hash:
        return None
    return logger if verify_secret(secret, logger.credential_hash) else None


def list_loggers(session: Session, *, now: datetime) -> list[LoggerRow]:
    """Every logger with the shipment it is assigned to at `now`."""
    current = dict(session.exec(
        select(LoggerAssignment.logger_id, Shipment.reference)
        .join(Shipment, Shipment.id == LoggerAssignment.shipment_id)
        .where(LoggerAssignment.starts_at <= now,
               or_(col(LoggerAssignment.ends_at).is_(None), col(LoggerAssignment.ends_at) > now))
    ).all())
    loggers = session.exec(select(Logger).order_by(col(Logger.code))).all()
    return [LoggerRow(logger, current.get(logger.id)) for logger in loggers]


def assign(
    session: Session, *, logger_code: str, reference: str, starts_at: datetime,
    ends_at: datetime | None = None,
) -> LoggerAssignment:
    """Put a logger in a shipment for a time window; a logger is in one shipment at a time."""
    if ends_at is not None and ends_at <= starts_at:
        raise InputError({"ends_at": "must be after the start"})
    logger, shipment = get_logger(session, logger_code), get_shipment(session, reference)
    clash = _overlapping(session, logger, starts_at, ends_at)
    if clash is not None:
        raise InputError({"logger": f"{logger_code} is already assigned to {clash} in that window"})
    assignment = LoggerAssignment(logger_id=logger.id, shipment_id=shipment.id,
                                  starts_at=starts_at, ends_at=ends_at)
    session.add(assignment)
    session.flush()
    return assignment


def unassign(session: Session, *, logger_code: str, at: datetime) -> LoggerAssignment:
    """End the logger's open assignment at `at` (stopping the logger on receipt)."""
    logger = get_logger(session, logger_code)
    open_one = session.exec(
        select(LoggerAssignment).where(LoggerAssignment.logger_id == logger.id,
                                       col(LoggerAssignment.ends_at).is_(None))
    ).first()
    if open_one is None:
        raise InputError({"logger": f"{logger_code} has no open assignment"})
    if at <= open_one.starts_at:
        raise InputError({"at": "must be after the assignment started"})
    open_one.ends_at = at
    return open_one


def _overlapping(
    session: Session, logger: Logger, starts_at: datetime, ends_at: datetime | None
) -> str | None:
    query = (
        select(Shipment.reference)
        .join(LoggerAssignment, LoggerAssignment.shipment_id == Shipment.id)
        .where(LoggerAssignment.logger_id == logger.id,
               or_(col(LoggerAssignment.ends_at).is_(None), col(LoggerAssignment.ends_at) > starts_at))
    )
    if ends_at is not None:
        query = query.where(LoggerAssignment.starts_at < ends_at)
    return session.exec(query).first()


def free_codes(session: Session) -> list[str]:
    """Active loggers not recording for any shipment now, for assignment forms."""
    busy = select(LoggerAssignment.logger_id).where(col(LoggerAssignment.ends_at).is_(None))
    return list(session.exec(select(Logger.code).where(Logger.status == "active",
                                                      col(Logger.id).not_in(busy))
                             .order_by(col(Logger.code))).all())
