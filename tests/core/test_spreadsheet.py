"""CSV cells a spreadsheet would run as formulas get a quote; numbers stay numbers (OWASP CSV injection)."""

import pytest

from logistics.core.spreadsheet import number_cell, safe_cell, safe_record, safe_row


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_run_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


def test_numbers_and_plain_text_are_left_alone():
    row = [-3.5, -2, 0, "SK2609-031", "", None, "a=b"]
    assert safe_row(row) == row
    assert safe_record({"quantity": -6.0, "note": "=1+1"}) == {"quantity": -6.0, "note": "'=1+1"}
    assert (number_cell(6.0), number_cell(-2.5)) == (6, -2.5)
