"""MQTT ingest: subscribe, store in batches, and only then acknowledge (SPEC §4).

Two processes. This one runs paho and acknowledges; a writer process decodes and stores
(sensors/writer.py). Python runs one thread at a time per process and paho alone keeps a core busy at a few
thousand messages a second, so a writer thread beside it halved the rate (bench/ingest.py); in its own
process it runs alongside.

paho's thread hands each message to the writer and keeps it in flight (sensors/in_flight.py); this process
acknowledges those messages once the writer has committed them, in the order they arrived. If either
process dies, the broker redelivers the unacknowledged messages to our persistent session; duplicates are
dropped by the database.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from sensors.in_flight import InFlight, IngestCounters
from sensors.topics import BrokerAddress, subscriptions
from sensors.writer import Batching, StoreOpener

log = logging.getLogger(__name__)


@dataclass
class IngestOptions:
    prefix: str = "coldchain"
    client_id: str = "logistics-ingest"
    shared_group: str | None = None
    # The most messages stored in one transaction. Batches form by themselves: what arrives while the
    # writer commits one batch becomes the next. The broker's in-flight window (Mosquitto's
    # max_inflight_messages: 20 by default, 100 in the configuration we generate) caps them too.
    batch_size: int = 50
    max_backoff_s: float = 30.0
    # Retiring a worker for good: a shared subscription keeps routing a share to a stopped worker's
    # persistent session, so it leaves the group, stores what is queued for it, then ends its session.
    retiring: bool = False
    retire_quiet_s: float = 2.0  # the queue counts as drained after this long with nothing new

    @property
    def batching(self) -> Batching:
        return Batching(self.prefix, self.batch_size, self.max_backoff_s)


@dataclass
class MqttIngest:
    """Runs the subscriber and its writer process until `stop` is set."""

    broker: BrokerAddress
    open_store: StoreOpener
    options: IngestOptions = field(default_factory=IngestOptions)
    counters: IngestCounters = field(default_factory=IngestCounters)

    def __post_init__(self) -> None:
        self._in_flight: InFlight | None = None  # from `run` on
        self._stopping = False
        self._left_group_at = 0.0  # monotonic; for retiring: when the broker took us out of the group
        self.connecting = threading.Event()  # the writer is ready and the client starts connecting
        self.connected = threading.Event()  # the broker has our subscriptions

    @property
    def writer_pid(self) -> int | None:
        return self._in_flight.writer_pid if self._in_flight else None

    def run(self, stop: threading.Event) -> None:
        """Start the writer, connect (retrying), then acknowledge what it stores until `stop` is set."""
        in_flight = self._in_flight = InFlight(self.open_store, self.options.batching, self.counters)
        client = self._client()
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = in_flight.on_message
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
        try:
            self.connecting.set()
            client.connect_async(self.broker.host, self.broker.port, keepalive=30)
            client.loop_start()
            drained = self._acknowledge_until(stop, client, in_flight)
        finally:
            self._stopping = True
            client.disconnect()
            client.loop_stop()
            in_flight.close()
        if drained:
            self._end_session()

    def _client(self, clean_session: bool = False) -> mqtt.Client:
        # Fixed client id and clean_session=False: the broker keeps our subscriptions and the
        # unacknowledged messages while we are away (MQTT-3.1.2-4, MQTT-4.4.0-1).
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.options.client_id,
                             clean_session=clean_session, protocol=mqtt.MQTTv311, manual_ack=True)
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        return client

    def _acknowledge_until(self, stop: threading.Event, client: mqtt.Client, in_flight: InFlight) -> bool:
        """Acknowledge what the writer commits until `stop`; True if a retiring worker's queue ran dry."""
        while not stop.is_set():
            if self.options.retiring and self._drained(in_flight):
                return True
            in_flight.acknowledge_committed(client, wait=0.25)
        return False

    def _drained(self, in_flight: InFlight) -> bool:
        """Retiring: out of the group, everything stored and acknowledged, and the queue quiet."""
        quiet_since = max(self._left_group_at, in_flight.last_received_at)
        return (self.connected.is_set() and in_flight.is_empty()
                and time.monotonic() - quiet_since >= self.options.retire_quiet_s)

    def _end_session(self) -> None:
        """Connect once with a clean session: the broker discards our (now empty) session."""
        ended = threading.Event()
        client = self._client(clean_session=True)
        client.on_connect = lambda *_: ended.set()
        try:
            client.connect(self.broker.host, self.broker.port, keepalive=30)
        except OSError as error:
            log.warning("could not end session %s (%s); run --retire again", self.options.client_id, error)
            return
        client.loop_start()
        if ended.wait(10):
            log.info("ingest retired: session %s ended", self.options.client_id)
        else:
            log.warning("could not end session %s (no answer from the broker); run --retire again",
                        self.options.client_id)
        client.disconnect()
        client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any,
                    _properties: Any) -> None:
        if reason.is_failure:
            log.error("MQTT broker %s:%s refused the connection: %s", self.broker.host,
                      self.broker.port, reason)
            return
        topics = subscriptions(self.options.prefix, self.options.shared_group)
        if self.options.retiring:
            client.unsubscribe(topics)
        else:  # on every connect: a broker that lost our session must learn them again
            client.subscribe([(topic, 1) for topic in topics])
        assert self._in_flight is not None
        self._in_flight.new_connection()

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any,
                      _properties: Any) -> None:
        # A broker that checks SUBSCRIBE against its ACLs answers 0x80 for a filter it refuses
        # (MQTT-3.9.3-2): the ingest would wait for telemetry that never comes, so say so and stay unready.
        topics = subscriptions(self.options.prefix, self.options.shared_group)
        refused = [topic for topic, reason in zip(topics, reasons, strict=False) if reason.is_failure]
        if refused:
            log.error("MQTT broker %s:%s refused the subscriptions %s: run `logistics broker-config` with "
                      "this mqtt_topic_prefix and ingest_shared_group, then restart the broker",
                      self.broker.host, self.broker.port, ", ".join(refused))
            return
        # Ready only once the broker has our subscriptions: messages published before would not
        # be routed to us on a first connection (no session yet).
        self.connected.set()
        log.info("ingest connected to %s:%s", self.broker.host, self.broker.port)

    def _on_unsubscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, _reasons: Any,
                        _properties: Any) -> None:
        self._left_group_at = time.monotonic()
        self.connected.set()
        log.info("ingest retiring: left the shared subscription at %s:%s; storing what is queued for %s",
                 self.broker.host, self.broker.port, self.options.client_id)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any,
                       _properties: Any) -> None:
        self.connected.clear()
        if self._stopping:
            log.info("ingest disconnected from the broker")
        else:
            log.warning("ingest disconnected from the broker (%s); reconnecting", reason)
