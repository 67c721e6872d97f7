"""An item's stability allowance: checked field by field."""

from __future__ import annotations

import pytest

from logistics.core.allowances import AllowanceError, checked_allowance


def test_a_usable_allowance_keeps_its_budget_in_seconds():
    allowance = checked_allowance(version=2, budget_hours=72, limit_c=25)
    assert (allowance.budget_s, allowance.budget_hours) == (259_200, 72)
    assert allowance.activation_energy_kj == 83.144


@pytest.mark.parametrize(("values", "field"), [
    ({"budget_hours": 0}, "budget_hours"),
    ({"budget_hours": float("inf")}, "budget_hours"),
    ({"limit_c": -300}, "limit_c"),
    ({"limit_c": float("nan")}, "limit_c"),
    ({"activation_energy_kj": 0}, "activation_energy_kj"),
])
def test_an_unusable_field_is_named(values, field):
    with pytest.raises(AllowanceError) as refused:
        checked_allowance(version=1, **{"budget_hours": 48, "limit_c": 25, **values})
    assert refused.value.field == field
