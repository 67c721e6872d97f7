"""Acknowledge after commit, never before: the subscriber entered at paho's boundary, real Mosquitto."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from logistics.services.telemetry import StoreResult
from sensors.ingest import IngestOptions, MqttIngest
from sensors.topics import BrokerAddress
from tests.integration.mosquitto_helpers import broker_credentials


@contextmanager
def running(broker, secret: str, store: Callable) -> Iterator[MqttIngest]:
    address = BrokerAddress(broker.host, broker.port, "ingest", secret, tls=False)
    ingest = MqttIngest(broker=address, store=store, options=IngestOptions(client_id="acks-under-test"))
    stop = threading.Event()
    thread = threading.Thread(target=ingest.run, args=(stop,))
    thread.start()
    try:
        assert ingest.connected.wait(10), "ingest did not connect"
        yield ingest
    finally:
        stop.set()
        thread.join(10)


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def recorder(into: list[bytes]) -> Callable:
    def store(messages):
        into.extend(message.payload for message in messages)
        return [StoreResult(accepted=1) for _ in messages]

    return store


def test_a_failed_store_is_not_acknowledged_and_comes_back(start_broker, make_probe):
    credentials = broker_credentials(logger_ids=["LG-A"])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text)
    attempts: list[int] = []

    def failing_store(messages):
        attempts.append(len(messages))
        raise RuntimeError("database is locked")

    publisher = make_probe(broker, "pub-LG-A", username="LG-A", password=credentials.secrets["LG-A"])
    publisher.connect()
    with running(broker, credentials.secrets["ingest"], failing_store) as ingest:
        for index in range(3):
            publisher.publish("coldchain/loggers/LG-A/telemetry", f'{{"temp": {index}}}'.encode())
        assert wait_until(lambda: len(attempts) >= 2), "the failing batch was not retried"
        assert ingest.counters.store_failures >= 2 and ingest.counters.messages == 0

    redelivered: list[bytes] = []
    with running(broker, credentials.secrets["ingest"], recorder(redelivered)):
        assert wait_until(lambda: len(set(redelivered)) == 3), f"redelivered only {redelivered}"

    after_ack: list[bytes] = []
    with running(broker, credentials.secrets["ingest"], recorder(after_ack)):
        publisher.publish("coldchain/loggers/LG-A/telemetry", b'{"temp": 9}')
        assert wait_until(lambda: b'{"temp": 9}' in after_ack)
    assert after_ack == [b'{"temp": 9}'], "stored-and-acknowledged messages must not come back"
