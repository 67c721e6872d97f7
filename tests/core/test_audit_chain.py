from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from logistics.core.audit import GENESIS_HASH, AuditRecord, encode_value, event_hash, first_break

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def chain(values: list[str]) -> list[AuditRecord]:
    records, prev = [], GENESIS_HASH
    for index, value in enumerate(values, start=1):
        fields = dict(id=index, at=T0 + timedelta(seconds=index), actor="alice", action="update",
                      entity="shipments", entity_id="1", field="notes", old_value=None,
                      new_value=encode_value(value), reason="test", prev_hash=prev)
        prev = event_hash(**fields)
        records.append(AuditRecord(**fields, hash=prev))
    return records


def test_an_untouched_chain_verifies():
    assert first_break(chain(["a", "b", "c"])) is None
    assert first_break([]) is None


def test_an_edited_value_is_found():
    records = chain(["a", "b", "c"])
    records[1] = replace(records[1], new_value=encode_value("B"))
    assert first_break(records).event_id == 2
    assert "edited" in first_break(records).problem


def test_an_edited_and_rehashed_event_breaks_the_next_link():
    records = chain(["a", "b", "c"])
    forged = replace(records[1], actor="mallory")
    forged = replace(forged, hash=event_hash(**{k: v for k, v in vars(forged).items() if k != "hash"}))
    records[1] = forged
    broken = first_break(records)
    assert broken.event_id == 3 and "link" in broken.problem


def test_a_removed_event_is_found():
    records = chain(["a", "b", "c", "d"])
    del records[1]
    broken = first_break(records)
    assert broken.event_id == 3 and "missing" in broken.problem


def test_removing_the_first_event_is_found():
    assert first_break(chain(["a", "b"])[1:]).event_id == 2


@given(st.lists(st.text(), min_size=1, max_size=8), st.data())
def test_any_single_edit_is_detected(values, data):
    records = chain(values)
    index = data.draw(st.integers(0, len(records) - 1))
    new = data.draw(st.text().filter(lambda text: encode_value(text) != records[index].new_value))
    records[index] = replace(records[index], new_value=encode_value(new))
    assert first_break(records) is not None


def test_values_are_encoded_canonically():
    assert encode_value({"b": 1, "a": T0}) == '{"a":"2026-11-24T08:00:00+00:00","b":1}'
    assert encode_value(None) is None
