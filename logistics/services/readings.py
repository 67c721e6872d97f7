"""Reading stored telemetry back out: by logger, shipment window and time range."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, or_, type_coerce
from sqlmodel import Session, col, func, select

from logistics.core.excursion_types import Window
from logistics.core.profiles import StorageProfile
from logistics.db.models import LoggerAssignment, Reading
from logistics.db.types import UTCDateTime
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


def outside_with_next(session: Session, logger_id: int, window: Window,
                      profile: StorageProfile) -> list[tuple[datetime, float, datetime | None]]:
    """The logger's temperature readings in `window` outside the profile's range, each with the time of its
    next temperature reading (None for the last): what the time each covers needs (core.coverage), the
    pairing done by the database so that a long window's in-range readings never reach Python."""
    following = type_coerce(func.lead(Reading.device_time).over(order_by=Reading.device_time), UTCDateTime)
    in_window = [Reading.logger_id == logger_id, Reading.device_time >= window.start,
                 col(Reading.temperature_c).is_not(None)]
    if window.end is not None:
        in_window.append(Reading.device_time < window.end)
    paired = (select(Reading.device_time.label("time"), Reading.temperature_c.label("temperature_c"),
                     following.label("following")).where(*in_window).subquery())
    outside = [paired.c.temperature_c > profile.max_c] if profile.max_c is not None else []
    outside += [paired.c.temperature_c < profile.min_c] if profile.min_c is not None else []
    rows = session.exec(select(paired.c.time, paired.c.temperature_c, paired.c.following)
                        .where(or_(false(), *outside)).order_by(paired.c.time)).all()
    return [(time, temperature_c, after) for time, temperature_c, after in rows]
