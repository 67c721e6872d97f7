"""The ingest's writer process: stores what it is handed in batches, and reports each commit (SPEC §4).

The subscriber (sensors/ingest.py) sends messages down one pipe in chunks; a thread of the writer decodes
them as they come (sensors/decoding.py), and the writer stores what has been decoded as one batch, one
transaction, and reports what became of it up the other pipe, or the failure. A database failure keeps the
batch: the writer retries it with back-off while the thread reads the pipe ahead, so the subscriber never
blocks.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

from sensors.decoding import Decoded, DecodedQueue, Stages, stages_of, start_decoding
from sensors.intake import Store, StoreResult

log = logging.getLogger(__name__)
# Called in the writer process, so it must be picklable: a module-level function or a partial of one.
StoreOpener = Callable[[], Store]
Delivery = tuple[str, bytes]  # a message's topic and payload, as the pipe carries it


class Batching(NamedTuple):
    """How the writer reads topics, forms batches and retries them."""

    prefix: str
    batch_size: int
    max_backoff_s: float


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


class StoreFailure(NamedTuple):
    error: str


class _WriterGone:
    pass


WRITER_GONE = _WriterGone()
Report = BatchTally | StoreFailure | _WriterGone | None


class _Ready(NamedTuple):
    """The writer has opened its store."""


class WriterProcess:
    """The subscriber's end of the writer: messages go down one pipe, reports come up the other."""

    def __init__(self, process: Any, messages: Connection, reports: Connection) -> None:
        self._process = process
        self._messages = messages
        self._reports = reports
        self._gone = False

    @classmethod
    def start(cls, open_store: StoreOpener, batching: Batching) -> WriterProcess:
        """Spawn the writer and wait until it has opened its store (spawn: no inherited threads)."""
        context = multiprocessing.get_context("spawn")
        their_messages, our_messages = context.Pipe(duplex=False)
        our_reports, their_reports = context.Pipe(duplex=False)
        process = context.Process(target=write_batches, name="telemetry-writer", daemon=True,
                                  args=(open_store, their_messages, their_reports, batching))
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

    def send(self, deliveries: list[Delivery]) -> None:
        if self._gone:
            return
        try:
            self._messages.send(deliveries)
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


def write_batches(open_store: StoreOpener, messages: Connection, reports: Connection,
                  batching: Batching) -> None:
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
    stages = stages_of(store)
    decoded = start_decoding(partial(inbox.next_batch, batching.batch_size), stages, batching.prefix)
    try:
        while (batch := decoded.take(batching.batch_size)) is not None:
            if not _store_with_retry(stages, batch, decoded, reports, batching):
                return
    except (BrokenPipeError, EOFError):
        return  # the subscriber has gone; what it did not acknowledge will be redelivered


def _store_with_retry(stages: Stages, batch: list[Decoded], decoded: DecodedQueue, reports: Connection,
                      batching: Batching) -> bool:
    prepared = [item.prepared for item in batch]
    backoff = 0.5
    while True:
        try:
            results = stages.store(prepared)
        except Exception as error:  # any storage failure: keep the batch, it is not acknowledged
            log.exception("storing %d telemetry message(s) failed; not acknowledged, retrying in "
                          "%.1f s", len(batch), backoff)
            reports.send(StoreFailure(f"{type(error).__name__}: {error}"))
            if decoded.ends_within(backoff):
                return False
            backoff = min(backoff * 2, batching.max_backoff_s)
            # Prepared again: the failed attempt may have marked them (a logger it found unknown).
            prepared = [stages.prepare(item.message) for item in batch]
            continue
        reports.send(BatchTally.of(results))
        return True


class WriterInbox:
    """The writer's end of the message pipe: chunks in, messages out (read by the decoding thread)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._held: deque[Delivery | None] = deque()  # None: the subscriber says stop

    def next_batch(self, size: int) -> list[Delivery] | None:
        """The messages waiting (after the first, none is waited for), up to `size`; None: stop."""
        while not self._held:
            self._receive(timeout=None)
        if self._held[0] is None:
            return None
        while len(self._held) < size and None not in self._held and self._receive(timeout=0):
            pass
        batch: list[Delivery] = []
        while self._held and len(batch) < size and (message := self._held[0]) is not None:
            batch.append(message)
            self._held.popleft()
        return batch

    def _receive(self, timeout: float | None) -> bool:
        """Read one chunk if one comes within `timeout` (None: wait); raises EOFError if the sender died."""
        if not self._connection.poll(timeout):
            return False
        chunk = self._connection.recv()
        self._held.extend([None] if chunk is None else chunk)
        return True
