"""Release time: arrival to QA's signed decision, per receipt, and its median per month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from logistics.core.release_time import ReceiptRelease, decided_at, monthly_medians

ARRIVED = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def release(reference, hours, month="2026-11"):
    return ReceiptRelease(reference, ARRIVED, ARRIVED + timedelta(hours=hours), month)


def test_a_receipt_is_released_when_its_last_quarantined_line_is_first_decided():
    first, last = ARRIVED + timedelta(hours=2), ARRIVED + timedelta(hours=26)
    assert decided_at([first, last]) == last
    assert decided_at([first, None]) is None  # a line still waits
    assert decided_at([]) is None  # nothing went to quarantine: no release to time
    assert release("HG-2026-0045", 26).seconds == 26 * 3600


def test_the_median_per_month_of_arrival():
    releases = [release("A", 2), release("B", 30), release("C", 4), release("D", 10, "2026-12"),
                release("E", 20, "2026-12")]
    medians = monthly_medians(releases)
    assert [(m.month, m.receipts, m.median_s / 3600) for m in medians] == [("2026-11", 3, 4.0),
                                                                           ("2026-12", 2, 15.0)]
    assert monthly_medians([]) == []


@given(st.lists(st.floats(0, 1000), min_size=1, max_size=20))
def test_the_median_lies_between_the_fastest_and_the_slowest(hours):
    (month,) = monthly_medians([release(str(i), h) for i, h in enumerate(hours)])
    assert min(hours) * 3600 - 1e-6 <= month.median_s <= max(hours) * 3600 + 1e-6
    assert month.receipts == len(hours)
