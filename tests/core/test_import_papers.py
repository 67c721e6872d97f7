"""The import papers' rules: a permit against a shipment, HS codes, a permit's days, the coolant's line."""

from datetime import date

import pytest

from logistics.core.import_papers import (
    PaperLine,
    PermitFacts,
    PermitProblemCode,
    coolant_marking,
    hs_code_problem,
    paper_gaps,
    permit_dates_problems,
    permit_needed,
    permit_problems,
)

PERMIT = PermitFacts(number="TFDA-CT-2026-0031", issued=date(2026, 1, 1), expires=date(2026, 12, 31),
                     items=frozenset({"SEL-CD34", "MED-HSC"}))


def codes(problems):
    return [(problem.code, problem.item) for problem in problems]


def test_a_permit_valid_on_the_arrival_day_covering_every_item_has_no_problem():
    for day in (date(2026, 1, 1), date(2026, 6, 1), date(2026, 12, 31)):  # both end days count
        carried = ["SEL-CD34", "MED-HSC"]
        assert permit_problems(PERMIT.number, PERMIT, arrival_day=day, item_codes=carried) == []


@pytest.mark.parametrize(("named", "permit", "arrival", "items", "expected"), [
    (None, None, date(2026, 6, 1), ["SEL-CD34"], [(PermitProblemCode.MISSING, None)]),
    ("  ", None, date(2026, 6, 1), ["SEL-CD34"], [(PermitProblemCode.MISSING, None)]),
    ("TFDA-X", None, date(2026, 6, 1), ["SEL-CD34"], [(PermitProblemCode.UNKNOWN, None)]),
    ("P", PERMIT, date(2027, 1, 1), ["SEL-CD34"], [(PermitProblemCode.EXPIRED, None)]),
    ("P", PERMIT, date(2025, 12, 31), ["SEL-CD34"], [(PermitProblemCode.NOT_YET_VALID, None)]),
    ("P", PERMIT, None, ["SEL-CD34"], [(PermitProblemCode.ARRIVAL_UNKNOWN, None)]),
    ("P", PERMIT, date(2026, 6, 1), ["SEL-CD34", "LV-BGLOB", "LV-BGLOB", "QC-VCN"],
     [(PermitProblemCode.NOT_COVERED, "LV-BGLOB"), (PermitProblemCode.NOT_COVERED, "QC-VCN")]),
    ("P", PERMIT, date(2027, 3, 1), ["QC-VCN"],
     [(PermitProblemCode.EXPIRED, None), (PermitProblemCode.NOT_COVERED, "QC-VCN")]),
])
def test_each_problem_is_named_by_its_code(named, permit, arrival, items, expected):
    assert codes(permit_problems(named, permit, arrival_day=arrival, item_codes=items)) == expected


def test_a_problem_reads_as_english_and_keeps_its_template():
    [problem] = permit_problems("P", PERMIT, arrival_day=date(2027, 1, 2), item_codes=[])
    assert problem.refusal == ("import permit TFDA-CT-2026-0031 expires on 2026-12-31, before the planned "
                               "arrival on 2027-01-02")
    assert "%(expires)s" in problem.refusal.template


def test_only_thailand_asks_for_a_permit():
    assert permit_needed("TH") and permit_needed("th") and not permit_needed("CN")


@pytest.mark.parametrize("code", ["300212", "3002.12", "3822.19.00", "3822190000", "3002.49.90.10"])
def test_hs_codes_of_6_to_10_digits_with_dots_are_accepted(code):
    assert hs_code_problem(code) is None


@pytest.mark.parametrize("code", ["", "30021", "30021200001", "3002..12", ".300212", "3002 12", "3002-12",
                                  "ABCDEF", "３００２１２"])
def test_anything_else_is_no_hs_code(code):
    assert hs_code_problem(code) is not None


def test_a_permit_must_expire_after_it_is_issued_within_plausible_years():
    assert permit_dates_problems(date(2026, 1, 1), date(2026, 12, 31)) == {}
    assert set(permit_dates_problems(date(2026, 1, 1), date(2026, 1, 1))) == {"expires"}
    assert set(permit_dates_problems(date(2026, 1, 1), date(2025, 1, 1))) == {"expires"}
    assert set(permit_dates_problems(date(2026, 1, 1), date(2046, 1, 1))) == {"expires"}
    assert set(permit_dates_problems(date(1999, 1, 1), date(2026, 1, 1))) == {"issued"}


def test_dry_ice_is_declared_with_its_net_kg_and_an_ln2_shipper_is_not_restricted_only_without_free_liquid():
    assert coolant_marking("dry_ice", 12.0, no_free_liquid=False) == "UN 1845, Dry ice, 9, 12 kg net"
    assert coolant_marking("dry_ice", 5.25, no_free_liquid=False) == "UN 1845, Dry ice, 9, 5.25 kg net"
    dry = coolant_marking("ln2_dry_shipper", None, no_free_liquid=True)
    assert dry is not None and dry.startswith("Not restricted") and "A152" in dry
    wet = coolant_marking("ln2_dry_shipper", None, no_free_liquid=False)
    assert wet is not None and "NOT marked as not restricted" in wet
    for coolant in (None, "none", "gel_packs"):
        assert coolant_marking(coolant, None, no_free_liquid=True) is None


def test_the_papers_say_what_the_broker_still_lacks():
    whole = PaperLine("SEL-CD34", "3822.19.00", "SK2609-031", date(2026, 1, 5), date(2027, 1, 5), 4.8)
    bare = PaperLine("LV-BGLOB", None, "LV-B-26-007", None, date(2028, 1, 1), None)
    assert paper_gaps([whole], air_waybill="160-48123880", invoice_number="INV-1") == []
    gaps = paper_gaps([whole, bare], air_waybill=None, invoice_number=None)
    assert gaps == ["the air waybill is not known yet", "the invoice number is not given",
                    "LV-BGLOB has no HS code", "lot LV-B-26-007 of LV-BGLOB has no manufacture date",
                    "the line of LV-BGLOB, lot LV-B-26-007, has no net weight"]
