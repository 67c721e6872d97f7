"""Reading ids become visible in the order they were drawn, however many writers there are: scans and
rollups read "ids above my mark" and must never step over one that commits late."""

from __future__ import annotations

import threading
import time

from sqlmodel import col, select

from logistics.db.engine import begin_writing
from logistics.db.models import Logger, Reading
from logistics.services.telemetry import TelemetryStore, serialise_reading_inserts
from tests.ingest.test_telemetry_store import RECEIVED, message


def test_a_second_writer_waits_for_the_first_so_its_ids_come_later(demo_runtime):
    runtime = demo_runtime
    with runtime.sessions() as session:
        first_logger = session.exec(select(Logger.id).where(Logger.code == "LG-24003")).one()
    finished = {}

    def second_writer():
        TelemetryStore(runtime.engine).store([message({"readings": [
            {"ts": RECEIVED.isoformat(), "temp": 5.0}]}, logger="LG-24004")])
        finished["at"] = time.monotonic()

    with runtime.engine.connect() as first:
        transaction = first.begin()
        begin_writing(first)
        serialise_reading_inserts(first)
        first.execute(Reading.__table__.insert().values(
            logger_id=first_logger, device_time=RECEIVED, received_at=RECEIVED, temperature_c=4.0,
            source="mqtt"))
        writer = threading.Thread(target=second_writer)
        writer.start()
        time.sleep(1.0)
        assert "at" not in finished, "the second writer stored while the first still held its transaction"
        committed_at = time.monotonic()
        transaction.commit()
    writer.join(timeout=20)
    assert finished["at"] >= committed_at
    with runtime.sessions() as session:
        rows = session.exec(select(Reading.id, Reading.logger_id).where(Reading.received_at == RECEIVED)
                            .order_by(col(Reading.id))).all()
    assert [logger for _, logger in rows][0] == first_logger and len(rows) == 2  # first drawn, first seen
