"""Which readings a request selects: windows clipped and merged, the scans left after a page, the cursor."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.reading_selection import (
    Position,
    Scan,
    TimeRange,
    decode_cursor,
    encode_cursor,
    ranges_within,
    scans_after,
)

T0 = datetime(2026, 11, 23, 20, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_windows_are_clipped_to_since_and_until_and_merged_where_they_meet():
    windows = [TimeRange(at(10), at(12)), TimeRange(at(0), at(4)), TimeRange(at(4), at(6)),
               TimeRange(at(5), at(7)), TimeRange(at(20), None)]
    assert ranges_within(windows) == [TimeRange(at(0), at(7)), TimeRange(at(10), at(12)),
                                      TimeRange(at(20), None)]
    assert ranges_within(windows, since=at(3), until=at(11)) == [TimeRange(at(3), at(7)),
                                                                   TimeRange(at(10), at(11))]
    assert ranges_within(windows, since=at(7), until=at(10)) == []  # between the windows
    assert ranges_within([TimeRange()], since=at(1)) == [TimeRange(at(1), None)]
    assert ranges_within([TimeRange(), TimeRange(None, at(2))]) == [TimeRange()]
    assert ranges_within([TimeRange(at(2), None), TimeRange(at(3), at(4))]) == [TimeRange(at(2), None)]


HOURS = st.integers(min_value=0, max_value=48)
WINDOWS = st.lists(st.tuples(HOURS, st.one_of(st.none(), st.integers(min_value=1, max_value=24))),
                   max_size=6).map(lambda pairs: [TimeRange(at(start), at(start + length) if length else None)
                                                  for start, length in pairs])


@given(WINDOWS, st.one_of(st.none(), HOURS), st.one_of(st.none(), HOURS))
def test_a_moment_is_read_once_exactly_when_a_window_holds_it_between_since_and_until(windows, since, until):
    ranges = ranges_within(windows, since=at(since) if since is not None else None,
                           until=at(until) if until is not None else None)
    for half_hour in range(-2, 150):
        moment = at(half_hour / 2)
        wanted = (any(_holds(window, moment) for window in windows)
                  and (since is None or at(since) <= moment) and (until is None or moment < at(until)))
        assert sum(_holds(time_range, moment) for time_range in ranges) == (1 if wanted else 0), moment
    starts = [time_range.start for time_range in ranges]
    assert starts == sorted(starts, key=lambda start: (start is not None, start or T0))


def _holds(time_range, moment):
    return ((time_range.start is None or time_range.start <= moment)
            and (time_range.end is None or moment < time_range.end))


SCANS = [Scan("LG-24003", TimeRange(at(0), at(4))), Scan("LG-24003", TimeRange(at(6), None)),
         Scan("LG-24004", TimeRange(at(0), None))]


def test_a_page_continues_just_after_its_last_reading():
    assert scans_after(SCANS, None) == SCANS
    assert scans_after(SCANS, Position("LG-24003", at(2))) == [
        Scan("LG-24003", TimeRange(at(2) + timedelta(microseconds=1), at(4))), *SCANS[1:]]
    # The last reading of a range ends it: the page goes on with the next range of the same logger.
    assert scans_after(SCANS, Position("LG-24003", at(4) - timedelta(microseconds=1))) == SCANS[1:]
    assert scans_after(SCANS, Position("LG-24003", at(9))) == [
        Scan("LG-24003", TimeRange(at(9) + timedelta(microseconds=1), None)), SCANS[2]]
    assert scans_after(SCANS, Position("LG-24004", at(1)))[0].range.start == at(1) + timedelta(microseconds=1)
    assert scans_after(SCANS, Position("LG-9", at(1))) == []  # after every logger here, in their order


def test_a_cursor_says_where_it_was_made_and_nothing_else_is_taken_for_one():
    position = Position("LG-24003", datetime(2026, 11, 24, 1, 2, 3, 456789, tzinfo=UTC))
    cursor = encode_cursor(position)
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor) == position


@pytest.mark.parametrize("cursor", [
    "abc", "", "x" * 500, "ไทย", encode_cursor(Position("LG-1", at(0)))[:-3],
    "TEctMQo5OTk5LTEyLTMxVDIzOjU5OjU5KzAwOjAw",  # "LG-1\n9999-12-31T23:59:59+00:00": out of any window
    "TEctMQoyMDI2LTExLTI0VDAxOjAwOjAw",  # "LG-1\n2026-11-24T01:00:00": no offset
    "CjIwMjYtMTEtMjRUMDE6MDA6MDArMDA6MDA",  # "\n2026-11-24T01:00:00+00:00": no logger
])
def test_anything_else_is_refused_naming_the_cursor(cursor):
    with pytest.raises(ValueError, match="^cursor: "):
        decode_cursor(cursor)
