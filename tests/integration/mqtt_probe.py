"""A small synchronous MQTT v5 client for tests: connect, subscribe and publish wait for the broker's answer.

Every wait is bounded; a missing answer raises TimeoutError instead of hanging the test run.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

WAIT = 5.0

# MQTT v5 reason codes (MQTT v5 §2.4, table 2-6) that the tests compare against.
SUCCESS = 0
GRANTED_QOS_1 = 1
NO_MATCHING_SUBSCRIBERS = 16  # a PUBACK that still means "accepted"
NOT_AUTHORIZED = 135
BAD_USER_NAME_OR_PASSWORD = 134


@dataclass(frozen=True)
class Received:
    """One message as the subscriber saw it."""

    topic: str
    payload: bytes


class MqttProbe:
    """A paho-mqtt 2 client with MQTT v5 whose calls block until CONNACK, SUBACK or PUBACK arrives."""

    def __init__(self, host: str, port: int, client_id: str, *,
                 username: str | None = None, password: str | None = None) -> None:
        self.host = host
        self.port = port
        self.messages: queue.Queue[Received] = queue.Queue()
        # reconnect_on_failure=False: a refused CONNECT must stay refused, not be retried in the background.
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                   protocol=mqtt.MQTTv5, reconnect_on_failure=False)
        if username is not None:
            self._client.username_pw_set(username, password)
        self._answers: dict[tuple[str, int], Any] = {}
        self._answered = threading.Condition()
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message

    def connect(self) -> int:
        """Connect and return the CONNACK reason code value (0 is success)."""
        self._client.connect(self.host, self.port, keepalive=30)
        self._client.loop_start()
        code: ReasonCode = self._await(("connack", 0))
        return code.value

    def subscribe(self, *topic_filters: str, qos: int = 1) -> list[int]:
        """Subscribe and return the SUBACK reason code values, one per filter."""
        result, mid = self._client.subscribe([(topic_filter, qos) for topic_filter in topic_filters])
        if mid is None:
            raise ConnectionError(f"SUBSCRIBE was not sent: {result}")
        codes: list[ReasonCode] = self._await(("suback", mid))
        return [code.value for code in codes]

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> int:
        """Publish, wait for the broker to acknowledge, and return its reason code value (0 is success)."""
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        code: ReasonCode = self._await(("puback", info.mid))
        return code.value

    def next_message(self, timeout: float = WAIT) -> Received:
        """Return the next received message, or raise TimeoutError."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message within {timeout}s") from None

    def wait_for(self, topic: str, timeout: float = WAIT) -> list[Received]:
        """Return every message received up to and including the first one on `topic`."""
        seen: list[Received] = []
        while not seen or seen[-1].topic != topic:
            seen.append(self.next_message(timeout))
        return seen

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self._client.disconnect()
        self._client.loop_stop()
        # paho closes its sockets in Client.__del__. The callbacks below are bound to this probe, a reference
        # cycle that only the garbage collector ends, in any order: a socket finalised before the client
        # is reported unclosed (ResourceWarning, an error under -W error). Without them the client goes
        # as soon as the probe does, closing its sockets first.
        self._client.on_connect = self._client.on_subscribe = None
        self._client.on_publish = self._client.on_message = None

    def __enter__(self) -> MqttProbe:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _await(self, key: tuple[str, int], timeout: float = WAIT) -> Any:
        with self._answered:
            if not self._answered.wait_for(lambda: key in self._answers, timeout):
                raise TimeoutError(f"no {key[0]} from the broker within {timeout}s")
            return self._answers.pop(key)

    def _answer(self, key: tuple[str, int], value: object) -> None:
        with self._answered:
            self._answers[key] = value
            self._answered.notify_all()

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: mqtt.ConnectFlags,
                    reason_code: ReasonCode, properties: object) -> None:
        self._answer(("connack", 0), reason_code)

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int,
                      reason_codes: list[ReasonCode], properties: object) -> None:
        self._answer(("suback", mid), reason_codes)

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int,
                    reason_code: ReasonCode, properties: object) -> None:
        self._answer(("puback", mid), reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.messages.put(Received(topic=message.topic, payload=bytes(message.payload)))



MakeProbe = Callable[..., MqttProbe]  # the type of the make_probe fixture in conftest.py
ConnectAs = Callable[[str], MqttProbe]  # make a probe for a user and connect it with the user's secret
