"""Scaling down: a stopped worker's persistent session stays in the shared subscription and keeps taking
its share, held at the broker. Retiring the worker stores that share, takes it out of the group and ends
its session, so the remaining worker gets everything that follows."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from functools import partial

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from logistics.app import open_telemetry_store
from sensors.ingest import IngestOptions, MqttIngest
from sensors.topics import BrokerAddress
from tests.integration.test_database_away import one_logger, stored
from tests.integration.test_ingest_acks import wait_until

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


class Worker:
    """One ingest worker of the shared group "ingest", in a thread."""

    def __init__(self, broker, secret: str, runtime, client_id: str, *, retiring: bool = False) -> None:
        self.ingest = MqttIngest(broker=BrokerAddress(broker.host, broker.port, "ingest", secret, tls=False),
                                 open_store=partial(open_telemetry_store, runtime.settings),
                                 options=IngestOptions(client_id=client_id, shared_group="ingest",
                                                       retiring=retiring, retire_quiet_s=1.0))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.ingest.run, args=(self.stop,))
        self.thread.start()
        assert self.ingest.connected.wait(15), f"{client_id} did not connect"

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(15)


def publish(publisher, first: int, count: int) -> None:
    for second in range(first, first + count):
        reading = {"ts": (START + timedelta(seconds=second)).isoformat(), "temp": 5.0}
        assert publisher.publish("coldchain/loggers/LG-R/telemetry", json.dumps(reading).encode()) == 0


def session_present(broker, secret: str, client_id: str) -> bool:
    """Whether the broker still holds a session for `client_id` (connect without cleaning it, ask)."""
    answer: list[bool] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                         protocol=mqtt.MQTTv311)
    client.username_pw_set("ingest", secret)
    client.on_connect = lambda _c, _u, flags, _r, _p: answer.append(flags.session_present)
    client.connect(broker.host, broker.port)
    client.loop_start()
    assert wait_until(lambda: bool(answer)), "no CONNACK"
    client.disconnect()
    client.loop_stop()
    return answer[0]


def test_retiring_a_worker_stores_its_held_share_and_leaves_the_group(start_broker, make_probe,
                                                                      sqlite_runtime):
    logger = one_logger(sqlite_runtime, start_broker, make_probe, code="LG-R")
    broker, secret, publisher = logger.broker, logger.ingest_secret, logger.publisher
    staying = Worker(broker, secret, sqlite_runtime, "worker-staying")
    try:
        Worker(broker, secret, sqlite_runtime, "worker-leaving").halt()
        publish(publisher, 0, 200)
        assert wait_until(lambda: staying.ingest.counters.messages >= 100, timeout=30)
        assert not wait_until(lambda: stored(sqlite_runtime) == 200, timeout=2)  # the rest waits for it
        held = 200 - stored(sqlite_runtime)

        leaving = Worker(broker, secret, sqlite_runtime, "worker-leaving", retiring=True)
        leaving.thread.join(60)
        assert not leaving.thread.is_alive(), "the retiring worker did not finish on its own"
        assert leaving.ingest.counters.messages == held and stored(sqlite_runtime) == 200
        assert not session_present(broker, secret, "worker-leaving")

        publish(publisher, 200, 200)  # all of it now goes to the worker that stays
        assert wait_until(lambda: stored(sqlite_runtime) == 400, timeout=30), stored(sqlite_runtime)
        # Counted once the worker has read its writer's report, which comes just after the commit.
        assert wait_until(lambda: staying.ingest.counters.messages == 400 - held, timeout=30), \
            staying.ingest.counters
    finally:
        staying.halt()
    assert staying.ingest.counters.duplicates == 0


def test_retire_needs_a_shared_subscription(run):
    run("init")
    refused = run("ingest", "--retire", check=False)
    assert refused.returncode == 2 and "ingest_shared_group is not set" in refused.stderr
