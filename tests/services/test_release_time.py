"""Release time from the records: arrival to the last quarantined line's first signed decision."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from logistics.core.signatures import Meaning
from logistics.db.models import ReceiptLine
from logistics.services import metrics
from logistics.services.release_time import receipt_releases, release_times
from tests.conftest import NOW
from tests.services.test_receiving import receive, sign


def test_a_receipt_counts_once_all_its_quarantined_lines_are_decided(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    receive(runtime)  # no telemetry: every line goes to quarantine
    with runtime.sessions() as session:
        lines = session.exec(select(ReceiptLine.id).order_by(ReceiptLine.id)).all()
    for line_id in lines[:-1]:
        sign(runtime, line_id, Meaning.REJECTED)  # two hours after the receipt
    with runtime.sessions() as session:
        assert receipt_releases(session) == []  # one line still waits
    sign(runtime, lines[-1], Meaning.REJECTED)
    with runtime.sessions() as session:
        (release,) = receipt_releases(session)
        shown = release_times(session)
        figures = metrics.gather(session, now=NOW + timedelta(hours=3))
    assert (release.reference, release.seconds, release.month) == ("HG-2026-0045", 2 * 3600, "2026-11")
    assert shown.recent == [release] and [(m.month, m.receipts, m.median_s) for m in shown.monthly] == [
        ("2026-11", 1, 7200.0)]
    assert figures.release_times == shown.monthly
