"""The writer's decoding thread: it decodes what the subscriber sends while the writer stores the last batch.

Decoding and validating a reading costs about as much as inserting it. sqlite3 and psycopg let go of the
GIL while the database works (each SQLite row step; each PostgreSQL round trip, COPY flush and commit), so
a second thread decoding meanwhile takes the time the writer would have spent waiting. The thread only
decodes: it reads the pipe in order, and the writer takes what it has decoded in that same order, so
batches, commits and acknowledgements keep the order the messages came in.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sensors.intake import IncomingMessage, StagedStore, Store, StoreResult
from sensors.topics import LoggerTopic, MessageKind, parse_topic

log = logging.getLogger(__name__)
# The writer's thread gives up the GIL at every statement and takes it back when the database answers; it
# then waits up to the switch interval (5 ms by default) for the decoding thread to let go. At one reading
# per message a batch is a few statements of a few rows, so that wait is most of its time: bench/ingest.py
# (a) gave 0.67-0.73x a counting subscriber at 10 us against 0.51-0.60x at 200 us, batches alike.
WRITER_SWITCH_INTERVAL_S = 0.00001


class Stages(NamedTuple):
    """A store's two steps: `prepare` (pure, in the decoding thread) and `store` (in the writer's)."""

    prepare: Callable[[IncomingMessage], Any]
    store: Callable[[Sequence[Any]], list[StoreResult]]


def stages_of(store: Store) -> Stages:
    """A StagedStore's two steps; a plain Store is one step, and its messages go to it as they came."""
    if isinstance(store, StagedStore):
        return Stages(store.prepare, store.store_prepared)
    return Stages(_as_it_came, store)


def _as_it_came(message: IncomingMessage) -> IncomingMessage:
    return message


class Decoded(NamedTuple):
    """A message as it came, and as the store's first step made it."""

    message: IncomingMessage
    prepared: Any


class _End(NamedTuple):
    drain: bool  # stop after the messages decoded before (asked to stop), or at once (the subscriber died)


class DecodedQueue:
    """Messages decoded and not yet taken by the writer, oldest first, and whether more may come."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._decoded: deque[Decoded] = deque()
        self._decoding = False  # the thread holds messages it has read and not decoded yet
        self._end: _End | None = None

    def decode_from(self, next_chunk: Callable[[], list[tuple[str, bytes]] | None], prepare: Callable[
            [IncomingMessage], Any], prefix: str) -> None:
        """The decoding thread: decode each chunk `next_chunk` returns until it returns None (stop) or
        raises EOFError (the subscriber has gone)."""
        end = _End(drain=False)
        try:
            while (chunk := next_chunk()) is not None:
                with self._changed:
                    self._decoding = True
                received_at = datetime.now(UTC)  # taken once: the chunk came in one piece
                decoded = [Decoded(message, prepare(message)) for message in
                           (incoming(prefix, topic, payload, received_at) for topic, payload in chunk)]
                with self._changed:
                    self._decoded.extend(decoded)
                    self._decoding = False
                    self._changed.notify_all()
            end = _End(drain=True)
        except (EOFError, OSError):
            pass  # what was not acknowledged will be redelivered
        except BaseException:
            log.exception("the telemetry decoding thread failed; the writer stops and is replaced")
        finally:
            with self._changed:
                self._end = end
                self._changed.notify_all()

    def take(self, size: int) -> list[Decoded] | None:
        """The decoded messages, up to `size`, once the thread has decoded all it read (or `size` of them);
        waits for the first. None: stop."""
        with self._changed:
            self._changed.wait_for(lambda: self._batch_ready(size))
            if self._end is not None and not (self._end.drain and self._decoded):
                return None
            count = min(size, len(self._decoded))
            return [self._decoded.popleft() for _ in range(count)]

    def ends_within(self, seconds: float) -> bool:
        """Wait up to `seconds` (a retry's back-off); True if the writer must stop meanwhile."""
        with self._changed:
            return self._changed.wait_for(lambda: self._end is not None, timeout=seconds)

    def _batch_ready(self, size: int) -> bool:
        waiting = len(self._decoded)
        return self._end is not None or waiting >= size or (waiting > 0 and not self._decoding)


def start_decoding(next_chunk: Callable[[], list[tuple[str, bytes]] | None], stages: Stages,
                   prefix: str) -> DecodedQueue:
    """Start the decoding thread (a daemon: it ends with the writer) and return its queue."""
    queue = DecodedQueue()
    threading.Thread(target=queue.decode_from, args=(next_chunk, stages.prepare, prefix),
                     name="telemetry-decoder", daemon=True).start()
    sys.setswitchinterval(WRITER_SWITCH_INTERVAL_S)
    return queue


def incoming(prefix: str, topic: str, payload: bytes, received_at: datetime) -> IncomingMessage:
    """An MQTT message as the store takes it, its logger and kind read from the topic."""
    parsed = parse_topic(prefix, topic) or LoggerTopic(logger_code="", kind=MessageKind.TELEMETRY)
    return IncomingMessage(source="mqtt", logger_code=parsed.logger_code, payload=payload,
                           received_at=received_at, topic=topic, kind=parsed.kind)
