"""How the ingest's writer forms batches from the chunks the subscriber sends it: a real pipe, no broker."""

import multiprocessing
import threading
import time

import pytest

from sensors.writer import WriterInbox

TOPIC = "coldchain/loggers/LG-1/telemetry"


def message(n: int) -> tuple[str, bytes]:
    return TOPIC, f'{{"temp": {n}}}'.encode()


@pytest.fixture
def pipe():
    receiving, sending = multiprocessing.Pipe(duplex=False)
    yield WriterInbox(receiving), sending
    receiving.close()
    sending.close()


def numbers(batch) -> list[int]:
    return [int(payload[9:-1]) for _, payload in batch]


def test_what_is_waiting_is_taken_at_once_up_to_a_batch(pipe):
    inbox, sending = pipe
    sending.send([message(1), message(2), message(3)])
    sending.send([message(4), message(5), message(6)])
    assert numbers(inbox.next_batch(4)) == [1, 2, 3, 4]
    assert numbers(inbox.next_batch(4)) == [5, 6]


def test_the_writer_waits_for_the_first_message_and_for_no_other(pipe):
    inbox, sending = pipe
    threading.Timer(0.1, sending.send, args=([message(1)],)).start()
    began = time.monotonic()
    assert numbers(inbox.next_batch(4)) == [1]
    assert 0.05 < time.monotonic() - began < 5


def test_stop_ends_the_writer_after_the_messages_sent_before_it(pipe):
    inbox, sending = pipe
    sending.send([message(1), message(2)])
    sending.send(None)
    sending.send([message(3)])  # after stop: never stored, so never acknowledged, so redelivered
    assert numbers(inbox.next_batch(4)) == [1, 2]
    assert inbox.next_batch(4) is None


def test_a_subscriber_that_died_ends_the_writer(pipe):
    inbox, sending = pipe
    sending.close()
    with pytest.raises(EOFError):
        inbox.next_batch(4)
