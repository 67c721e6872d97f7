"""The generated password file and ACL, loaded by a real Mosquitto: who may connect, publish and read.

Fencing: an unauthorised publish is followed by a legitimate one from the same client, and the test waits
for that one. Mosquitto handles a client's packets in order and queues them to a subscriber in order, so once
the later message has arrived, an earlier one that was going to be delivered would already be there; no test
passes merely because it stopped waiting too soon.
"""

from __future__ import annotations

import pytest

from tests.integration.mosquitto_helpers import (
    BrokerCredentials,
    PrivateBroker,
    StartBroker,
    broker_credentials,
)
from tests.integration.mqtt_probe import (
    BAD_USER_NAME_OR_PASSWORD,
    GRANTED_QOS_1,
    NOT_AUTHORIZED,
    SUCCESS,
    ConnectAs,
    MakeProbe,
    MqttProbe,
    Received,
)

# Mosquitto 2.0.11 refuses a bad username/password with 135 over MQTT v5; MQTT v5 §3.2.2.2 also allows 134.
REFUSED_LOGIN = {NOT_AUTHORIZED, BAD_USER_NAME_OR_PASSWORD}

PLAIN = "coldchain/loggers/+/telemetry"
SHARED = "$share/ingest/coldchain/loggers/+/telemetry"


def telemetry(logger_id: str) -> str:
    return f"coldchain/loggers/{logger_id}/telemetry"


def status(logger_id: str) -> str:
    return f"coldchain/loggers/{logger_id}/status"


@pytest.fixture
def credentials() -> BrokerCredentials:
    return broker_credentials(logger_ids=["LG-A", "LG-B"], ingest_user="ingest")


@pytest.fixture
def broker(start_broker: StartBroker, credentials: BrokerCredentials) -> PrivateBroker:
    return start_broker(password_file_text=credentials.password_file_text,
                        acl_file_text=credentials.acl_file_text)


@pytest.fixture
def connect_as(broker: PrivateBroker, credentials: BrokerCredentials, make_probe: MakeProbe) -> ConnectAs:
    """Return connect(user): a probe logged in as that user with its real secret."""

    def connect(user: str) -> MqttProbe:
        probe = make_probe(broker, f"test-{user}", username=user, password=credentials.secrets[user])
        assert probe.connect() == SUCCESS, broker.log_text()
        return probe

    return connect


@pytest.mark.parametrize("topic_filter", [PLAIN, SHARED], ids=["plain", "shared"])
def test_ingest_receives_a_loggers_telemetry_on_its_own_topic(
        connect_as: ConnectAs, topic_filter: str) -> None:
    ingest = connect_as("ingest")
    assert ingest.subscribe(topic_filter) == [GRANTED_QOS_1]
    logger = connect_as("LG-A")

    assert logger.publish(telemetry("LG-A"), b'{"temp": 4.2}') == SUCCESS

    assert ingest.next_message() == Received(telemetry("LG-A"), b'{"temp": 4.2}')


@pytest.mark.parametrize("topic_filter", [PLAIN, SHARED], ids=["plain", "shared"])
def test_a_logger_cannot_publish_as_another_logger(
        connect_as: ConnectAs, topic_filter: str) -> None:
    ingest = connect_as("ingest")
    assert ingest.subscribe(topic_filter) == [GRANTED_QOS_1]
    logger = connect_as("LG-A")

    assert logger.publish(telemetry("LG-B"), b'{"temp": 99}') == NOT_AUTHORIZED
    assert logger.publish(telemetry("LG-A"), b'{"temp": 4.2}') == SUCCESS

    assert ingest.wait_for(telemetry("LG-A")) == [Received(telemetry("LG-A"), b'{"temp": 4.2}')]


def test_ingest_also_reads_status_but_cannot_publish_anywhere(connect_as: ConnectAs) -> None:
    ingest = connect_as("ingest")
    assert ingest.subscribe("coldchain/loggers/+/status", PLAIN) == [GRANTED_QOS_1, GRANTED_QOS_1]
    logger = connect_as("LG-A")

    # The pattern rule would let ingest write under coldchain/loggers/ingest/; the ACL's deny rule stops it.
    assert ingest.publish(telemetry("ingest"), b'{"temp": 1}') == NOT_AUTHORIZED
    assert ingest.publish(telemetry("LG-A"), b'{"temp": 1}') == NOT_AUTHORIZED
    assert logger.publish(status("LG-A"), b"online") == SUCCESS

    assert ingest.wait_for(status("LG-A")) == [Received(status("LG-A"), b"online")]


def test_a_logger_with_a_wrong_secret_cannot_connect(
        broker: PrivateBroker, make_probe: MakeProbe) -> None:
    probe = make_probe(broker, "test-wrong", username="LG-A", password="not-the-secret")

    assert probe.connect() in REFUSED_LOGIN


def test_an_unknown_user_cannot_connect(
        broker: PrivateBroker, make_probe: MakeProbe) -> None:
    probe = make_probe(broker, "test-unknown", username="LG-Z", password="anything")

    assert probe.connect() in REFUSED_LOGIN


def test_an_anonymous_client_cannot_connect(
        broker: PrivateBroker, make_probe: MakeProbe) -> None:
    probe = make_probe(broker, "test-anonymous")

    assert probe.connect() == NOT_AUTHORIZED


def test_a_logger_in_the_ingest_share_group_makes_the_broker_drop_telemetry(
        connect_as: ConnectAs) -> None:
    """Pins a Mosquitto 2.0.11 hazard the ingest design must respect.

    The acl_file is not consulted for SUBSCRIBE, only for delivery (READ). A logger may therefore join the
    ingest's share group; the broker hands it its turn of the messages (MQTT v5 §4.8.2: one member per
    message), the READ check then refuses them, and they are dropped for the whole group although the
    publisher got PUBACK 0. Ingest must not depend on a shared subscription for completeness.
    """
    ingest = connect_as("ingest")
    assert ingest.subscribe(SHARED, "coldchain/loggers/+/status") == [GRANTED_QOS_1, GRANTED_QOS_1]
    intruder = connect_as("LG-B")
    assert intruder.subscribe(SHARED) == [GRANTED_QOS_1]
    logger = connect_as("LG-A")

    sent = [f'{{"seq": {n}}}'.encode() for n in range(4)]
    assert [logger.publish(telemetry("LG-A"), payload) for payload in sent] == [SUCCESS] * 4
    assert logger.publish(status("LG-A"), b"fence") == SUCCESS

    delivered = [message.payload for message in ingest.wait_for(status("LG-A"))[:-1]]
    assert 0 < len(delivered) < len(sent)
    assert intruder.messages.empty()
