"""The writer's decoding thread: the writer loop on real pipes, storing into a real SQLite file, no broker.
What the subscriber makes of the reports (acknowledgements) is in test_acknowledgements.py."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

import pytest
from sqlalchemy import text

from logistics.app import open_telemetry_store
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger
from sensors.decoding import DecodedQueue
from sensors.ingest import IngestOptions
from sensors.writer import BatchTally, StoreFailure, write_batches

TOPIC = "coldchain/loggers/LG-A/telemetry"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
PER_MESSAGE = 20


def message(n: int) -> tuple[str, bytes]:
    """Message n: PER_MESSAGE readings a second apart, after those of message n - 1."""
    first = n * PER_MESSAGE
    readings = [{"ts": int((START + timedelta(seconds=first + i)).timestamp()), "temp": 4.0 + i / 10}
                for i in range(PER_MESSAGE)]
    return TOPIC, json.dumps({"readings": readings}).encode()


class Writer(NamedTuple):
    sending: Any  # the subscriber's end of the message pipe
    reports: Any  # the subscriber's end of the report pipe
    thread: threading.Thread
    database: str

    def send_all(self, chunks: list[list[tuple[str, bytes]]]) -> threading.Thread:
        """Send the chunks from a thread of their own: a writer that stopped reading would block it."""
        sender = threading.Thread(target=lambda: [self.sending.send(chunk) for chunk in chunks])
        sender.start()
        return sender

    def tallies_until(self, messages: int) -> tuple[list[BatchTally], int]:
        """The writer's tallies until they count `messages`, and the failures reported before."""
        tallies: list[BatchTally] = []
        failures = 0
        while sum(tally.messages for tally in tallies) < messages:
            assert self.reports.poll(30), "no report from the writer"
            report = self.reports.recv()
            if isinstance(report, StoreFailure):
                failures += 1
            else:
                tallies.append(report)
        return tallies, failures

    def stored_times(self) -> list[str]:
        with closing(sqlite3.connect(self.database)) as connection:
            return [row[0] for row in connection.execute("SELECT device_time FROM readings ORDER BY id")]


@pytest.fixture
def writer(sqlite_runtime) -> Iterator[Writer]:
    """The writer loop in a thread (as the writer process runs it), storing into `sqlite_runtime`'s
    database, where LG-A is registered; busy timeout short, so that a held lock fails a batch soon."""
    with unit_of_work(sqlite_runtime.sessions, actor="test") as session:
        session.add(Logger(code="LG-A", serial="S-LG-A"))
    settings = dataclasses.replace(sqlite_runtime.settings, sqlite_busy_timeout_ms=100)
    their_messages, our_messages = multiprocessing.Pipe(duplex=False)
    our_reports, their_reports = multiprocessing.Pipe(duplex=False)
    batching = dataclasses.replace(IngestOptions(batch_size=8), max_backoff_s=0.2).batching
    thread = threading.Thread(target=write_batches, daemon=True,
                              args=(partial(open_telemetry_store, settings), their_messages, their_reports,
                                    batching))
    thread.start()
    assert our_reports.poll(30)
    our_reports.recv()  # the writer is ready
    yield Writer(our_messages, our_reports, thread, settings.database_url.removeprefix("sqlite:///"))
    our_messages.send(None)
    thread.join(30)
    for end in (their_messages, our_messages, our_reports, their_reports):
        end.close()


def test_the_decoding_thread_keeps_the_order_and_loses_nothing_while_the_database_refuses_writes(writer):
    chunks = [[message(n) for n in range(start, start + 5)] for start in range(0, 200, 5)]
    with closing(sqlite3.connect(writer.database, timeout=10)) as other_writer:
        other_writer.execute("BEGIN IMMEDIATE")  # the database refuses writes
        sender = writer.send_all(chunks)
        sender.join(30)  # 200 messages, more than a pipe holds: they go only if the thread reads ahead
        assert not sender.is_alive(), "the writer stopped reading the pipe while the database was away"
        assert writer.reports.poll(30) and isinstance(writer.reports.recv(), StoreFailure)
        assert writer.stored_times() == []
        other_writer.rollback()  # the database takes writes again
    tallies, _ = writer.tallies_until(200)
    assert sum(tally.messages for tally in tallies) == 200 and all(tally.messages <= 8 for tally in tallies)
    assert sum(tally.stored for tally in tallies) == 200 * PER_MESSAGE
    assert sum(tally.duplicates + tally.rejected for tally in tallies) == 0
    expected = [(START + timedelta(seconds=second)).strftime("%Y-%m-%d %H:%M:%S.%f")
                for second in range(200 * PER_MESSAGE)]
    assert writer.stored_times() == expected  # stored in the order the messages came


def test_a_stop_while_the_database_refuses_writes_ends_the_writer_without_storing(writer):
    with closing(sqlite3.connect(writer.database, timeout=10)) as other_writer:
        other_writer.execute("BEGIN IMMEDIATE")
        writer.sending.send([message(1), message(2)])
        assert writer.reports.poll(30) and isinstance(writer.reports.recv(), StoreFailure)
        writer.sending.send(None)
        writer.thread.join(30)
        assert not writer.thread.is_alive()
        other_writer.rollback()
    assert writer.stored_times() == []  # never stored, so never acknowledged, so redelivered


def test_a_batch_is_what_was_decoded_and_messages_sent_before_a_stop_are_stored(writer):
    writer.sending.send([message(n) for n in range(3)])
    writer.sending.send([message(n) for n in range(3, 12)])
    writer.sending.send(None)
    tallies, failures = writer.tallies_until(12)
    assert failures == 0 and all(tally.messages <= 8 for tally in tallies)
    writer.thread.join(30)
    assert not writer.thread.is_alive()
    assert len(writer.stored_times()) == 12 * PER_MESSAGE


def decoded_queue(chunks: list[Any]) -> DecodedQueue:
    """A queue fed by the decoding loop, run here to its end: each chunk's items, then what ends it."""
    queue, remaining = DecodedQueue(), list(chunks)

    def next_chunk() -> Any:
        chunk = remaining.pop(0)
        if isinstance(chunk, BaseException):
            raise chunk
        return chunk

    queue.decode_from(next_chunk, lambda message: message.payload.upper(), "coldchain")
    return queue


def test_the_queue_hands_out_batches_in_order_then_stops():
    queue = decoded_queue([[(TOPIC, b"a"), (TOPIC, b"b"), (TOPIC, b"c")], [(TOPIC, b"d")], None])
    batches = [[item.prepared for item in batch] for batch in iter(partial(queue.take, 2), None)]
    assert batches == [[b"A", b"B"], [b"C", b"D"]]
    assert queue.ends_within(0)


def test_a_subscriber_that_died_ends_the_queue_at_once():
    queue = decoded_queue([[(TOPIC, b"a")], EOFError()])
    assert queue.take(2) is None  # not stored: the broker redelivers what was not acknowledged


def test_an_unexpected_failure_in_the_decoding_thread_ends_the_writer(caplog):
    queue = decoded_queue([[(TOPIC, b"a")], RuntimeError("a bug")])
    assert queue.take(2) is None  # the writer process ends, and the subscriber starts another
    assert "decoding thread failed" in caplog.text


def test_readings_come_with_the_receive_time_of_their_chunk(writer, sqlite_runtime):
    before = datetime.now(UTC).replace(tzinfo=None)
    writer.sending.send([message(0)])
    writer.tallies_until(1)
    with sqlite_runtime.engine.connect() as connection:
        received = connection.execute(text("SELECT DISTINCT received_at FROM readings")).scalars().all()
    assert len(received) == 1 and datetime.fromisoformat(received[0]) >= before
