"""Reading a pack's GS1 code as a scanner types it: each case a scanned string and the whole result."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.readers.gs1 import BarcodeError, PackCode, Problem, normalise_gtin, read_pack_code

GTIN = "09506000134352"  # GS1's own example GTIN (prefix 950: GS1 Global Office)
GS = "\x1d"  # FNC1, as a scanner sends it between fields

READ = [
    # human-readable, as printed under the code
    ("(01)09506000134352(17)271231(10)LOT-A1", PackCode(GTIN, "LOT-A1", date(2027, 12, 31), None)),
    # the same typed by hand from the label, with spaces
    ("(01) 09506000134352 (17) 271231 (10) LOT-A1", PackCode(GTIN, "LOT-A1", date(2027, 12, 31), None)),
    # raw: fixed-length fields first, GS after each variable-length field but the last; Enter at the end
    (f"0109506000134352172712311" f"0LOT-A1{GS}21SN-0042\r\n",
     PackCode(GTIN, "LOT-A1", date(2027, 12, 31), "SN-0042")),
    # raw, the lot before the expiry: only GS tells where the lot ends
    (f"0109506000134352" f"10LOT-A1{GS}17271231", PackCode(GTIN, "LOT-A1", date(2027, 12, 31), None)),
    # behind the symbology identifier of GS1 DataMatrix, of GS1-128 and of GS1 QR
    ("]d2010950600013435217271231" "10LOT-A1", PackCode(GTIN, "LOT-A1", date(2027, 12, 31), None)),
    ("]C1010950600013435217271231" "10LOT-A1", PackCode(GTIN, "LOT-A1", date(2027, 12, 31), None)),
    (f"]Q301095060001343522" f"1SN-7{GS}10LOT-A1", PackCode(GTIN, "LOT-A1", None, "SN-7")),
    # day 00: the last day of the month (GS1 General Specifications §7.12), leap years included
    ("(01)09506000134352(17)271200(10)LOT-A1", PackCode(GTIN, "LOT-A1", date(2027, 12, 31), None)),
    ("(01)09506000134352(17)280200", PackCode(GTIN, None, date(2028, 2, 29), None)),
    ("(01)09506000134352(17)270200", PackCode(GTIN, None, date(2027, 2, 28), None)),
    # fields receiving does not use are passed over (a production date, a count)
    ("(01)09506000134352(11)260301(30)12(10)LOT-A1", PackCode(GTIN, "LOT-A1", None, None)),
    # a plain EAN-13 on a pack: its GTIN, as 14 digits, and nothing else
    ("9506000134352", PackCode(GTIN, None, None, None)),
    ("]E09506000134352", PackCode(GTIN, None, None, None)),
]

REFUSED = [
    ("", Problem.EMPTY, None),
    ("  \r\n", Problem.EMPTY, None),
    ("LOT-A1", Problem.UNREADABLE, None),
    ("(01)0950600013435", Problem.BAD_FIELD, "01"),  # 13 digits where 14 belong
    ("(01)09506000134353(17)271231(10)LOT-A1", Problem.BAD_GTIN, "01"),  # check digit 2, not 3
    ("0109506000134353", Problem.BAD_GTIN, "01"),
    ("(01)09506000134352(17)271331", Problem.BAD_FIELD, "17"),  # month 13
    ("(01)09506000134352(17)270230", Problem.BAD_FIELD, "17"),  # 30 February
    ("(10)LOT-A1(17)271231", Problem.NO_GTIN, None),
    ("00095060001343520007", Problem.NO_GTIN, None),  # an SSCC: a pallet's code, not a pack's
    ("(01)09506000134352(10)LOT-A1(10)LOT-B2", Problem.CONFLICT, "10"),
    ("]d2not a code", Problem.UNREADABLE, None),
    ("]", Problem.UNREADABLE, None),  # biip itself stumbles on this one
    ("]9 is no symbology", Problem.UNREADABLE, None),
]


@pytest.mark.parametrize(("scanned", "expected"), READ)
def test_a_pack_code_is_read_in_every_form_a_scanner_types(scanned, expected):
    assert read_pack_code(scanned) == expected


@pytest.mark.parametrize(("scanned", "problem", "ai"), REFUSED)
def test_a_malformed_code_is_refused_saying_why(scanned, problem, ai):
    with pytest.raises(BarcodeError) as refused:
        read_pack_code(scanned)
    assert (refused.value.problem, refused.value.ai) == (problem, ai)
    assert "is not a readable GS1 code" in str(refused.value)


@given(st.one_of(st.text(max_size=40), st.text(st.sampled_from("]dCQE0123456789()\x1d -AB"), max_size=40)))
def test_any_text_is_read_or_refused_never_a_crash(text):
    try:
        code = read_pack_code(text)
    except BarcodeError:
        return
    assert len(code.gtin) == 14 and code.gtin.isdigit()


@pytest.mark.parametrize(("given_gtin", "expected"), [("9506000134352", GTIN), (GTIN, GTIN),
                                                      ("96385074", "00000096385074")])
def test_an_items_gtin_is_kept_as_14_digits(given_gtin, expected):
    assert normalise_gtin(given_gtin) == expected


@pytest.mark.parametrize("bad", ["9506000134353", "95060001343", "ABCDEFGHIJKLM", ""])
def test_a_bad_gtin_is_refused(bad):
    with pytest.raises(BarcodeError) as refused:
        normalise_gtin(bad)
    assert refused.value.problem == Problem.BAD_GTIN
