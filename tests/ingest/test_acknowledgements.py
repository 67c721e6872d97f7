"""When the ingest acknowledges: paho's messages handed straight to its message handler, a real writer
process storing into a real SQLite file, no broker. What only a broker proves (redelivery of what was not
acknowledged, sessions, shared subscriptions) is in tests/integration."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from functools import partial

import paho.mqtt.client as mqtt
import pytest
from sqlmodel import select

from logistics.app import open_telemetry_store
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Rejection
from sensors.in_flight import InFlight, IngestCounters
from sensors.ingest import IngestOptions
from tests.integration.test_bad_telemetry import POISON
from tests.integration.test_database_away import stored as stored_readings

TOPIC = "coldchain/loggers/LG-A/telemetry"
STATUS_TOPIC = "coldchain/loggers/LG-A/status"
NOW = datetime.now(UTC).replace(microsecond=0)


def mqtt_message(mid: int, payload: bytes, topic: str = TOPIC) -> mqtt.MQTTMessage:
    """A message as paho hands it to on_message: QoS 1, not retained."""
    message = mqtt.MQTTMessage(mid=mid, topic=topic.encode())
    message.payload, message.qos, message.retain = payload, 1, False
    return message


def reading(minute: int) -> bytes:
    return json.dumps({"ts": (NOW - timedelta(minutes=minute)).isoformat(), "temp": 5.0}).encode()


class RecordingClient:
    """Stands in for paho's client where the ingest acknowledges: notes each acknowledgement, and how many
    readings were stored by then."""

    def __init__(self, stored: Callable[[], int]) -> None:
        self.acks: list[tuple[int, int]] = []  # (mid, readings stored when it was acknowledged)
        self._stored = stored

    def ack(self, mid: int, qos: int) -> int:
        assert qos == 1
        self.acks.append((mid, self._stored()))
        return 0

    @property
    def mids(self) -> list[int]:
        return [mid for mid, _ in self.acks]


@dataclasses.dataclass
class Ingest:
    """The ingest's messages in flight, driven as paho's thread and the ingest's main loop drive them."""

    in_flight: InFlight
    client: RecordingClient
    stored: Callable[[], int]

    def receive(self, *messages: mqtt.MQTTMessage) -> None:
        for message in messages:
            self.in_flight.on_message(None, None, message)

    def acknowledge_until(self, condition: Callable[[], bool], timeout: float = 30) -> bool:
        """Let the ingest act on the writer's reports until `condition` holds."""
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            self.in_flight.acknowledge_committed(self.client, wait=0.05)
        return condition()

    @property
    def counters(self) -> IngestCounters:
        return self.in_flight.counters


@pytest.fixture
def start_ingest(sqlite_runtime) -> Iterator[Callable[..., Ingest]]:
    """start(batch_size=..., sqlite_busy_timeout_ms=...): the ingest's in-flight list and its writer, storing
    into `sqlite_runtime`'s database, where logger LG-A is registered."""
    with unit_of_work(sqlite_runtime.sessions, actor="test") as session:
        session.add(Logger(code="LG-A", serial="S-LG-A"))
    started: list[InFlight] = []

    def start(batch_size: int = 50, **settings: object) -> Ingest:
        store_settings = dataclasses.replace(sqlite_runtime.settings, **settings)
        in_flight = InFlight(partial(open_telemetry_store, store_settings),
                             IngestOptions(batch_size=batch_size).batching, IngestCounters())
        started.append(in_flight)
        stored = partial(stored_readings, sqlite_runtime)
        return Ingest(in_flight, RecordingClient(stored), stored)

    yield start
    for in_flight in started:
        in_flight.close()


def test_a_message_is_acknowledged_only_once_its_batch_is_stored(start_ingest):
    ingest = start_ingest()
    ingest.receive(*(mqtt_message(mid, reading(mid)) for mid in range(1, 6)))
    assert ingest.client.acks == []  # nothing before the writer reports its commit
    assert ingest.acknowledge_until(lambda: len(ingest.client.acks) == 5), ingest.counters
    assert ingest.client.mids == [1, 2, 3, 4, 5]
    assert all(stored >= mid for mid, stored in ingest.client.acks), ingest.client.acks
    assert ingest.counters.messages == 5 and ingest.counters.readings_stored == 5


def test_acknowledgements_follow_the_order_of_arrival_across_batches(start_ingest):
    ingest = start_ingest(batch_size=4)
    mids = [7, 3, 65535, 1, 12, 2, 40000, 5, 6, 9, 4, 8, 11, 10, 300, 13, 14, 15, 16, 17, 18, 19, 20]
    for minute, mid in enumerate(mids):
        ingest.receive(mqtt_message(mid, reading(minute)))
    assert ingest.acknowledge_until(lambda: len(ingest.client.acks) == len(mids)), ingest.counters
    assert ingest.client.mids == mids  # packet ids are paho's; the order is the order they came in
    assert ingest.counters.transactions >= len(mids) // 4
    assert ingest.stored() == len(mids)


def test_an_outage_holds_every_acknowledgement_back_until_the_database_is_back(start_ingest, sqlite_runtime):
    """SQLite held locked by another writer: nothing is acknowledged, and all of it once the lock is gone."""
    ingest = start_ingest(sqlite_busy_timeout_ms=200)
    path = sqlite_runtime.settings.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path, timeout=10)) as other_writer:
        other_writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        ingest.receive(*(mqtt_message(mid, reading(mid)) for mid in range(1, 21)))
        assert ingest.acknowledge_until(lambda: ingest.counters.store_failures >= 2), "not retried"
        assert ingest.client.acks == [] and ingest.counters.messages == 0
        assert "database is locked" in (ingest.counters.last_failure or "")
        other_writer.rollback()  # the database is free again
        assert ingest.acknowledge_until(lambda: len(ingest.client.acks) == 20), ingest.counters
    assert ingest.client.mids == list(range(1, 21))
    assert ingest.stored() == 20 and ingest.counters.duplicates == 0


def test_a_poison_message_is_acknowledged_as_a_rejection_and_its_neighbours_are_stored(start_ingest,
                                                                                       sqlite_runtime):
    ingest = start_ingest()
    ingest.receive(mqtt_message(1, reading(3)), mqtt_message(2, b"{not json"), mqtt_message(3, reading(2)),
                   mqtt_message(4, POISON, topic=STATUS_TOPIC), mqtt_message(5, reading(1)))
    assert ingest.acknowledge_until(lambda: len(ingest.client.acks) == 5), ingest.counters
    assert ingest.client.mids == [1, 2, 3, 4, 5]
    assert ingest.counters.store_failures == 0 and ingest.counters.messages_rejected == 2
    with sqlite_runtime.sessions() as session:
        topics = session.exec(select(Rejection.topic).order_by(Rejection.id)).all()
    assert topics == [TOPIC, STATUS_TOPIC]
    assert ingest.stored() == 3


def test_a_message_from_an_earlier_connection_is_left_to_its_redelivery(start_ingest):
    """Its packet id belonged to the old connection: acknowledging it on the new one could acknowledge
    another message (MQTT-4.6.0-2), so the broker sends it again, and it is stored as a duplicate."""
    ingest = start_ingest()
    ingest.in_flight.new_connection()
    ingest.receive(mqtt_message(1, reading(2)), mqtt_message(2, reading(1)))
    ingest.in_flight.new_connection()  # the connection dropped before the commit was reported
    ingest.receive(mqtt_message(1, reading(1)))  # the broker's redelivery, under a new packet id
    assert ingest.acknowledge_until(lambda: ingest.counters.messages == 3), ingest.counters
    assert ingest.client.mids == [1]
    assert ingest.counters.duplicates == 1 and ingest.stored() == 2


def test_a_writer_process_that_dies_is_replaced_and_its_messages_stored(start_ingest):
    ingest = start_ingest()
    ingest.receive(mqtt_message(1, reading(10)))
    assert ingest.acknowledge_until(lambda: ingest.client.mids == [1])
    first_writer = ingest.in_flight.writer_pid
    os.kill(first_writer, signal.SIGKILL)
    ingest.receive(*(mqtt_message(mid, reading(10 - mid)) for mid in range(2, 6)))
    assert ingest.acknowledge_until(lambda: len(ingest.client.acks) == 5), ingest.counters
    assert ingest.client.mids == [1, 2, 3, 4, 5]
    assert ingest.in_flight.writer_pid != first_writer and ingest.counters.writer_restarts == 1
    assert ingest.stored() == 5
