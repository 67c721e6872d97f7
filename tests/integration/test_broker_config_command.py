"""`logistics broker-config` output, loaded by a real Mosquitto: each logger writes only as itself."""

from __future__ import annotations

from pathlib import Path

WRITE_DENIED = 135  # MQTT v5 "Not authorized", what Mosquitto answers to a publish the ACL refuses


def test_loggers_cannot_publish_as_each_other_with_the_generated_files(run, start_broker, make_probe,
                                                                        tmp_path):
    run("init")
    secret_a = run("loggers", "add", "LG-A", "--serial", "SN-A").stdout.strip()
    secret_b = run("loggers", "add", "LG-B", "--serial", "SN-B").stdout.strip()
    out = tmp_path / "broker"
    written = run("broker-config", "--out", str(out), LOGISTICS_MQTT_URL="mqtt://ingest:ingest-pw@127.0.0.1:1")
    assert "3 users" in written.stdout and "new ingest credentials" not in written.stdout
    assert (out / "passwd").stat().st_mode & 0o077 == 0, "the password file must be private"
    assert "persistence true" in (out / "logistics.conf").read_text()

    broker = start_broker(password_file_text=(out / "passwd").read_text(),
                          acl_file_text=(out / "acl").read_text())
    ingest = make_probe(broker, "ingest", username="ingest", password="ingest-pw")
    assert ingest.connect() == 0
    ingest.subscribe("coldchain/loggers/+/telemetry")
    logger_a = make_probe(broker, "LG-A", username="LG-A", password=secret_a)
    assert logger_a.connect() == 0

    assert logger_a.publish("coldchain/loggers/LG-B/telemetry", b'{"temp": 99}') == WRITE_DENIED
    assert logger_a.publish("coldchain/loggers/LG-A/telemetry", b'{"temp": 5}') == 0
    # Everything delivered up to logger A's own message: the refused one would have come first.
    delivered = ingest.wait_for("coldchain/loggers/LG-A/telemetry")
    assert [(message.topic, message.payload) for message in delivered] == [
        ("coldchain/loggers/LG-A/telemetry", b'{"temp": 5}')]

    impostor = make_probe(broker, "LG-B-impostor", username="LG-B", password=secret_a)
    assert impostor.connect() != 0, "logger A's secret must not open logger B's account"
    rightful = make_probe(broker, "LG-B", username="LG-B", password=secret_b)
    assert rightful.connect() == 0


def test_without_ingest_credentials_it_makes_some(run, tmp_path):
    run("init")
    written = run("broker-config", "--out", str(tmp_path / "b"), LOGISTICS_MQTT_URL="mqtt://10.0.0.5:1883")
    assert "set LOGISTICS_MQTT_URL=mqtt://ingest:" in written.stdout
    assert Path(tmp_path / "b" / "passwd").read_text().count("ingest:$7$") == 1
