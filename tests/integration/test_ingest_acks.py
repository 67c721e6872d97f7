"""Acknowledge after commit, never before: the subscriber entered at paho's boundary, real Mosquitto.

What a broker proves: what was not acknowledged comes back, and what was does not. The order of
acknowledgements, outages and a writer that dies are in tests/ingest/test_acknowledgements.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from sensors.ingest import IngestOptions, MqttIngest
from sensors.intake import StoreResult
from sensors.topics import BrokerAddress
from sensors.writer import StoreOpener
from tests.integration.mosquitto_helpers import broker_credentials


@contextmanager
def running(broker, secret: str, open_store: StoreOpener) -> Iterator[MqttIngest]:
    address = BrokerAddress(broker.host, broker.port, "ingest", secret, tls=False)
    ingest = MqttIngest(broker=address, open_store=open_store,
                        options=IngestOptions(client_id="acks-under-test"))
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


# The stores below run in the ingest's writer process: they are module-level so that they can be sent
# there, and they report through a file.

def open_recorder(path: Path) -> Callable:
    def store(messages):
        with path.open("ab") as out:
            out.writelines(message.payload + b"\n" for message in messages)
        return [StoreResult(accepted=1) for _ in messages]

    return store


def open_failing_store() -> Callable:
    def store(messages):
        raise RuntimeError("database is locked")

    return store


def recorded(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines() if path.exists() else []


def test_a_failed_store_is_not_acknowledged_and_comes_back(start_broker, make_probe, tmp_path):
    credentials = broker_credentials(logger_ids=["LG-A"])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text)
    publisher = make_probe(broker, "pub-LG-A", username="LG-A", password=credentials.secrets["LG-A"])
    publisher.connect()
    with running(broker, credentials.secrets["ingest"], open_failing_store) as ingest:
        for index in range(3):
            publisher.publish("coldchain/loggers/LG-A/telemetry", f'{{"temp": {index}}}'.encode())
        assert wait_until(lambda: ingest.counters.store_failures >= 2), "the failing batch was not retried"
        assert ingest.counters.messages == 0

    redelivered = tmp_path / "redelivered"
    with running(broker, credentials.secrets["ingest"], partial(open_recorder, redelivered)) as ingest:
        assert wait_until(lambda: len(set(recorded(redelivered))) == 3), recorded(redelivered)
        # Recorded is not yet acknowledged: leave only once the ingest has counted (and so acked) all three.
        assert wait_until(lambda: ingest.counters.messages >= 3), ingest.counters

    after_ack = tmp_path / "after-ack"
    with running(broker, credentials.secrets["ingest"], partial(open_recorder, after_ack)):
        publisher.publish("coldchain/loggers/LG-A/telemetry", b'{"temp": 9}')
        assert wait_until(lambda: b'{"temp": 9}' in recorded(after_ack))
    assert recorded(after_ack) == [b'{"temp": 9}'], "stored-and-acknowledged messages must not come back"


def test_subscriptions_the_broker_refuses_are_reported_and_the_ingest_is_not_ready(start_broker, caplog):
    # broker-config granted the share group "ingest"; this worker was configured with another one.
    credentials = broker_credentials(logger_ids=["LG-A"], shared_group="ingest")
    broker = start_broker(dynamic_security_text=credentials.dynamic_security_text)
    address = BrokerAddress(broker.host, broker.port, "ingest", credentials.secrets["ingest"], tls=False)
    ingest = MqttIngest(broker=address, open_store=partial(open_recorder, Path("unused")),
                        options=IngestOptions(client_id="refused-under-test", shared_group="workers"))
    stop = threading.Event()
    thread = threading.Thread(target=ingest.run, args=(stop,))
    thread.start()
    try:
        assert wait_until(lambda: "refused the subscriptions" in caplog.text), broker.log_text()[-2000:]
        assert not ingest.connected.is_set()
    finally:
        stop.set()
        thread.join(10)
    assert "$share/workers/coldchain/loggers/+/telemetry" in caplog.text
