"""Malformed telemetry through the real broker: each message rejected with its reason, neighbours stored."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlmodel import col, select

from logistics.app import open_telemetry_store
from logistics.core.mosquitto import hash_secret
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Reading, Rejection
from sensors.ingest import IngestOptions, MqttIngest
from sensors.topics import BrokerAddress
from tests.integration.mosquitto_helpers import broker_credentials

NOW = datetime.now(UTC).replace(microsecond=0)


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


CORPUS = [  # (logger publishing, payload, what the rejection reason must mention)
    ("LG-A", b"{not json", "JSON"),
    ("LG-A", b"\xff\xfe\x00garbage", "UTF-8"),
    ("LG-A", b'"just a string"', ""),
    ("LG-A", b"[]", "no readings"),
    ("LG-A", b'{"readings": []}', "no readings"),
    ("LG-A", json.dumps({"ts": iso(50), "temp": "NaN"}).encode(), "temp"),
    ("LG-A", json.dumps({"ts": iso(49), "temp": True}).encode(), "temp"),
    ("LG-A", json.dumps({"ts": iso(48), "temp": 250}).encode(), "temperature"),
    ("LG-A", json.dumps({"ts": iso(-3 * 24 * 60), "temp": 5}).encode(), "ahead"),
    ("LG-A", json.dumps({"ts": "2019-06-01T00:00:00Z", "temp": 5}).encode(), "2020"),
    ("LG-A", json.dumps({"ts": iso(47), "temp": 5, "shock_g": -1}).encode(), "shock"),
    ("LG-A", json.dumps({"readings": "many"}).encode(), "readings"),
    ("LG-A", b'{"readings": [' + b'{"temp": 5},' * 100_000 + b'{"temp": 5}]}', "1048576"),
    ("LG-GHOST", json.dumps({"ts": iso(46), "temp": 5}).encode(), "unknown logger 'LG-GHOST'"),
    ("LG-A", json.dumps([{"bn": "urn:dev:sn:LG-Z:", "bt": int(NOW.timestamp()) - 600, "n": "temp",
                          "u": "Cel", "v": 5}]).encode(), "LG-Z"),
]


@pytest.fixture
def pipeline(start_broker, make_probe, sqlite_runtime):
    credentials = broker_credentials(logger_ids=["LG-A", "LG-GHOST"])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text)
    with unit_of_work(sqlite_runtime.sessions, actor="test") as session:  # LG-GHOST: not in the registry
        secret = credentials.secrets["LG-A"]
        session.add(Logger(code="LG-A", serial="S-A", credential_hash=hash_secret(secret)))
    address = BrokerAddress(broker.host, broker.port, "ingest", credentials.secrets["ingest"], tls=False)
    ingest = MqttIngest(broker=address, open_store=partial(open_telemetry_store, sqlite_runtime.settings),
                        options=IngestOptions(client_id="corpus-ingest"))
    stop = threading.Event()
    thread = threading.Thread(target=ingest.run, args=(stop,))
    thread.start()
    assert ingest.connected.wait(10)
    publishers = {}
    for logger in ("LG-A", "LG-GHOST"):
        publishers[logger] = make_probe(broker, f"pub-{logger}", username=logger,
                                        password=credentials.secrets[logger])
        publishers[logger].connect()
    yield publishers, ingest, sqlite_runtime
    stop.set()
    thread.join(10)


def test_each_bad_message_is_rejected_with_its_reason_and_good_neighbours_are_stored(pipeline):
    publishers, ingest, runtime = pipeline
    for index, (logger, payload, _) in enumerate(CORPUS):
        publishers["LG-A"].publish("coldchain/loggers/LG-A/telemetry",
                                   json.dumps({"ts": iso(40 - index), "temp": 5.0}).encode())
        assert publishers[logger].publish(f"coldchain/loggers/{logger}/telemetry", payload) == 0
    publishers["LG-A"].publish("coldchain/loggers/LG-A/telemetry",
                               json.dumps({"ts": iso(1), "temp": 5.5}).encode())
    deadline = time.monotonic() + 20
    while ingest.counters.messages < 2 * len(CORPUS) + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ingest.counters.messages == 2 * len(CORPUS) + 1

    with runtime.sessions() as session:
        stored = session.exec(select(Reading.temperature_c).order_by(col(Reading.device_time))).all()
        rejections = session.exec(select(Rejection).order_by(col(Rejection.id))).all()
    assert stored == [5.0] * len(CORPUS) + [5.5]
    assert len(rejections) == len(CORPUS)
    for rejection, (logger, payload, mentioned) in zip(rejections, CORPUS, strict=True):
        assert mentioned in rejection.reason, (payload[:60], rejection.reason)
        assert rejection.payload == payload[:64 * 1024] and rejection.payload_size == len(payload)
        assert rejection.topic == f"coldchain/loggers/{logger}/telemetry"


def test_status_messages_update_the_registry(pipeline):
    publishers, ingest, runtime = pipeline
    publishers["LG-A"].publish("coldchain/loggers/LG-A/status",
                               b'{"state": "online", "battery": 71, "firmware": "4.2.0"}', retain=True)
    deadline = time.monotonic() + 10
    while ingest.counters.messages < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    with runtime.sessions() as session:
        logger = session.exec(select(Logger).where(Logger.code == "LG-A")).one()
    assert (logger.online, logger.battery, logger.firmware) == (True, 71, "4.2.0")
