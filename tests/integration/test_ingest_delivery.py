"""Zero loss, no duplicates: `logistics ingest` as a real process against a real Mosquitto (SPEC §4).

The ingest is killed with SIGKILL and the broker restarted at random points of a 50,000-reading stream,
and the broker is restarted while the ingest is away; every reading published with QoS 1 must end up
stored exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import create_engine, text

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger
from tests.conftest import _prepare
from tests.integration.mosquitto_helpers import broker_credentials

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=12)
QUEUE_SETTINGS = "max_queued_messages 200000\nmax_inflight_messages 20\n"


class IngestProcess:
    """`logistics ingest` in a child process that can be killed and started again."""

    def __init__(self, environ: dict[str, str], log_path: Path) -> None:
        self.environ, self.log_path = environ, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        command = [str(Path(sys.executable).parent / "logistics"), "ingest"]
        self.process = subprocess.Popen(command, env=self.environ, stdout=log, stderr=log)
        log.close()

    def wait_connected(self, times: int = 1, timeout: float = 30) -> None:
        """Wait until the ingest has connected (and subscribed) `times` times in all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_path.exists() and self.log_path.read_text().count("ingest connected") >= times:
                return
            time.sleep(0.1)
        raise AssertionError(f"ingest did not connect:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Setup:
    def __init__(self, broker, ingest: IngestProcess, secrets: dict[str, str], database: Path) -> None:
        self.broker, self.ingest, self.secrets, self.database = broker, ingest, secrets, database
        self._engine = create_engine(f"sqlite:///{database}")

    def stored(self) -> tuple[int, int]:
        """(rows, distinct (logger, time) pairs) in the readings table."""
        with self._engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM readings")).scalar()
            distinct = connection.execute(text(
                "SELECT count(*) FROM (SELECT DISTINCT logger_id, device_time FROM readings)")).scalar()
        return int(rows or 0), int(distinct or 0)

    def wait_for(self, expected: int, timeout: float = 90) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows, _ = self.stored()
            if rows >= expected:
                return rows
            time.sleep(0.25)
        return self.stored()[0]

    def close(self) -> None:
        self._engine.dispose()


@pytest.fixture
def setup(start_broker, tmp_path) -> Iterator[Setup]:
    credentials = broker_credentials(logger_ids=["LG-A", "LG-B"])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text,
                          persistence_dir=tmp_path / "persistence", extra_config=QUEUE_SETTINGS)
    database = tmp_path / "shipments.db"
    _prepare(f"sqlite:///{database}", lambda runtime: _register(runtime, credentials.secrets))
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ.update(
        LOGISTICS_DATABASE_URL=f"sqlite:///{database}",
        LOGISTICS_MQTT_URL=f"mqtt://ingest:{credentials.secrets['ingest']}@{broker.host}:{broker.port}",
        LOGISTICS_INGEST_CLIENT_ID="ingest-under-test",
    )
    ingest = IngestProcess(environ, tmp_path / "ingest.log")
    ready = Setup(broker, ingest, credentials.secrets, database)
    ingest.start()
    # The broker queues QoS 1 messages for a persistent session once it exists (MQTT-3.1.2-5):
    # in production it always does; here, wait for the first subscription.
    ingest.wait_connected()
    try:
        yield ready
    finally:
        ingest.stop()
        ready.close()


def _register(runtime, secrets: dict[str, str]) -> None:
    from logistics.core.mosquitto import hash_secret

    with unit_of_work(runtime.sessions, actor="test") as session:
        for code in ("LG-A", "LG-B"):
            session.add(Logger(code=code, serial=f"S-{code}", credential_hash=hash_secret(secrets[code])))


class Publisher:
    """A logger publishing one reading per message with QoS 1, waiting for each PUBACK."""

    def __init__(self, broker, logger: str, secret: str) -> None:
        self.logger = logger
        self.failures: list[BaseException] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{logger}")
        self.client.username_pw_set(logger, secret)
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=1)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def publish(self, payload: dict, timeout: float = 30) -> None:
        topic = f"coldchain/loggers/{self.logger}/telemetry"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # a broker restart drops the connection: publish again
            info = self.client.publish(topic, json.dumps(payload), qos=1)
            try:
                info.wait_for_publish(timeout=5)
            except (RuntimeError, ValueError):
                time.sleep(0.2)
                continue
            if info.is_published():
                return
        raise AssertionError(f"could not publish within {timeout} s")

    def publish_stream(self, payloads: list[dict], window: int = 100) -> None:
        """Publish in windows of `window` in flight; what the broker did not confirm is sent again."""
        topic = f"coldchain/loggers/{self.logger}/telemetry"
        try:
            for first in range(0, len(payloads), window):
                unconfirmed = [json.dumps(payload) for payload in payloads[first:first + window]]
                give_up = time.monotonic() + 60
                while unconfirmed:
                    assert time.monotonic() < give_up, f"{len(unconfirmed)} messages unconfirmed for 60 s"
                    infos = [(body, self.client.publish(topic, body, qos=1)) for body in unconfirmed]
                    self._wait_for_pubacks([info for _, info in infos], seconds=10)
                    unconfirmed = [body for body, info in infos if not self._confirmed(info)]
        except BaseException as error:  # a thread's failure reaches the test through here
            self.failures.append(error)

    @staticmethod
    def _confirmed(info) -> bool:
        try:
            return info.is_published()
        except (RuntimeError, ValueError):  # never sent: the client was not connected
            return False

    @staticmethod
    def _wait_for_pubacks(infos: list, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        for info in infos:
            try:
                info.wait_for_publish(timeout=max(0.01, deadline - time.monotonic()))
            except (RuntimeError, ValueError):  # not connected: the broker is restarting
                time.sleep(0.5)
                return

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def reading(index: int) -> dict:
    return {"ts": (T0 + timedelta(seconds=index)).isoformat(), "seq": index,
            "temp": round(4 + (index % 40) / 10, 1)}


STREAM = 50_000  # readings, one per message, from two loggers at once


def test_a_50000_reading_stream_survives_sigkills_and_broker_restarts(setup):
    """SIGKILL the ingest and restart the broker (persistence on) at random points of the stream."""
    rng = random.Random(8)
    faults = ["kill ingest"] * 4 + ["restart broker"] * 2
    rng.shuffle(faults)
    # A fault strikes when this many readings are stored, so each lands mid-stream however fast it runs,
    # and at least 2,000 readings after the one before: the ingest is back and storing when it strikes.
    strikes = sorted(rng.sample(range(STREAM // 20, STREAM * 9 // 10, 2500), len(faults)))
    strikes = [strike + rng.randrange(500) for strike in strikes]
    publishers = {code: Publisher(setup.broker, code, setup.secrets[code]) for code in ("LG-A", "LG-B")}
    half = [reading(index) for index in range(STREAM // 2)]  # one a second for 7 h, on each logger
    streams = [threading.Thread(target=publisher.publish_stream, args=(half,))
               for publisher in publishers.values()]
    try:
        for stream in streams:
            stream.start()
        for fault, strike in zip(faults, strikes, strict=True):
            failures = [publisher.failures for publisher in publishers.values()]
            assert setup.wait_for(strike) >= strike, f"stuck before {fault} at {strike}: {failures}"
            if fault == "kill ingest":
                setup.ingest.kill()
                time.sleep(rng.uniform(0.0, 0.5))
                setup.ingest.start()
            else:
                setup.broker.restart()
        for stream in streams:
            stream.join(timeout=180)
        assert not any(stream.is_alive() for stream in streams), "the loggers did not finish publishing"
        assert setup.wait_for(STREAM, timeout=180) == STREAM
        time.sleep(1)  # nothing more may arrive: redeliveries are duplicates, not new rows
    finally:
        for publisher in publishers.values():
            publisher.close()
    assert setup.stored() == (STREAM, STREAM)
    assert all(publisher.failures == [] for publisher in publishers.values())
    # Each kill struck a running ingest (storage had moved on since the last fault). It may strike before
    # the ingest logs its subscription: the broker sends the queued messages ahead of the SUBACK.
    assert setup.ingest.log_path.read_text().count("ingest: coldchain") == 1 + faults.count("kill ingest")


def test_readings_survive_a_broker_restart(setup):
    publisher = Publisher(setup.broker, "LG-B", setup.secrets["LG-B"])
    try:
        for index in range(500):
            publisher.publish(reading(index))
        setup.ingest.stop()  # the ingest is away: the broker queues for its session...
        for index in range(500, 1000):
            publisher.publish(reading(index))
        setup.broker.restart()  # ...and keeps the queue across a restart (persistence on)
        for index in range(1000, 1500):
            publisher.publish(reading(index))
        setup.ingest.start()
        assert setup.wait_for(1500) == 1500
    finally:
        publisher.close()
    assert setup.stored() == (1500, 1500)


def test_a_10000_reading_backfill_in_one_message(setup):
    publisher = Publisher(setup.broker, "LG-A", setup.secrets["LG-A"])
    try:
        start = datetime.now(UTC) - timedelta(minutes=10_001)  # a week of flight-mode buffer
        publisher.publish({"readings": [
            {"ts": int((start + timedelta(minutes=index)).timestamp()), "temp": 5.0}
            for index in range(10_000)
        ]})
        assert setup.wait_for(10_000) == 10_000
    finally:
        publisher.close()
