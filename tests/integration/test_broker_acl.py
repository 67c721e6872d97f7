"""The generated dynamic security file, loaded by a real Mosquitto: who may connect under which client id,
publish, subscribe and read.

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
    return start_broker(dynamic_security_text=credentials.dynamic_security_text)


@pytest.fixture
def connect_as(broker: PrivateBroker, credentials: BrokerCredentials, make_probe: MakeProbe) -> ConnectAs:
    """Return connect(user): a probe logged in as that user with its real secret, its name as client id."""

    def connect(user: str) -> MqttProbe:
        probe = make_probe(broker, user, username=user, password=credentials.secrets[user])
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


@pytest.mark.parametrize("client_id", ["logistics-ingest", "coldchain-ingest-1", "LG-B", "lg-a", "LG-A-2"])
def test_a_logger_can_connect_under_no_client_id_but_its_own(
        broker: PrivateBroker, credentials: BrokerCredentials, make_probe: MakeProbe, client_id: str) -> None:
    probe = make_probe(broker, client_id, username="LG-A", password=credentials.secrets["LG-A"])

    assert probe.connect() == NOT_AUTHORIZED


def test_a_logger_cannot_take_a_client_id_the_broker_assigns(
        broker: PrivateBroker, credentials: BrokerCredentials, make_probe: MakeProbe) -> None:
    # An empty client id asks the broker for one (MQTT v5 §3.1.3.1); it is not the logger's own.
    probe = make_probe(broker, "", username="LG-A", password=credentials.secrets["LG-A"])

    assert probe.connect() == NOT_AUTHORIZED


def test_a_logger_using_the_ingests_client_id_leaves_the_ingest_connected(
        connect_as: ConnectAs, broker: PrivateBroker, credentials: BrokerCredentials,
        make_probe: MakeProbe) -> None:
    ingest = make_probe(broker, "logistics-ingest", username="ingest", password=credentials.secrets["ingest"])
    assert ingest.connect() == SUCCESS
    assert ingest.subscribe(SHARED) == [GRANTED_QOS_1]
    thief = make_probe(broker, "logistics-ingest", username="LG-B", password=credentials.secrets["LG-B"])

    assert thief.connect() == NOT_AUTHORIZED

    # Refused before the session was handed over (MQTT-3.1.4-3): the ingest still has it and its messages.
    assert connect_as("LG-A").publish(telemetry("LG-A"), b'{"temp": 4.2}') == SUCCESS
    assert ingest.next_message() == Received(telemetry("LG-A"), b'{"temp": 4.2}')


@pytest.mark.parametrize("topic_filter", [
    SHARED, "$share/ingest/#", "$share/mine/coldchain/loggers/+/telemetry", "#", "coldchain/#",
    "coldchain/loggers/+/status", "coldchain/loggers/LG-A/#", "$SYS/#"])
def test_a_logger_may_subscribe_to_nothing(connect_as: ConnectAs, topic_filter: str) -> None:
    assert connect_as("LG-A").subscribe(topic_filter) == [NOT_AUTHORIZED]


@pytest.mark.parametrize("topic_filter", ["#", "coldchain/#", "$share/other/coldchain/loggers/+/telemetry",
                                          "$share/ingest/#", "$SYS/#"])
def test_the_ingest_may_subscribe_only_to_its_own_filters(connect_as: ConnectAs, topic_filter: str) -> None:
    assert connect_as("ingest").subscribe(topic_filter) == [NOT_AUTHORIZED]


def test_a_logger_cannot_join_the_ingest_share_group_so_the_group_gets_every_message(
        connect_as: ConnectAs) -> None:
    """With the password file and ACL, Mosquitto 2.0.11 did not check SUBSCRIBE: a logger could join the
    ingest's share group, take its turn of the messages (MQTT v5 §4.8.2: one member per message), fail the
    READ check and so drop them for the whole group. The plugin refuses the SUBSCRIBE itself."""
    ingest = connect_as("ingest")
    assert ingest.subscribe(SHARED, "coldchain/loggers/+/status") == [GRANTED_QOS_1, GRANTED_QOS_1]
    intruder = connect_as("LG-B")
    assert intruder.subscribe(SHARED) == [NOT_AUTHORIZED]
    logger = connect_as("LG-A")

    sent = [f'{{"seq": {n}}}'.encode() for n in range(4)]
    assert [logger.publish(telemetry("LG-A"), payload) for payload in sent] == [SUCCESS] * 4
    assert logger.publish(status("LG-A"), b"fence") == SUCCESS

    delivered = [message.payload for message in ingest.wait_for(status("LG-A"))[:-1]]
    assert delivered == sent
    assert intruder.messages.empty()
