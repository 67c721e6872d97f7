"""How the MQTT writer gathers a batch, entered where paho delivers: real MQTTMessage objects, no broker."""

import threading
import time

import paho.mqtt.client as mqtt

from sensors.ingest import IngestOptions, MqttIngest
from sensors.topics import BrokerAddress


def delivered(mid: int) -> mqtt.MQTTMessage:
    message = mqtt.MQTTMessage(mid=mid, topic=b"coldchain/loggers/LG-1/telemetry")
    message.qos, message.payload = 1, b'{"temp": 5.0}'
    return message


def writer(batch_size: int, linger_s: float) -> MqttIngest:
    return MqttIngest(broker=BrokerAddress("127.0.0.1", 1883, None, None, False), store=lambda messages: [],
                      options=IngestOptions(batch_size=batch_size, linger_s=linger_s))


def deliver(ingest: MqttIngest, *mids: int) -> None:
    for mid in mids:
        ingest._on_message(None, None, delivered(mid))


def mids(batch) -> list[int]:
    return [message.mid for _, message in batch]


def test_a_full_batch_is_taken_at_once_and_a_partial_one_after_the_linger():
    ingest = writer(batch_size=4, linger_s=0.3)
    deliver(ingest, 1, 2, 3, 4, 5, 6)
    began = time.monotonic()
    assert mids(ingest._next_batch()) == [1, 2, 3, 4]
    assert time.monotonic() - began < 0.2
    assert mids(ingest._next_batch()) == [5, 6]
    assert time.monotonic() - began >= 0.25


def test_the_writer_wakes_as_soon_as_the_rest_of_a_batch_arrives():
    ingest = writer(batch_size=4, linger_s=30)
    deliver(ingest, 1)
    late = threading.Timer(0.1, deliver, args=(ingest, 2, 3, 4))
    late.start()
    began = time.monotonic()
    assert mids(ingest._next_batch()) == [1, 2, 3, 4]
    assert time.monotonic() - began < 10
    late.join()


def test_an_idle_writer_comes_back_empty_handed_to_check_for_stop():
    assert writer(batch_size=4, linger_s=0.01)._next_batch() == []
