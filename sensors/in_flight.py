"""Messages received and not yet acknowledged: handed to the writer, acknowledged once it has stored them.

paho's thread hands each message to the writer process (sensors/writer.py) and keeps it in an in-flight
list. Only when the writer reports a commit are those messages acknowledged, in the order they arrived. A
database failure means no acknowledgement: the writer retries. If the writer dies, another one is given
every message not yet committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import paho.mqtt.client as mqtt

from sensors.writer import WRITER_GONE, Batching, BatchTally, StoreFailure, StoreOpener, WriterProcess

log = logging.getLogger(__name__)
# While the writer stores a batch, messages go to it every this many bytes of payload (a few backfill
# messages), so that its decoding thread decodes them meanwhile; small messages still go a batch at a time,
# which keeps the subscriber's pipe writes few when it is the busier process (one reading per message).
CHUNK_BYTES = 16 * 1024


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


class Acknowledging(Protocol):
    """Where acknowledgements go: paho's client with manual_ack=True."""

    def ack(self, mid: int, qos: int) -> Any: ...


class _Received(NamedTuple):
    connection: int  # a message belongs to the connection it came on
    mid: int
    qos: int
    topic: str
    payload: bytes


class InFlight:
    """The received messages not yet acknowledged, oldest first, and the writer storing them."""

    def __init__(self, open_store: StoreOpener, batching: Batching, counters: IngestCounters) -> None:
        self._open_store = open_store
        self._batching = batching
        self.counters = counters
        self._lock = threading.Lock()  # the list and the writer, shared with paho's thread
        self._received: deque[_Received] = deque()  # received, not yet committed; oldest first
        self._unsent: list[_Received] = []  # the newest of those, not yet given to the writer
        self._connection = 0  # counts connects
        self._writer = WriterProcess.start(open_store, batching)
        self.last_received_at = 0.0  # monotonic
        self._unsent_bytes = 0

    @property
    def writer_pid(self) -> int:
        return self._writer.pid

    def is_empty(self) -> bool:
        with self._lock:
            return not self._received

    def new_connection(self) -> None:
        """From now on messages come on a new connection, with packet ids of their own."""
        self._connection += 1

    def on_message(self, _client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        """paho's message handler: keep the message and pass it on to the writer."""
        self.last_received_at = time.monotonic()
        with self._lock:
            entry = _Received(self._connection, message.mid, message.qos, message.topic,
                              bytes(message.payload))
            self._received.append(entry)
            self._unsent.append(entry)
            self._unsent_bytes += len(entry.payload)
            # Messages go to the writer in chunks (one pipe write each): at once when the writer has
            # nothing else to do; otherwise each CHUNK_BYTES of payload or full batch, and what is left
            # when its next report comes back.
            if (len(self._unsent) == len(self._received) or len(self._unsent) >= self._batching.batch_size
                    or self._unsent_bytes >= CHUNK_BYTES):
                self._send_unsent()

    def acknowledge_committed(self, client: Acknowledging, wait: float) -> None:
        """Wait up to `wait` seconds for the writer's next report and act on it: acknowledge what it
        committed, count a failure, or replace a writer that died; then pass on what came meanwhile."""
        report = self._writer.report(timeout=wait)
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

    def close(self) -> None:
        """Stop the writer once it has finished its batch."""
        self._writer.close()

    def _send_unsent(self) -> None:
        # A dead writer must not raise here (it would end paho's thread): the messages stay in
        # flight and go to the writer that replaces it.
        self._writer.send([(entry.topic, entry.payload) for entry in self._unsent])
        self._unsent = []
        self._unsent_bytes = 0

    def _committed(self, count: int) -> list[_Received]:
        """The `count` oldest messages: the writer commits them in the order they came."""
        with self._lock:
            return [self._received.popleft() for _ in range(count)]

    def _acknowledge(self, client: Acknowledging, committed: list[_Received]) -> None:
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
        writer = WriterProcess.start(self._open_store, self._batching)
        with self._lock:
            self._writer.close()
            self._writer = writer
            self._unsent = list(self._received)
            if self._unsent:
                self._send_unsent()
