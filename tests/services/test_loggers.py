"""The logger registry on both databases: reserved ids, retiring, and which loggers the broker admits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Rejection
from logistics.services import loggers
from logistics.services.errors import InputError
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW, settings_for


def test_the_reserved_ids_are_the_ingests_user_and_client_id_from_the_settings():
    settings = settings_for("sqlite://", mqtt_url="mqtt://tracker:pw@10.0.0.5:1883", ingest_client_id="w-1")

    assert loggers.reserved_ids(settings) == {"ingest", "tracker", "w-1"}
    assert loggers.reserved_ids(settings_for("sqlite://")) == {"ingest", "logistics-ingest"}


def test_a_retired_logger_keeps_its_row_leaves_the_broker_and_cannot_be_assigned(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        loggers.register_logger(session, code="LG-R2", serial="SN")
        loggers.retire(session, "LG-R2", now=NOW)
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        with pytest.raises(InputError, match="already retired"):
            loggers.retire(session, "LG-R2", now=NOW)
        with pytest.raises(InputError, match="LG-R2 is retired"):
            loggers.assign(session, logger_code="LG-R2", reference="HG-2026-0048", starts_at=NOW)
        accounts = loggers.broker_accounts(session, reserved=[])
        assert session.exec(select(Logger.status).where(Logger.code == "LG-R2")).one() == "retired"
        assert "LG-R2" not in loggers.free_codes(session)

    admitted = [code for code, _ in accounts.entries]
    assert "LG-R2" not in admitted and "LG-24003" in admitted and admitted == sorted(admitted)


def test_a_logger_assigned_now_or_later_is_not_retired(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        loggers.register_logger(session, code="LG-R3", serial="SN")
        loggers.assign(session, logger_code="LG-R3", reference="HG-2026-0048",
                       starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=1))
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        with pytest.raises(InputError, match="LG-R3 is assigned to HG-2026-0048: stop it there first"):
            loggers.retire(session, "LG-R3", now=NOW)
        loggers.retire(session, "LG-R3", now=NOW + timedelta(days=2))  # once its window is over


def test_the_broker_leaves_out_reserved_ids_and_damaged_hashes_and_names_them(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        loggers.register_logger(session, code="worker-2", serial="SN")
        session.add(Logger(code="LG-BROKEN", serial="SN", credential_hash="$7$not-a-hash"))
    with demo_runtime.sessions() as session:
        accounts = loggers.broker_accounts(session, reserved=["WORKER-2"])

    assert dict(accounts.left_out) == {
        "worker-2": "'worker-2' is reserved for the ingest's MQTT user name or client id",
        "LG-BROKEN": "its stored secret is not a Mosquitto $7$ hash: rotate it"}


def test_a_message_refused_as_a_whole_is_kept_with_its_reason(demo_runtime):
    message = IncomingMessage(source="http", logger_code="LG-24001", payload=b'{"temp": 5}' + b" " * 70_000,
                              received_at=datetime.now(UTC))

    TelemetryStore(demo_runtime.engine).refuse(message, "logger LG-24001 is retired",
                                               payload_size=len(message.payload))

    with demo_runtime.sessions() as session:
        [kept] = session.exec(select(Rejection)).all()
    assert (kept.source, kept.logger_code, kept.reason) == ("http", "LG-24001", "logger LG-24001 is retired")
    assert kept.payload_size == len(message.payload) and len(kept.payload) == 64 * 1024


def test_the_shipment_page_stops_a_logger_only_for_the_shipment_it_records_for(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        with pytest.raises(loggers.NotRecording, match="LG-24003 is not recording for HG-2026-0046"):
            loggers.stop_recording(session, reference="HG-2026-0046", logger_code="LG-24003", at=NOW)
        stopped = loggers.stop_recording(session, reference="HG-2026-0045", logger_code="LG-24003", at=NOW)
        assert stopped.ends_at == NOW
        with pytest.raises(loggers.NotRecording):  # stopped already
            loggers.stop_recording(session, reference="HG-2026-0045", logger_code="LG-24003", at=NOW)
