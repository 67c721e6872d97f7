"""The one writer path for telemetry, against real databases of each kind."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from logistics.db.models import Logger, Reading, Rejection
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
RECEIVED = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def message(payload, logger="LG-24003", received=RECEIVED, **extra):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return IncomingMessage(source="mqtt", logger_code=logger, payload=raw, received_at=received,
                           topic=f"coldchain/loggers/{logger}/telemetry", **extra)


def stored(runtime, logger="LG-24003"):
    with runtime.sessions() as session:
        logger_id = session.exec(select(Logger.id).where(Logger.code == logger)).one()
        return session.exec(select(Reading).where(Reading.logger_id == logger_id)
                            .order_by(col(Reading.device_time))).all()


def rejections(runtime):
    with runtime.sessions() as session:
        return session.exec(select(Rejection).order_by(col(Rejection.id))).all()


@pytest.fixture
def store(demo_runtime):
    return TelemetryStore(demo_runtime.engine)


def test_a_native_reading_is_stored_whole(demo_runtime, store):
    payload = (FIXTURES / "native-single.json").read_bytes()
    [result] = store.store([message(payload)])
    assert (result.accepted, result.duplicates, result.rejected) == (1, 0, 0)
    [reading] = stored(demo_runtime)
    assert reading.device_time == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert (reading.temperature_c, reading.shock_g, reading.humidity, reading.battery) == (5.1, 0.3, 41.5, 87)
    assert (reading.latitude, reading.longitude, reading.seq) == (22.639, 113.811, 1042)
    assert reading.source == "mqtt"
    assert reading.received_at == RECEIVED and reading.time_flagged is False


def test_a_redelivered_message_is_counted_as_duplicates_and_stored_once(demo_runtime, store):
    payload = (FIXTURES / "native-batch-flight-mode.json").read_bytes()
    first, again = store.store([message(payload), message(payload)])
    assert (first.accepted, again.accepted, again.duplicates) == (4, 0, 4)
    assert len(stored(demo_runtime)) == 4
    [later] = store.store([message(payload)])
    assert (later.accepted, later.duplicates) == (0, 4)


def test_a_senml_pack_is_stored(demo_runtime, store):
    payload = (FIXTURES / "senml-pack.json").read_bytes()
    [result] = store.store([message(payload, logger="LG-0007", content_type="application/senml+json")])
    assert result.problems == ["unknown logger 'LG-0007'"]
    [result] = store.store([message(payload, logger="LG-24003")])
    assert result.accepted == 0 and "LG-0007" in result.problems[0]  # payload names another logger


def test_an_unknown_logger_is_rejected_with_the_raw_bytes(demo_runtime, store):
    [result] = store.store([message({"ts": "2026-03-01T02:00:00Z", "temp": 5}, logger="LG-NOPE")])
    assert (result.accepted, result.rejected) == (0, 1)
    [rejection] = rejections(demo_runtime)
    assert rejection.reason == "unknown logger 'LG-NOPE'"
    assert json.loads(rejection.payload)["temp"] == 5
    assert (rejection.topic, rejection.source, rejection.received_at) == (
        "coldchain/loggers/LG-NOPE/telemetry", "mqtt", RECEIVED)


def test_bad_readings_are_rejected_while_their_neighbours_are_stored(demo_runtime, store):
    batch = {"readings": [
        {"ts": "2026-03-01T01:00:00Z", "temp": 5.0},
        {"ts": "2026-03-01T01:05:00Z", "temp": 500},
        {"ts": "2026-03-05T01:05:00Z", "temp": 5.0},  # four days in the future
        {"ts": "2019-12-31T23:59:59Z", "temp": 5.0},
        {"ts": "2026-03-01T01:10:00Z", "temp": 5.2},
    ]}
    [result] = store.store([message(batch)])
    assert (result.accepted, result.rejected) == (2, 3)
    assert [r.temperature_c for r in stored(demo_runtime)] == [5.0, 5.2]
    [rejection] = rejections(demo_runtime)
    assert rejection.readings_rejected == 3
    assert "reading 2026-03-01T01:05:00+00:00" in rejection.reason and "2026-03-05" in rejection.reason


def test_undecodable_messages_are_rejected_and_kept_truncated(demo_runtime, store):
    huge = b"{" + b" " * (70 * 1024)
    results = store.store([message(b"not json at all"), message(huge)])
    assert all(result.accepted == 0 and result.problems for result in results)
    first, second = rejections(demo_runtime)
    assert first.payload == b"not json at all"
    assert (len(second.payload), second.payload_size) == (64 * 1024, len(huge))


def test_a_reading_without_time_uses_the_receive_time_and_is_flagged(demo_runtime, store):
    [result] = store.store([message({"temp": 4.2})])
    assert result.accepted == 1
    [reading] = stored(demo_runtime)
    assert reading.device_time == RECEIVED and reading.time_flagged is True


def test_last_seen_and_battery_follow_the_readings(demo_runtime, store):
    store.store([message({"ts": "2026-03-01T02:00:00Z", "temp": 5, "battery": 77})])
    store.store([message({"ts": "2026-03-01T01:00:00Z", "temp": 5}, received=RECEIVED - timedelta(hours=1))])
    with demo_runtime.sessions() as session:
        logger = session.exec(select(Logger).where(Logger.code == "LG-24003")).one()
    assert (logger.last_seen_at, logger.battery) == (RECEIVED, 77)


def test_status_messages_update_the_logger(demo_runtime, store):
    status = IncomingMessage(source="mqtt", logger_code="LG-24003", kind="status", received_at=RECEIVED,
                             payload=b'{"state": "online", "battery": 64, "firmware": "2.4.1"}')
    store.store([status])
    store.store([IncomingMessage(source="mqtt", logger_code="LG-24003", kind="status",
                                 received_at=RECEIVED, payload=b"offline")])
    with demo_runtime.sessions() as session:
        logger = session.exec(select(Logger).where(Logger.code == "LG-24003")).one()
    assert (logger.online, logger.battery, logger.firmware) == (False, 64, "2.4.1")


def test_a_failing_batch_stores_nothing(demo_runtime, store):
    good = message({"ts": "2026-03-01T02:00:00Z", "temp": 5})
    with demo_runtime.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE rejections")
    with pytest.raises(Exception):  # noqa: B017 - any database error
        store.store([good, message(b"garbage")])
    assert stored(demo_runtime) == []


def test_a_poison_status_is_rejected_and_the_rest_of_the_batch_is_stored(demo_runtime, store):
    poison = IncomingMessage(source="mqtt", logger_code="LG-24003", kind="status", received_at=RECEIVED,
                             topic="coldchain/loggers/LG-24003/status", payload=b"[" * 5000 + b"]" * 5000)
    readings = [message({"ts": f"2026-03-01T02:{minute:02d}:00Z", "temp": 5}) for minute in range(10)]
    results = store.store([readings[0], poison, *readings[1:]])
    assert [result.accepted for result in results] == [1, 0] + [1] * 9
    assert len(stored(demo_runtime)) == 10
    [rejection] = rejections(demo_runtime)
    assert rejection.topic.endswith("/status") and "nested deeper than 32 levels" in rejection.reason


# A database-level rule that refuses one message's values, as a site's own CHECK or trigger might: the
# batch fails for a reason that names no message, and the store must find the one at fault.
REFUSE_13_37 = {
    "sqlite": ["CREATE TRIGGER refuse_1337 BEFORE INSERT ON readings WHEN NEW.temperature_c = 13.37 "
               "BEGIN SELECT RAISE(ABORT, 'temperature 13.37 refused by site rule'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse_1337() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.temperature_c = 13.37 THEN RAISE check_violation USING MESSAGE = "
        "'temperature 13.37 refused by site rule'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_1337 BEFORE INSERT ON readings FOR EACH ROW EXECUTE FUNCTION refuse_1337()"],
}


def test_a_message_the_database_refuses_is_found_and_rejected_and_the_others_are_stored(demo_runtime,
                                                                                         store):
    with demo_runtime.engine.begin() as connection:
        for statement in REFUSE_13_37[connection.dialect.name]:
            connection.exec_driver_sql(statement)
    batch = [message({"ts": f"2026-03-01T02:{minute:02d}:00Z", "temp": 13.37 if minute == 7 else 5})
             for minute in range(20)]
    results = store.store(batch)
    assert [result.accepted for result in results] == [1] * 7 + [0] + [1] * 12
    assert (results[7].rejected, len(stored(demo_runtime))) == (1, 19)
    [rejection] = rejections(demo_runtime)
    assert "could not be stored" in rejection.reason and "13.37 refused by site rule" in rejection.reason
    assert rejection.payload == batch[7].payload


def test_a_message_cannot_make_its_own_rejection_unstorable(demo_runtime, store):
    odd = IncomingMessage(source="http", logger_code="LG\x00" + "x" * 500, payload=b"{}",
                          received_at=RECEIVED, topic="coldchain/loggers/" + "t" * 5000 + "/telemetry")
    [result] = store.store([odd])
    assert result.problems
    [rejection] = rejections(demo_runtime)
    assert rejection.logger_code.startswith("LG\\x00") and len(rejection.topic) == 300


def test_a_sequence_number_up_to_64_bits_is_stored(demo_runtime, store):
    [result] = store.store([message({"ts": "2026-03-01T02:00:00Z", "temp": 5, "seq": 2**63 - 1})])
    assert result.accepted == 1 and [reading.seq for reading in stored(demo_runtime)] == [2**63 - 1]


def test_a_retired_logger_is_refused_once_the_writer_looks_again(demo_runtime):
    from logistics.db.engine import unit_of_work
    from logistics.services import loggers

    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        session.add(Logger(code="LG-OLD", serial="S-OLD"))
    store = TelemetryStore(demo_runtime.engine, logger_cache_s=0)
    reading = {"ts": "2026-03-01T02:00:00Z", "temp": 5}
    assert store.store([message(reading, logger="LG-OLD")])[0].accepted == 1
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        loggers.retire(session, "LG-OLD", now=RECEIVED)
    later = {"ts": "2026-03-01T02:05:00Z", "temp": 5}
    [result] = store.store([message(later, logger="LG-OLD")])
    assert (result.accepted, result.rejected) == (0, 1)
    assert result.problems == ["logger LG-OLD is retired: it may no longer send readings"]
    assert len(stored(demo_runtime, "LG-OLD")) == 1  # its history stays
