"""The private-broker helper itself: restarts on the same port, with or without persistence, after a kill."""

from __future__ import annotations

from pathlib import Path

from tests.integration.mosquitto_helpers import StartBroker, broker_credentials
from tests.integration.mqtt_probe import (
    GRANTED_QOS_1,
    NO_MATCHING_SUBSCRIBERS,
    SUCCESS,
    MakeProbe,
    MqttProbe,
    Received,
)

STATUS = "coldchain/loggers/LG-A/status"


def publish_retained_status(probe: MqttProbe) -> None:
    assert probe.connect() == SUCCESS
    assert probe.publish(STATUS, b"online", retain=True) == NO_MATCHING_SUBSCRIBERS
    probe.close()


def test_a_persistent_broker_restarts_on_the_same_port_with_its_retained_messages(
        start_broker: StartBroker, make_probe: MakeProbe, tmp_path: Path) -> None:
    credentials = broker_credentials(logger_ids=["LG-A"])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text, persistence_dir=tmp_path / "persistence")
    port = broker.port
    publish_retained_status(make_probe(broker, "lg-a", username="LG-A", password=credentials.secrets["LG-A"]))

    broker.restart()

    assert (broker.port, broker.running) == (port, True)
    ingest = make_probe(broker, "ingest", username="ingest", password=credentials.secrets["ingest"])
    assert ingest.connect() == SUCCESS
    assert ingest.subscribe(STATUS) == [GRANTED_QOS_1]
    assert ingest.next_message() == Received(STATUS, b"online")


def test_a_broker_without_persistence_forgets_retained_messages_and_survives_a_kill(
        start_broker: StartBroker, make_probe: MakeProbe) -> None:
    credentials = broker_credentials(logger_ids=["LG-A"])
    broker = start_broker(password_file_text=credentials.password_file_text,
                          acl_file_text=credentials.acl_file_text)
    publish_retained_status(make_probe(broker, "lg-a", username="LG-A", password=credentials.secrets["LG-A"]))

    broker.stop(kill=True)
    assert not broker.running
    broker.start()

    ingest = make_probe(broker, "ingest", username="ingest", password=credentials.secrets["ingest"])
    assert ingest.connect() == SUCCESS
    assert ingest.subscribe(STATUS, "coldchain/loggers/+/telemetry") == [GRANTED_QOS_1] * 2
    logger = make_probe(broker, "lg-a-again", username="LG-A", password=credentials.secrets["LG-A"])
    assert logger.connect() == SUCCESS
    assert logger.publish("coldchain/loggers/LG-A/telemetry", b"fence") == SUCCESS
    assert [message.payload for message in ingest.wait_for("coldchain/loggers/LG-A/telemetry")] == [b"fence"]
