import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.quantities import plain_number
from logistics.core.units import QuantityError, check_unit, parse_quantity


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("500 mL", "L", 0.5),
    ("1.5 L", "mL", 1500.0),
    ("12 kit", "kit", 12.0),
    ("12 kits", "kit", 12.0),
    ("3", "bag", 3.0),
    ("40 bags", "bag", 40.0),
    ("250 µg", "mg", 0.25),
])
def test_quantities_are_expressed_in_the_unit_of_issue(text, unit, expected):
    assert parse_quantity(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "unit", "message"), [
    ("12 kit", "bag", "'12 kit' cannot be expressed in bag"),
    ("500 mL", "kit", "cannot be expressed in kit"),
    ("1 bag", "kg", "cannot be expressed in kg"),  # a bag is a count, not pint's bag of cement
    ("twelve", "kit", "cannot read 'twelve' as a quantity"),
    ("", "kit", "a quantity is required"),
    ("-2 kit", "kit", "non-negative"),
    ("5 floops", "mL", "unknown unit .floops."),
    ("2**1000**1000 mL", "mL", "cannot read"),
    ("1e3 bag", "bag", "not in scientific notation"),
    ("1e308 bottle", "bottle", "not in scientific notation"),
])
def test_bad_quantities_are_refused_with_a_reason(text, unit, message):
    with pytest.raises(QuantityError, match=message):
        parse_quantity(text, unit)


def test_unknown_units_are_named():
    assert check_unit("vial") == "vial"
    with pytest.raises(QuantityError, match="unknown unit 'flask'"):
        check_unit("flask")


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.sampled_from(["mL", "L", "uL"]))
def test_volume_round_trips_through_millilitres(value, unit):
    in_ml = parse_quantity(f"{plain_number(value)} {unit}", "mL")
    assert parse_quantity(f"{plain_number(in_ml)} mL", unit) == pytest.approx(value, rel=1e-9, abs=1e-12)


@given(st.text(max_size=30))
def test_no_text_escapes_as_anything_but_a_quantity_error(text):
    try:
        value = parse_quantity(text, "kit")
    except QuantityError:
        return
    assert value >= 0
