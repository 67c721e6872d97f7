"""Table columns fitted to their words: no heading word is ever split, and the page's width is shared where
the lines are longest."""

from __future__ import annotations

import pytest

from logistics.documents.fonts import choose_fonts
from logistics.documents.pdf import (
    CELL_PADDING_MM,
    NBSP,
    TABLE_PT,
    Column,
    Document,
    PageFrame,
    column_widths,
)
from tests.conftest import NOW


@pytest.fixture
def doc():
    made = Document(PageFrame("Shipment receipt report", "HG-2026-0046", NOW), choose_fonts([]))
    yield made
    made.to_bytes()  # which closes the font files it read


def widest_word(doc, text, *, bold=False):
    doc.set_font(doc.text_family, "B" if bold else "", TABLE_PT)
    return max(doc.get_string_width(word) for word in text.split()) + 2 * CELL_PADDING_MM


def test_the_columns_share_the_page_and_each_holds_its_words(doc):
    columns = (Column("Logger"), Column("Judged by"), Column("Readings", align="RIGHT"), Column("Review"))
    rows = [["LG-24005", "refrigerated v1", "1,468", "qa: within the 72 h stability budget (use within it)"]]
    widths = column_widths(doc, columns, rows)
    assert sum(widths) == pytest.approx(doc.epw)
    for width, column, value in zip(widths, columns, rows[0], strict=True):
        assert width >= widest_word(doc, column.title, bold=True) and width >= widest_word(doc, value)
    assert widths[3] == max(widths)  # the longest line gets the most room


def test_headings_keep_their_words_when_the_values_cannot(doc):
    columns = [Column(f"Heading {n}") for n in range(6)]
    rows = [["W" * 40] * 6]  # no room for six such words side by side
    widths = column_widths(doc, columns, rows)
    assert sum(widths) == pytest.approx(doc.epw)
    assert all(width >= widest_word(doc, "Heading", bold=True) for width in widths)


def test_headings_too_wide_for_the_page_are_refused(doc):
    with pytest.raises(ValueError, match="do not fit across the page"):
        column_widths(doc, [Column("Unbreakable" * 4)] * 4, [])


def test_a_column_with_a_width_keeps_it(doc):
    row = [["LG-24005", "−78.2 °C"]]
    widths = column_widths(doc, [Column("Logger", 40), Column("Minimum", 30, "RIGHT")], row)
    assert widths == [40, 30]
    fitted = column_widths(doc, [Column("Logger", 40), Column("Minimum", align="RIGHT")], [["LG-24005", "x"]])
    assert fitted[0] == 40 and fitted[1] == pytest.approx(doc.epw - 40)


def test_a_number_and_its_unit_are_one_word(doc):
    """"−52.5 °C" joined by a no-break space is never printed as "−52.5" above "°C", however little room a
    long review leaves its column."""
    peak, review = f"−52.5{NBSP}°C", "resolved; qa: no impact, the allowance used 0.7 h of 72.0 h " * 4
    widths = column_widths(doc, (Column("Peak", align="RIGHT"), Column("Review")), [[peak, review]])
    doc.set_font(doc.text_family, "", TABLE_PT)
    assert widths[0] >= doc.get_string_width(peak) + 2 * CELL_PADDING_MM
    assert widths[1] > 5 * widths[0]  # the review still gets the room
