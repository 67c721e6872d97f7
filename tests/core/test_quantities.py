import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.quantities import (
    QuantityRule,
    grouped,
    plain_number,
    quantity_problem,
    read_plain_number,
    read_quantity,
)
from logistics.core.refusals import Refusal
from logistics.core.units import QuantityError

KITS = QuantityRule(item="SEL-CD34", unit="kit", most=10_000)
MEDIUM = QuantityRule(item="MED-X", unit="mL", most=10_000)
BAGS = QuantityRule(item="CRYO-BAG", unit="bag", most=500)


@pytest.mark.parametrize(("text", "rule", "expected"), [
    ("12 kit", KITS, 12.0),
    ("12 kits", KITS, 12.0),
    ("12", KITS, 12.0),
    ("10000", KITS, 10_000.0),  # the bound itself is allowed
    ("1.5 mL", MEDIUM, 1.5),  # measured units may be fractional
    ("0.5 L", MEDIUM, 500.0),
    ("500 bags", BAGS, 500.0),
])
def test_sensible_quantities_are_read_in_the_items_unit(text, rule, expected):
    assert read_quantity(text, rule) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "rule", "message"), [
    ("1.5 kit", KITS, "must be a whole number of kit (they are counted, not measured), got 1.5"),
    ("2.25", BAGS, "must be a whole number of bag (they are counted, not measured), got 2.25"),
    ("1e3 bag", BAGS, "write the number out in full, not in scientific notation ('1e3 bag')"),
    ("1E3", KITS, "not in scientific notation"),
    ("2.5e-1 mL", MEDIUM, "not in scientific notation"),
    ("1e3bag", BAGS, "not in scientific notation"),
    ("100000 kit", KITS, "must be at most 10,000 kit, the largest quantity of SEL-CD34 one entry may hold"),
    ("501", BAGS, "must be at most 500 bag"),
    ("10.001 L", MEDIUM, "must be at most 10,000 mL"),
    ("0", KITS, "must be more than nothing"),
    ("0 mL", MEDIUM, "must be more than nothing"),
    ("inf", KITS, "cannot read 'inf' as a quantity"),
    ("nan kit", KITS, "cannot read"),
])
def test_quantities_that_make_no_sense_are_refused_saying_why(text, rule, message):
    with pytest.raises(QuantityError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_quantity(text, rule)


@pytest.mark.parametrize(("amount", "zero_allowed", "expected"), [
    (0.0, True, None),
    (3.0, True, None),
    (0.0, False, "must be more than nothing"),
    (-1.0, True, "must be zero or more, got -1"),
    (math.nan, True, "must be zero or more, got nan"),
    (math.inf, False, "must be more than nothing"),
    (2.5, True, "must be a whole number of kit (they are counted, not measured), got 2.5"),
    (10_001.0, True, "must be at most 10,000 kit, the largest quantity of SEL-CD34 one entry may hold"),
])
def test_the_rule_decides_on_numbers_too(amount, zero_allowed, expected):
    assert quantity_problem(amount, KITS, zero_allowed=zero_allowed) == expected


def test_a_refusal_keeps_its_template_and_values_for_translation():
    problem = quantity_problem(1.5, KITS)
    assert isinstance(problem, Refusal)
    assert problem.template == ("must be a whole number of %(unit)s (they are counted, not measured), got "
                                "%(amount)s")
    assert problem.values == {"unit": "kit", "amount": "1.5"}
    with pytest.raises(QuantityError) as raised:
        read_quantity("1e9", KITS)
    assert raised.value.refusal.values == {"text": "'1e9'"}


@pytest.mark.parametrize(("text", "expected"), [("12", 12.0), (" 0.5 ", 0.5), ("-3", -3.0), (".25", 0.25),
                                                ("7.", 7.0)])
def test_plain_numbers_are_read(text, expected):
    assert read_plain_number(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("1e3", "not in scientific notation ('1e3')"),
    ("2.5E-4", "not in scientific notation"),
    ("inf", "enter a number written out in full"),
    ("nan", "enter a number written out in full"),
    ("1,000", "enter a number written out in full"),
    ("", "enter a number written out in full"),
    ("0x10", "enter a number written out in full"),
])
def test_anything_but_a_plain_number_is_refused(text, message):
    with pytest.raises(QuantityError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_plain_number(text)


@pytest.mark.parametrize(("value", "plain", "with_groups"), [
    (12.0, "12", "12"),
    (10_000.0, "10000", "10,000"),
    (1_234_567.0, "1234567", "1,234,567"),  # '%g' wrote 1.23457e+06
    (0.00001, "0.00001", "0.00001"),
    (2.5, "2.5", "2.5"),
    (1e22, "10000000000000000000000", "10,000,000,000,000,000,000,000"),
])
def test_numbers_are_written_out_in_full(value, plain, with_groups):
    assert plain_number(value) == plain
    assert grouped(value) == with_groups


@given(st.floats(min_value=0, max_value=1e15, allow_nan=False))
def test_a_number_written_out_reads_back_as_itself(value):
    written = plain_number(value)
    assert "e" not in written.lower()
    assert read_plain_number(written) == value
