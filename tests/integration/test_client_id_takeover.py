"""Issue 16, point 2, as it was reproduced: a logger connects with its own credentials but the ingest's client
id, clean session off, again and again, while another logger sends 300 readings. With the password file and
ACL Mosquitto handed it the ingest's session each time, and 3-4 of the 300 were stored. With the file from
`logistics broker-config` the broker refuses it, the ingest keeps its session, and all 300 are stored."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt

from tests.integration.mqtt_probe import SUCCESS
from tests.integration.test_end_to_end import Tracker, wait_for

READINGS = 300


class Thief:
    """A logger retrying, as paho does by default, to connect under somebody else's client id."""

    def __init__(self, host: str, port: int, client_id: str, username: str, password: str) -> None:
        self.refused = threading.Event()
        self.accepted = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                                  protocol=mqtt.MQTTv311)
        self.client.username_pw_set(username, password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.client.on_connect = self._on_connect
        self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.client.on_connect = None

    def _on_connect(self, _client, _userdata, _flags, reason, _properties) -> None:
        (self.refused if reason.is_failure else self.accepted).set()


def stored(database, code: str) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM readings JOIN loggers ON loggers.id = readings.logger_id "
                          "WHERE loggers.code = ?", (code,)).fetchone()[0]


def test_a_logger_under_the_ingests_client_id_is_refused_and_every_reading_is_stored(
        tmp_path, start_broker, make_probe):
    database = tmp_path / "tracker.db"
    tracker = Tracker(tmp_path, database_url=f"sqlite:///{database}",
                      mqtt_url="mqtt://ingest:ingest-secret@127.0.0.1:1")
    tracker.run("init")
    secrets = {code: tracker.run("loggers", "add", code, "--serial", f"SN-{code}").strip()
               for code in ("LG-THIEF", "LG-SENDER")}
    tracker.run("broker-config", "--out", str(tmp_path / "broker-config"))
    broker = start_broker(include_dir=tmp_path / "broker-config", persistence_dir=tmp_path / "persistence")
    tracker.environ["LOGISTICS_MQTT_URL"] = f"mqtt://ingest:ingest-secret@{broker.host}:{broker.port}"

    with tracker.running("ingest") as ingest_log:  # client id logistics-ingest, the default
        wait_for(lambda: "ingest connected" in ingest_log.read_text(), 60, "the ingest did not connect",
                 [ingest_log])
        thief = Thief(broker.host, broker.port, "logistics-ingest", "LG-THIEF", secrets["LG-THIEF"])
        try:
            assert thief.refused.wait(30), broker.log_text()[-3000:]
            sender = make_probe(broker, "LG-SENDER", username="LG-SENDER", password=secrets["LG-SENDER"])
            assert sender.connect() == SUCCESS
            start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
            for n in range(READINGS):
                reading = {"ts": (start + timedelta(minutes=n)).isoformat(), "temp": 5.0}
                assert sender.publish("coldchain/loggers/LG-SENDER/telemetry",
                                      json.dumps(reading).encode()) == SUCCESS
            wait_for(lambda: stored(database, "LG-SENDER") >= READINGS, 60, "readings missing", [ingest_log])
        finally:
            thief.close()

    assert stored(database, "LG-SENDER") == READINGS
    assert not thief.accepted.is_set(), "the broker let a logger in under the ingest's client id"
    assert ingest_log.read_text().count("ingest connected") == 1, "the ingest lost its connection"
