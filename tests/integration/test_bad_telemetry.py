"""Malformed telemetry through the real broker: each message rejected with its reason, neighbours stored."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

import pytest
from sqlalchemy import func
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
    credentials = broker_credentials(logger_ids=["LG-A", "LG-B", "LG-GHOST"])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text,
                          extra_config="max_queued_messages 100000\n")  # the corpus outpaces the ingest
    with unit_of_work(sqlite_runtime.sessions, actor="test") as session:  # LG-GHOST: not in the registry
        for code in ("LG-A", "LG-B"):
            secret = hash_secret(credentials.secrets[code])
            session.add(Logger(code=code, serial=f"S-{code}", credential_hash=secret))
    address = BrokerAddress(broker.host, broker.port, "ingest", credentials.secrets["ingest"], tls=False)
    publishers = {}
    for logger in ("LG-A", "LG-B", "LG-GHOST"):
        publishers[logger] = make_probe(broker, f"pub-{logger}", username=logger,
                                        password=credentials.secrets[logger])
        publishers[logger].connect()
    with ExitStack() as running:
        def start_ingest() -> MqttIngest:
            ingest = MqttIngest(broker=address, options=IngestOptions(client_id="corpus-ingest"),
                                open_store=partial(open_telemetry_store, sqlite_runtime.settings))
            stop = threading.Event()
            thread = threading.Thread(target=ingest.run, args=(stop,))
            thread.start()
            running.callback(thread.join, 10)
            running.callback(stop.set)
            assert ingest.connected.wait(10)
            return ingest

        yield Pipeline(publishers, start_ingest(), sqlite_runtime, start_ingest, running)


class Pipeline(NamedTuple):
    publishers: dict[str, Any]
    ingest: MqttIngest
    runtime: Any
    start_ingest: Callable[[], MqttIngest]
    running: ExitStack

    def __iter__(self):  # the tests unpack the first three
        return iter((self.publishers, self.ingest, self.runtime))


def wait_for_messages(ingest: MqttIngest, count: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while ingest.counters.messages < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ingest.counters.messages >= count, ingest.counters


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


def malformed(rng: random.Random, number: int) -> bytes:
    """A message that is wrong in one of the ways loggers and gateways get it wrong; never valid."""
    good = json.dumps({"ts": iso(300 + number / 100), "temp": 5.0, "shock_g": 0.5}).encode()
    kind = number % 9
    if kind == 0:
        return good[:rng.randrange(1, len(good) - 1)]  # cut short: the closing brace is always lost
    if kind == 1:
        return b"\xff" + good  # not UTF-8
    if kind == 2:
        return b"\x00" + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    if kind == 3:
        return json.dumps({"ts": iso(300), "temp": rng.choice([100.5, 1e6, -274, -1e9])}).encode()
    if kind == 4:
        return json.dumps({"ts": iso(300), "temp": rng.choice(["warm", True, [5], {"v": 5}])}).encode()
    if kind == 5:
        when = rng.choice(["2019-12-31T23:59:59Z", iso(-3 * 24 * 60), "yesterday", 12.5e15])
        return json.dumps({"ts": when, "temp": 5.0}).encode()
    if kind == 6:
        return json.dumps({"ts": iso(300), "temp": 5.0, "shock_g": -rng.uniform(0.01, 100)}).encode()
    if kind == 7:
        return json.dumps(rng.choice([[], {}, {"readings": []}, {"readings": 7}, "text", 42, None])).encode()
    return good.replace(b'"temp"', b'"tmp"').replace(b'"shock_g"', b'"shk"')  # no measurement at all


def test_ten_thousand_malformed_messages_through_the_broker_each_rejected_and_neighbours_kept(pipeline):
    publishers, ingest, runtime = pipeline
    rng, bad, good = random.Random(20261206), 10_000, 1_000
    for number in range(bad):
        if number % (bad // good) == 0:  # a valid neighbour every tenth message, each at its own time
            neighbour = {"ts": iso(200 - number / 100), "temp": 4.0 + (number // 10) % 4}
            publishers["LG-A"].publish("coldchain/loggers/LG-A/telemetry", json.dumps(neighbour).encode())
        assert publishers["LG-A"].publish("coldchain/loggers/LG-A/telemetry", malformed(rng, number)) == 0
    deadline = time.monotonic() + 120
    while ingest.counters.messages < bad + good and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ingest.counters.messages == bad + good
    with runtime.sessions() as session:
        stored = session.exec(select(func.count()).select_from(Reading)).one()
        reasons = session.exec(select(Rejection.reason)).all()
    assert stored == good
    assert len(reasons) == bad and all(reason.strip() for reason in reasons)
    assert ingest.counters.messages_rejected == bad


POISON = b"[" * 100_000 + b"]" * 100_000  # decoding it recursed until Python gave up


def test_a_retained_poison_status_holds_nothing_back_even_after_a_restart(pipeline):
    publishers, ingest, runtime = pipeline
    assert publishers["LG-B"].publish("coldchain/loggers/LG-B/status", POISON, retain=True) == 0
    for minute in range(200):
        publishers["LG-A"].publish("coldchain/loggers/LG-A/telemetry",
                                   json.dumps({"ts": iso(400 - minute), "temp": 5.0}).encode())
    wait_for_messages(ingest, 201)

    pipeline.running.close()  # the ingest stops; on its next connect the broker sends the retained poison
    restarted = pipeline.start_ingest()
    for minute in range(200):
        publishers["LG-A"].publish("coldchain/loggers/LG-A/telemetry",
                                   json.dumps({"ts": iso(180 - minute / 2), "temp": 6.0}).encode())
    wait_for_messages(restarted, 201)

    with runtime.sessions() as session:
        stored = session.exec(select(Reading.temperature_c)).all()
        rejected = session.exec(select(Rejection).order_by(col(Rejection.id))).all()
    assert sorted(stored) == [5.0] * 200 + [6.0] * 200
    assert [rejection.topic for rejection in rejected] == ["coldchain/loggers/LG-B/status"] * 2
    assert all("status payload is 200000 bytes" in rejection.reason for rejection in rejected)
    assert restarted.counters.store_failures == 0
