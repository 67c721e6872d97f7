"""Reading stored telemetry back out: by logger, shipment window and time range."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from logistics.db.models import LoggerAssignment, Reading
from logistics.services.catalogue import get_logger
from logistics.services.errors import InputError
from logistics.services.shipments import get_shipment

EXPORT_COLUMNS = ("logger", "device_time", "received_at", "temperature_c", "shock_g", "humidity",
                  "battery", "latitude", "longitude", "seq", "source", "time_flagged")


@dataclass(frozen=True)
class ReadingQuery:
    logger: str
    shipment: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def _select(session: Session, query: ReadingQuery):  # type: ignore[no-untyped-def]
    if query.start and query.end and query.end <= query.start:
        raise InputError({"to": "must be after --from"})
    logger = get_logger(session, query.logger)
    statement = select(Reading).where(Reading.logger_id == logger.id)
    if query.start:
        statement = statement.where(Reading.device_time >= query.start)
    if query.end:
        statement = statement.where(Reading.device_time < query.end)
    if query.shipment:
        windows = session.exec(select(LoggerAssignment).where(
            LoggerAssignment.logger_id == logger.id,
            LoggerAssignment.shipment_id == get_shipment(session, query.shipment).id)).all()
        if not windows:
            raise InputError({"shipment": f"{query.logger} was never assigned to {query.shipment}"})
        statement = statement.where(or_(*[
            and_(Reading.device_time >= window.starts_at,
                 col(Reading.device_time) < window.ends_at if window.ends_at else True)
            for window in windows]))
    return logger, statement


def count_readings(session: Session, query: ReadingQuery) -> int:
    _, statement = _select(session, query)
    return int(session.exec(select(func.count()).select_from(statement.subquery())).one())


def iter_readings(session: Session, query: ReadingQuery) -> Iterator[dict[str, object]]:
    """The readings in device-time order, as plain rows (times in UTC)."""
    logger, statement = _select(session, query)
    rows = session.exec(statement.order_by(col(Reading.device_time)).execution_options(yield_per=5000))
    try:
        for reading in rows:
            yield {"logger": logger.code, "device_time": reading.device_time,
                   "received_at": reading.received_at, "temperature_c": reading.temperature_c,
                   "shock_g": reading.shock_g, "humidity": reading.humidity,
                   "battery": reading.battery, "latitude": reading.latitude,
                   "longitude": reading.longitude, "seq": reading.seq, "source": reading.source,
                   "time_flagged": reading.time_flagged}
    finally:
        rows.close()
