"""MQTT ingest: subscribe, store in batches, and only then acknowledge (SPEC §4).

Two processes. This one runs paho and acknowledges; a writer process decodes and stores. Python runs
one thread at a time per process and paho alone keeps a core busy at a few thousand messages a second,
so a writer thread beside it halved the rate (bench/ingest.py); in its own process it runs alongside.

paho's thread hands each message to the writer over a pipe and keeps it in an in-flight list. The
writer stores messages in small batches, one transaction each, and reports each commit; only then does
this process acknowledge those messages, in the order they arrived. A database failure means no
acknowledgement: the writer retries with back-off. If either process dies, the broker redelivers the
unacknowledged messages to our persistent session; duplicates are dropped by the database.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from sensors.intake import IncomingMessage, Store, StoreResult
from sensors.topics import BrokerAddress, LoggerTopic, MessageKind, parse_topic, subscriptions

log = logging.getLogger(__name__)
# Called in the writer process, so it must be picklable: a module-level function or a partial of one.
StoreOpener = Callable[[], Store]


class BatchTally(NamedTuple):
    """What became of one committed batch, in counts (it crosses the process boundary)."""

    messages: int
    stored: int
    duplicates: int
    rejected: int
    messages_rejected: int

    @classmethod
    def of(cls, results: Sequence[StoreResult]) -> BatchTally:
        return cls(messages=len(results), stored=sum(r.accepted for r in results),
                   duplicates=sum(r.duplicates for r in results),
                   rejected=sum(r.rejected for r in results),
                   messages_rejected=sum(bool(r.problems) and not r.accepted for r in results))


@dataclass
class IngestCounters:
    """Running totals for this process (exported as metrics)."""

    messages: int = 0
    transactions: int = 0
    readings_stored: int = 0
    duplicates: int = 0
    readings_rejected: int = 0
    messages_rejected: int = 0
    store_failures: int = 0
    writer_restarts: int = 0
    last_commit_at: float | None = None
    last_failure: str | None = None  # why the last store failed, e.g. "OperationalError: database is locked"

    def add(self, tally: BatchTally) -> None:
        self.messages += tally.messages
        self.transactions += 1
        self.readings_stored += tally.stored
        self.duplicates += tally.duplicates
        self.readings_rejected += tally.rejected
        self.messages_rejected += tally.messages_rejected
        self.last_commit_at = time.time()


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


class _InFlight(NamedTuple):
    connection: int  # a message belongs to the connection it came on
    mid: int
    qos: int
    topic: str
    payload: bytes


@dataclass
class MqttIngest:
    """Runs the subscriber and its writer process until `stop` is set."""

    broker: BrokerAddress
    open_store: StoreOpener
    options: IngestOptions = field(default_factory=IngestOptions)
    counters: IngestCounters = field(default_factory=IngestCounters)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()  # the in-flight list and the writer, shared with paho's thread
        self._in_flight: deque[_InFlight] = deque()  # received, not yet committed; oldest first
        self._unsent: list[_InFlight] = []  # the newest of those, not yet given to the writer
        self._connection = 0  # counts connects
        self._writer: WriterProcess | None = None
        self._stopping = False
        self._last_message_at = 0.0  # monotonic; for retiring: when the queue last gave us something
        self.connecting = threading.Event()  # the writer is ready and the client starts connecting
        self.connected = threading.Event()  # the broker has our subscriptions

    @property
    def writer_pid(self) -> int | None:
        return self._writer.pid if self._writer else None

    def run(self, stop: threading.Event) -> None:
        """Start the writer, connect (retrying), then acknowledge what it stores until `stop` is set."""
        self._writer = WriterProcess.start(self.open_store, self.options)
        client = self._client()
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
        try:
            self.connecting.set()
            client.connect_async(self.broker.host, self.broker.port, keepalive=30)
            client.loop_start()
            drained = self._acknowledge_until(stop, client)
        finally:
            self._stopping = True
            client.disconnect()
            client.loop_stop()
            self._writer.close()
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

    def _drained(self) -> bool:
        """Retiring: out of the group, everything stored and acknowledged, and the queue quiet."""
        with self._lock:
            idle = not self._in_flight
        return (self.connected.is_set() and idle
                and time.monotonic() - self._last_message_at >= self.options.retire_quiet_s)

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
        self._connection += 1

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
        self._last_message_at = time.monotonic()
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

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._last_message_at = time.monotonic()
        with self._lock:
            entry = _InFlight(self._connection, message.mid, message.qos, message.topic,
                              bytes(message.payload))
            self._in_flight.append(entry)
            self._unsent.append(entry)
            # Messages go to the writer in chunks (one pipe write each): at once when the writer has
            # nothing else to do or a batch is full, otherwise when its next report comes back.
            if len(self._unsent) == len(self._in_flight) or len(self._unsent) >= self.options.batch_size:
                self._send_unsent()

    def _send_unsent(self) -> None:
        assert self._writer is not None
        # A dead writer must not raise here (it would end paho's thread): the messages stay in
        # flight and go to the writer that replaces it.
        self._writer.send(self._unsent)
        self._unsent = []

    def _acknowledge_until(self, stop: threading.Event, client: mqtt.Client) -> bool:
        """Acknowledge what the writer commits until `stop`; True if a retiring worker's queue ran dry."""
        assert self._writer is not None
        while not stop.is_set():
            if self.options.retiring and self._drained():
                return True
            report = self._writer.report(timeout=0.25)
            if report is WRITER_GONE:
                self._replace_writer()
            elif isinstance(report, BatchTally):
                self.counters.add(report)
                self._acknowledge(client, self._committed(report.messages))
            elif isinstance(report, StoreFailure):
                self.counters.store_failures += 1
                self.counters.last_failure = report.error
            with self._lock:
                if self._unsent:
                    self._send_unsent()
        return False

    def _committed(self, count: int) -> list[_InFlight]:
        """The `count` oldest in-flight messages: the writer commits them in the order they came."""
        with self._lock:
            return [self._in_flight.popleft() for _ in range(count)]

    def _acknowledge(self, client: mqtt.Client, committed: list[_InFlight]) -> None:
        # MQTT-4.6.0-2: acknowledge in the order the messages arrived. A message from an earlier
        # connection is redelivered on the new one; acknowledging its old packet id could
        # acknowledge another message, so it is left to the redelivery (a duplicate).
        for entry in committed:
            if entry.connection == self._connection:
                client.ack(entry.mid, entry.qos)

    def _replace_writer(self) -> None:
        """Start a new writer and give it every message not yet committed, in order."""
        log.error("the telemetry writer process stopped unexpectedly; starting another")
        self.counters.writer_restarts += 1
        writer = WriterProcess.start(self.open_store, self.options)
        with self._lock:
            assert self._writer is not None
            self._writer.close()
            self._writer = writer
            self._unsent = list(self._in_flight)
            if self._unsent:
                self._send_unsent()


class StoreFailure(NamedTuple):
    error: str


class _WriterGone:
    pass


WRITER_GONE = _WriterGone()
Report = BatchTally | StoreFailure | _WriterGone | None


class WriterProcess:
    """This process's end of the writer: messages go down one pipe, reports come up the other."""

    def __init__(self, process: Any, messages: Connection, reports: Connection) -> None:
        self._process = process
        self._messages = messages
        self._reports = reports
        self._gone = False

    @classmethod
    def start(cls, open_store: StoreOpener, options: IngestOptions) -> WriterProcess:
        """Spawn the writer and wait until it has opened its store (spawn: no inherited threads)."""
        context = multiprocessing.get_context("spawn")
        their_messages, our_messages = context.Pipe(duplex=False)
        our_reports, their_reports = context.Pipe(duplex=False)
        process = context.Process(target=write_batches, name="telemetry-writer", daemon=True,
                                  args=(open_store, their_messages, their_reports, options))
        process.start()
        their_messages.close()  # ours closed here, theirs see end-of-file when the other side dies
        their_reports.close()
        writer = cls(process, our_messages, our_reports)
        if not isinstance(writer.report(timeout=120), _Ready):
            writer.close()
            raise RuntimeError("the telemetry writer process could not open the database; see its log")
        return writer

    @property
    def pid(self) -> int:
        return int(self._process.pid)

    def send(self, entries: list[_InFlight]) -> None:
        if self._gone:
            return
        try:
            self._messages.send([(entry.topic, entry.payload) for entry in entries])
        except OSError:
            self._gone = True

    def report(self, timeout: float) -> Report | _Ready:
        """The writer's next report, None if none came within `timeout`, WRITER_GONE if it died."""
        try:
            if not self._reports.poll(timeout):
                return WRITER_GONE if self._gone or not self._process.is_alive() else None
            report: Report | _Ready = self._reports.recv()
            return report
        except (EOFError, OSError):
            return WRITER_GONE

    def close(self) -> None:
        """Ask the writer to finish its batch and stop; end it if it does not."""
        try:
            self._messages.send(None)
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._messages.close()
        self._reports.close()


class _Ready(NamedTuple):
    """The writer has opened its store."""


def write_batches(open_store: StoreOpener, messages: Connection, reports: Connection,
                  options: IngestOptions) -> None:
    """The writer process: store batches until told to stop or its parent goes away."""
    try:
        store = open_store()
    except Exception:
        log.exception("the telemetry writer could not open its store")
        reports.send(StoreFailure("could not open the store"))
        return
    reports.send(_Ready())
    # A batch's readings outlive a collection or two, and enough of them set off full collections: frozen,
    # what the writer loaded to start (pint, SQLAlchemy) is not walked by each of those again.
    gc.freeze()
    inbox = WriterInbox(messages)
    try:
        while (batch := inbox.next_batch(options.batch_size)) is not None:
            if not _store_with_retry(store, batch, inbox, reports, options):
                return
    except (BrokenPipeError, EOFError):
        return  # the subscriber has gone; what it did not acknowledge will be redelivered


def _store_with_retry(store: Store, batch: list[tuple[str, bytes]], inbox: WriterInbox,
                      reports: Connection, options: IngestOptions) -> bool:
    received_at = datetime.now(UTC)  # taken once: the batch was read within the linger time
    incoming = [_incoming(options.prefix, topic, payload, received_at) for topic, payload in batch]
    backoff = 0.5
    while True:
        try:
            results = store(incoming)
        except Exception as error:  # any storage failure: keep the batch, it is not acknowledged
            log.exception("storing %d telemetry message(s) failed; not acknowledged, retrying in "
                          "%.1f s", len(batch), backoff)
            reports.send(StoreFailure(f"{type(error).__name__}: {error}"))
            if not inbox.hold_for(backoff):
                return False
            backoff = min(backoff * 2, options.max_backoff_s)
            continue
        reports.send(BatchTally.of(results))
        return True


def _incoming(prefix: str, topic: str, payload: bytes, received_at: datetime) -> IncomingMessage:
    parsed = parse_topic(prefix, topic) or LoggerTopic(logger_code="", kind=MessageKind.TELEMETRY)
    return IncomingMessage(source="mqtt", logger_code=parsed.logger_code, payload=payload,
                           received_at=received_at, topic=topic, kind=parsed.kind)


class WriterInbox:
    """The writer's end of the message pipe: chunks in, messages out, read ahead while retrying."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._held: deque[tuple[str, bytes] | None] = deque()  # None: the subscriber says stop

    def next_batch(self, size: int) -> list[tuple[str, bytes]] | None:
        """The messages waiting (after the first, none is waited for), up to `size`; None: stop."""
        while not self._held:
            self._receive(timeout=None)
        if self._held[0] is None:
            return None
        while len(self._held) < size and None not in self._held and self._receive(timeout=0):
            pass
        batch: list[tuple[str, bytes]] = []
        while self._held and len(batch) < size and (message := self._held[0]) is not None:
            batch.append(message)
            self._held.popleft()
        return batch

    def hold_for(self, seconds: float) -> bool:
        """Wait `seconds`, reading ahead so the sender never blocks; False if told to stop meanwhile."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._receive(timeout=left)
            if None in self._held:
                return False
        return True

    def _receive(self, timeout: float | None) -> bool:
        """Read one chunk if one comes within `timeout` (None: wait); raises EOFError if the sender died."""
        if not self._connection.poll(timeout):
            return False
        chunk = self._connection.recv()
        self._held.extend([None] if chunk is None else chunk)
        return True
