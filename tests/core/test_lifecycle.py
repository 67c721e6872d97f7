import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.lifecycle import (
    ALLOWED,
    InvalidTransition,
    ShipmentStatus,
    next_statuses,
    transition,
)

S = ShipmentStatus


def test_the_happy_path_runs_from_planned_to_closed():
    status = S.PLANNED
    for target in (S.PACKED, S.IN_TRANSIT, S.ARRIVED, S.RECEIVED, S.CLOSED):
        status = transition(status, target)
    assert status == S.CLOSED


@pytest.mark.parametrize("source", [S.PLANNED, S.PACKED])
def test_unshipped_goods_can_be_cancelled(source):
    assert transition(source, "cancelled") == S.CANCELLED


@pytest.mark.parametrize("source", [S.IN_TRANSIT, S.ARRIVED, S.RECEIVED, S.CLOSED])
def test_goods_on_their_way_cannot_be_cancelled(source):
    with pytest.raises(InvalidTransition, match=f"cannot go from {source.value} to cancelled"):
        transition(source, S.CANCELLED)


def test_the_error_names_the_allowed_next_statuses():
    with pytest.raises(InvalidTransition, match="allowed next: packed, cancelled"):
        transition("planned", "arrived")
    with pytest.raises(InvalidTransition, match=r"allowed next: none \(final\)"):
        transition("closed", "planned")


def test_an_unknown_status_is_named():
    with pytest.raises(InvalidTransition, match="'shipped' is not a valid ShipmentStatus"):
        transition("planned", "shipped")


def test_next_statuses_are_in_lifecycle_order():
    assert next_statuses("packed") == [S.PLANNED, S.IN_TRANSIT, S.CANCELLED]


@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_any_sequence_of_requests_only_follows_allowed_edges(requests):
    status = S.PLANNED
    for target in requests:
        try:
            new = transition(status, target)
        except InvalidTransition:
            continue
        assert new in ALLOWED[status]
        status = new
    assert status in set(S)


def test_final_states_have_no_way_out():
    assert ALLOWED[S.CLOSED] == ALLOWED[S.CANCELLED] == frozenset()
