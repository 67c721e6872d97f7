"""The receiving rules: what sends a line to quarantine, how units are placed, and QA's split."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.quantities import QuantityRule
from logistics.core.receiving import (
    Checklist,
    Conditions,
    CoolantState,
    CountedLine,
    Disposition,
    ExpectedLine,
    ShippedLine,
    checklist_findings,
    count_difference,
    count_problems,
    decide,
    line_discrepancies,
    line_for_pack,
    place,
    quarantine_reasons,
)
from logistics.core.signatures import Meaning, SignatureFacts, record_digest, signature_digest, still_binds
from logistics.core.stock import (
    Holding,
    InsufficientStock,
    StockStatus,
    allocate_hold,
    expiring,
    pick_fefo,
    qa_split,
)

GOOD_BOX = Checklist(packaging_intact=True, seals_intact=True, coolant_present=True,
                     coolant_state=CoolantState.COLD, logger_present=True, logger_alarm=False,
                     documents_complete=True, import_permit_present=True)
SHIPPED = ShippedLine("SK2609-031", date(2027, 3, 31), 6.0)
CLEAN = Conditions(open_excursions=0, monitored=True, findings=())


def counted(**changes):
    values = dict(lot_number="SK2609-031", expiry=date(2027, 3, 31), received=6.0, damaged=0.0, missing=0.0,
                  requested=Disposition.ACCEPT)
    return CountedLine(**{**values, **changes})


def test_a_good_box_has_no_findings_and_each_failed_check_is_named():
    assert checklist_findings(GOOD_BOX) == []
    bad = Checklist(packaging_intact=False, seals_intact=False, coolant_present=False,
                    coolant_state=CoolantState.THAWED, logger_present=False, logger_alarm=True,
                    documents_complete=False, import_permit_present=False)
    assert checklist_findings(bad) == ["packaging_damaged", "seal_broken", "coolant_missing", "coolant_spent",
                                       "logger_missing", "logger_alarm", "documents_missing",
                                       "import_permit_missing"]
    no_coolant_by_design = Checklist(**{**GOOD_BOX.__dict__, "coolant_present": False,
                                        "coolant_state": CoolantState.NOT_USED})
    assert checklist_findings(no_coolant_by_design) == []


def test_discrepancies_against_the_shipping_record():
    assert line_discrepancies(SHIPPED, counted()) == []
    assert line_discrepancies(SHIPPED, counted(lot_number="SK2609-013")) == ["lot_mismatch"]
    assert line_discrepancies(SHIPPED, counted(expiry=date(2027, 1, 31))) == ["expiry_mismatch"]
    assert line_discrepancies(SHIPPED, counted(expiry=None)) == []  # not read: nothing to compare
    assert line_discrepancies(SHIPPED, counted(received=5.0)) == ["count_mismatch"]
    short = counted(received=4.0, damaged=1.0, missing=1.0)
    assert line_discrepancies(SHIPPED, short) == ["damaged", "missing"]


def test_the_difference_is_what_was_found_less_what_was_shipped():
    assert count_difference(6.0, counted()) == 0
    assert count_difference(6.0, counted(received=4.0, damaged=1.0)) == -1  # one short
    declared = counted(received=4.0, damaged=1.0, missing=1.0)
    assert count_difference(6.0, declared) == -1  # declared missing, still one short of what was shipped
    assert count_difference(6.0, counted(received=7.0)) == 1
    assert count_difference(0.3, counted(received=0.1, damaged=0.2)) == 0  # rounding is no difference


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6))
def test_a_difference_is_nonzero_exactly_when_the_count_differs_with_nothing_declared_missing(
        shipped, received, damaged):
    found = counted(received=received, damaged=damaged)
    shipped_line = ShippedLine("SK2609-031", date(2027, 3, 31), shipped)
    differs = "count_mismatch" in line_discrepancies(shipped_line, found)
    assert (count_difference(shipped, found) != 0) == differs


LINES = [ExpectedLine(1, "09521234000013", "SK2609-031"), ExpectedLine(2, "09521234000037", "M26K05"),
         ExpectedLine(3, "09521234000013", "SK2607-114"), ExpectedLine(4, None, "RC-2501")]


def test_a_scanned_pack_finds_its_line_by_gtin_then_by_lot():
    assert line_for_pack(LINES, "09521234000037", "M26K05") == 2
    assert line_for_pack(LINES, "09521234000037", None) == 2  # a code without a lot
    assert line_for_pack(LINES, "09521234000037", "OTHER") == 2  # a lot that differs: still its line
    assert line_for_pack(LINES, "09521234000013", "SK2607-114") == 3  # two lots of one item: by lot
    assert line_for_pack(LINES, "09521234000013", "SK9999-999") == 1  # neither lot: the first
    assert line_for_pack(LINES, "09506000134352", "M26K05") is None  # not on the shipment


def test_an_accepted_line_goes_to_quarantine_for_any_reason_and_a_rejection_stands():
    assert decide(Disposition.ACCEPT, quarantine_reasons(CLEAN, [])) == Disposition.ACCEPT
    cases = [(Conditions(1, True, ()), [], ["open_excursion"]),
             (Conditions(0, False, ()), [], ["no_monitor"]),
             (Conditions(0, True, ("logger_missing",)), [], ["no_monitor"]),
             (Conditions(0, True, ("seal_broken",)), [], ["seal_broken"]),
             (CLEAN, ["lot_mismatch"], ["discrepancy"])]
    for conditions, discrepancies, reasons in cases:
        assert quarantine_reasons(conditions, discrepancies) == reasons
        assert decide(Disposition.ACCEPT, reasons) == Disposition.QUARANTINE
        assert decide(Disposition.REJECT, reasons) == Disposition.REJECT


def test_damaged_units_are_rejected_and_missing_ones_are_not_stock():
    line = counted(received=4.0, damaged=1.5, missing=0.5)
    def units(disposition):
        placed = place(line, disposition)
        return placed.available, placed.quarantined, placed.rejected

    assert units(Disposition.ACCEPT) == (4, 0, 1.5)
    assert units(Disposition.QUARANTINE) == (0, 4, 1.5)
    assert units(Disposition.REJECT) == (0, 0, 5.5)


KITS = QuantityRule(item="SEL-CD34", unit="kit", most=100)


@pytest.mark.parametrize(("counts", "rule", "expected"), [
    ({"received": -1.0, "damaged": float("nan")}, KITS,
     {"received": "must be zero or more, got -1", "damaged": "must be zero or more, got nan"}),
    ({"received": 4.5}, KITS,
     {"received": "must be a whole number of kit (they are counted, not measured), got 4.5"}),
    ({"received": 4.5}, QuantityRule(item="MED", unit="mL", most=100), {}),  # measured: fractions are fine
    ({"missing": 101.0}, KITS,
     {"missing": "must be at most 100 kit, the largest quantity of SEL-CD34 one entry may hold"}),
    ({"received": 0.0, "damaged": 0.0, "missing": 100.0}, KITS, {}),
])
def test_counts_are_zero_or_more_whole_when_counted_and_within_the_items_bound(counts, rule, expected):
    assert count_problems(counted(**counts), rule) == expected


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6), st.sampled_from(list(Disposition)))
def test_placement_never_creates_or_loses_units(received, damaged, missing, disposition):
    placed = place(counted(received=received, damaged=damaged, missing=missing), disposition)
    assert placed.available + placed.quarantined + placed.rejected == pytest.approx(received + damaged)


def holding(lot, expiry, quantity, status=StockStatus.AVAILABLE):
    return Holding(lot_id=hash(lot) % 1000, item_code="SEL-CD34", lot_number=lot, expiry=expiry,
                   status=status, quantity=quantity)


def test_picking_takes_the_first_expiring_usable_lots():
    today = date(2026, 12, 2)
    stock = [holding("LATE", date(2027, 6, 1), 5), holding("SOON", date(2027, 1, 1), 2),
             holding("GONE", date(2026, 11, 30), 9),
             holding("HELD", date(2026, 12, 15), 9, StockStatus.QUARANTINED),
             holding("TODAY", date(2026, 12, 2), 1)]
    picks = pick_fefo(stock, 4, today)
    assert [(h.lot_number, taken) for h, taken in picks] == [("TODAY", 1), ("SOON", 2), ("LATE", 1)]
    with pytest.raises(InsufficientStock, match="only 8 usable"):
        pick_fefo(stock, 9, today)
    assert [h.lot_number for h in expiring(stock, today, 40)] == ["GONE", "TODAY", "SOON"]


def test_qa_splits_the_quarantined_quantity():
    assert qa_split(6, Meaning.RELEASED) == (6, 0)
    assert qa_split(6, Meaning.REJECTED) == (0, 6)
    assert qa_split(6, Meaning.PARTIALLY_RELEASED, 4) == (4, 2)
    for wrong in (None, 0, 6, 7):
        with pytest.raises(ValueError):
            qa_split(6, Meaning.PARTIALLY_RELEASED, wrong)


def test_held_stock_is_shared_among_the_decisions_that_released_it_newest_first():
    assert allocate_hold(6, [(9, 4), (3, 6)]) == {9: 4, 3: 2}  # line 9 released 4, then line 3 the rest
    assert allocate_hold(3, [(9, 4), (3, 6)]) == {9: 3}  # consumption took the rest: the newest holds it
    assert allocate_hold(10, [(9, 4), (3, 2)]) == {9: 8, 3: 2}  # an opening balance: to the newest decision
    assert allocate_hold(0, [(9, 0)]) == {} and allocate_hold(5, []) == {}  # a rejection: nothing to hold


@given(st.floats(0, 1e6), st.lists(st.tuples(st.integers(1, 50), st.floats(0, 1e6)), min_size=1, max_size=6,
                                   unique_by=lambda decision: decision[0]))
def test_a_hold_never_creates_or_loses_units(held, decisions):
    shares = allocate_hold(held, decisions)
    assert sum(shares.values()) == pytest.approx(held)
    released = dict(decisions)
    assert all(share <= released[line] + 1e-9 for line, share in shares.items() if line != decisions[0][0])


def test_a_signature_binds_its_record_and_no_other():
    content = {"lot": "SK2609-031", "released": 6.0}
    digest = record_digest("receipt_line", 7, content)
    signed_at = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    facts = SignatureFacts("qa", "Dr. Malee S.", Meaning.RELEASED, signed_at, digest)
    signed = signature_digest(facts)
    assert still_binds(facts, signed, record_digest("receipt_line", 7, dict(content)))
    # moved to another record:
    assert not still_binds(facts, signed, record_digest("receipt_line", 8, content))
    assert not still_binds(facts, signed, record_digest("receipt_line", 7, {**content, "released": 5.0}))
    forged = SignatureFacts("qa", "Dr. Malee S.", Meaning.REJECTED, facts.signed_at, digest)
    assert not still_binds(forged, signed, digest)  # the meaning cannot be changed after signing
