"""Storage periods: when a lot was held at a site, and which zone loggers watched each piece of it."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from logistics.core.storage import Segment, Span, Watch, held, holding_spans, watched_segments

T0 = datetime(2026, 3, 14, 2, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_period_runs_from_receipt_until_the_stock_there_is_used_up():
    # Received 10 (quarantined), released (−10 quarantined, +10 available at once), 4 used, the rest used.
    changes = [(h(0), 10.0), (h(5), -10.0), (h(5), 10.0), (h(20), -4.0), (h(30), -6.0)]
    assert holding_spans(changes) == [Span(h(0), h(30))]


def test_partly_consumed_stock_is_still_held_and_a_later_receipt_opens_another_period():
    changes = [(h(0), 6.0), (h(3), -2.0), (h(8), -4.0), (h(50), 1.0), (h(60), -0.5)]
    assert holding_spans(changes) == [Span(h(0), h(8)), Span(h(50), None)]
    assert holding_spans([]) == []
    assert holding_spans([(h(0), 0.1), (h(0), 0.2), (h(1), -0.3)]) == [Span(h(0), h(1))]  # float sums


def test_rejected_stock_is_not_held():
    assert held("available") and held("quarantined") and not held("rejected")


def test_a_period_is_cut_where_a_logger_starts_or_stops_watching():
    fridge = Watch("LG-1", "SIR-FRIDGE-1", h(-100), h(10))  # swapped for calibration at 10 h
    spare = Watch("LG-2", "SIR-FRIDGE-1", h(12), None)
    other = Watch("LG-3", "SIR-FRIDGE-2", h(-100), None)  # a second fridge of the same profile
    assert watched_segments(Span(h(0), h(30)), [fridge, spare, other]) == [
        Segment(h(0), h(10), (fridge, other)), Segment(h(10), h(12), (other,)),
        Segment(h(12), h(30), (spare, other))]
    assert watched_segments(Span(h(0), None), [fridge]) == [Segment(h(0), h(10), (fridge,)),
                                                            Segment(h(10), None, ())]
    assert watched_segments(Span(h(0), h(5)), []) == [Segment(h(0), h(5), ())]


def test_a_logger_reassigned_to_the_same_zone_leaves_one_piece():
    before, after = Watch("LG-1", "Z", h(-5), h(3)), Watch("LG-1", "Z", h(3), None)
    assert [(piece.start, piece.end, len(piece.watches)) for piece in
            watched_segments(Span(h(0), h(9)), [before, after])] == [(h(0), h(3), 1), (h(3), h(9), 1)]


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 40), st.booleans()), max_size=6),
       st.integers(1, 120))
def test_the_pieces_tile_the_period_and_each_watch_covers_its_pieces(windows, length):
    span = Span(h(0), h(length))
    watches = [Watch(f"LG-{i}", "Z", h(start), None if open_ else h(start + size))
               for i, (start, size, open_) in enumerate(windows)]
    pieces = watched_segments(span, watches)
    assert pieces[0].start == span.start and pieces[-1].end == span.end
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))
    for piece in pieces:
        assert piece.end is not None and piece.start < piece.end
        for watch in piece.watches:
            assert watch.start <= piece.start and (watch.end is None or watch.end >= piece.end)
