"""The audit trail as an inspector reads it: "field: old → new", records and people by name (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from logistics.core.audit import AuditRecord, encode_value
from logistics.core.audit_display import (
    NameBook,
    display_rows,
    kind_name,
    mentioned,
    naming_order,
    plain_value,
    pointed_at,
    record_name,
    removed,
    utc_text,
)

AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
BANGKOK = ZoneInfo("Asia/Bangkok")
REFERENCES = {  # as the schema's foreign keys say (services.audit_names.column_references)
    ("shipment_lines", "shipment_id"): "shipments", ("shipment_lines", "lot_id"): "lots",
    ("lots", "item_id"): "items", ("legs", "shipment_id"): "shipments", ("legs", "from_site_id"): "sites",
    ("legs", "to_site_id"): "sites", ("shipments", "origin_id"): "sites",
    ("logger_assignments", "logger_id"): "loggers", ("logger_assignments", "shipment_id"): "shipments",
    ("logger_assignments", "storage_zone_id"): "storage_zones",
}
BOOK = NameBook(
    records={("shipments", "3"): {"reference": "HG-2026-0045"}, ("items", "1"): {"code": "SEL-CD34"},
             ("lots", "7"): {"item_id": 1, "lot_number": "SK2609-031"},
             ("lots", "8"): {"item_id": 1, "lot_number": "SK2609-032"},
             ("shipment_lines", "12"): {"shipment_id": 3, "lot_id": 7},
             ("sites", "1"): {"code": "HG-SZ"}, ("sites", "2"): {"code": "SIRIRAJ-PH"},
             ("loggers", "4"): {"code": "LG-24003"}, ("storage_zones", "2"): {"code": "SIR-FRIDGE-1"}},
    references=REFERENCES, people={"logistics": "Li Wei"})


def event(action, entity, entity_id, field=None, old=None, new=None, *, number=1, actor="logistics",
          reason="checked"):
    return AuditRecord(id=number, at=AT, actor=actor, action=action, entity=entity, entity_id=entity_id,
                       field=field, old_value=encode_value(old), new_value=encode_value(new), reason=reason,
                       prev_hash="0" * 64, hash="1" * 64)


def test_a_change_reads_field_old_arrow_new_with_the_records_name_and_the_persons_name():
    [row] = display_rows([event("update", "shipments", "3", "status", "packed", "in_transit")], BOOK)
    assert (row.record, row.actor_name, row.reason) == ("HG-2026-0045", "Li Wei", "checked")
    assert [change.text() for change in row.changes] == ["status: packed → in_transit"]


def test_an_id_pointing_at_a_record_is_shown_by_that_records_name():
    [row] = display_rows([event("update", "shipment_lines", "12", "lot_id", 7, 8)], BOOK)
    assert row.record == "HG-2026-0045 line SEL-CD34/SK2609-031"
    [change] = row.changes
    assert change.text() == "lot: SEL-CD34/SK2609-031 → SEL-CD34/SK2609-032"


def test_a_created_record_lists_its_values_without_its_id_and_empty_fields():
    created = event("create", "legs", "5", new={"id": 5, "shipment_id": 3, "sequence": 2, "mode": "air",
                                                 "from_site_id": 1, "to_site_id": 2, "carrier": None,
                                                 "planned_start": "2026-11-24T13:00:00+08:00"})
    [row] = display_rows([created], BOOK)
    assert [change.text() for change in row.changes] == [
        "from site: HG-SZ", "mode: air", "planned start: 2026-11-24 05:00 UTC", "sequence: 2",
        "shipment: HG-2026-0045", "to site: SIRIRAJ-PH"]
    assert all(change.old is None for change in row.changes)
    planned = next(change for change in row.changes if change.field == "planned_start")
    assert planned.text(when=lambda moment: f"{moment.astimezone(BANGKOK):%d %b %H:%M %z}") == (
        "planned start: 24 Nov 12:00 +0700")  # a reader's zone, where the page or the report says so


def test_a_removed_record_is_named_as_it_was_and_shows_what_was_removed_and_why():
    gone = event("delete", "logger_assignments", "9", reason="wrong logger packed",
                 old={"id": 9, "logger_id": 4, "shipment_id": 3, "storage_zone_id": None,
                      "starts_at": "2026-11-24T05:00:00+00:00", "ends_at": None})
    known = removed([gone])
    assert known == {("logger_assignments", "9"): {"id": 9, "logger_id": 4, "shipment_id": 3,
                                                   "storage_zone_id": None,
                                                   "starts_at": "2026-11-24T05:00:00+00:00", "ends_at": None}}
    book = NameBook(records={**BOOK.records, **known}, references=REFERENCES, people=BOOK.people)
    [row] = display_rows([gone], book)
    assert (row.action, row.record) == ("delete", "LG-24003 in HG-2026-0045")
    assert row.reason == "wrong logger packed"
    assert [change.text() for change in row.changes] == [
        "logger: LG-24003", "shipment: HG-2026-0045", "starts at: 2026-11-24 05:00 UTC"]
    assert all(change.new is None for change in row.changes)


def test_what_is_not_in_the_book_is_shown_by_its_id_and_people_without_a_name_by_user_name():
    [row] = display_rows([event("update", "shipment_lines", "99", "lot_id", 7, 70, actor="scheduler")], BOOK)
    assert (row.record, row.actor_name) == ("#99", "scheduler")
    assert row.changes[0].text() == "lot: SEL-CD34/SK2609-031 → #70"
    assert record_name(("signing_failures", "3"), BOOK) == "#3"  # a kind with no name of its own


def test_the_records_to_look_up_are_the_events_own_and_those_their_values_point_at():
    events = [event("update", "shipment_lines", "12", "lot_id", 7, 8),
              event("create", "legs", "5",
                    new={"id": 5, "shipment_id": 3, "from_site_id": 1, "to_site_id": 2}),
              event("update", "shipments", "3", "notes", None, "keep cold")]
    assert mentioned(events, REFERENCES) == {"shipment_lines": {"12"}, "lots": {"7", "8"}, "legs": {"5"},
                                             "shipments": {"3"}, "sites": {"1", "2"}}
    assert pointed_at("lots", {"item_id": 1, "lot_number": "X"}, REFERENCES) == [("items", "1")]
    assert pointed_at("logger_assignments", {"logger_id": 4, "shipment_id": None, "storage_zone_id": 2},
                      REFERENCES) == [("loggers", "4"), ("storage_zones", "2")]


def test_each_kind_is_looked_up_before_the_kinds_its_name_is_made_of():
    order = naming_order(REFERENCES)
    assert order.index("shipment_lines") < order.index("lots") < order.index("items")
    assert order.index("shipment_lines") < order.index("shipments")
    assert order.index("logger_assignments") < min(order.index("loggers"), order.index("storage_zones"))


def test_values_read_as_people_write_them():
    assert [plain_value(value) for value in (None, True, False, 6.0, 1.1, -2, "kit", [1, 2], {"b": 1})] == [
        "—", "yes", "no", "6", "1.1", "-2", "kit", "[1, 2]", '{"b": 1}']
    assert plain_value("2026-11-24T13:30:15.5+08:00") == datetime(2026, 11, 24, 5, 30, 15, 500000, tzinfo=UTC)
    assert utc_text(datetime(2026, 11, 24, 5, 30, 15, tzinfo=UTC)) == "2026-11-24 05:30:15 UTC"
    assert plain_value("2026-11-24T13:30:00") == "2026-11-24T13:30:00"  # no offset: not a moment
    assert plain_value("2027-06-30") == "2027-06-30"
    assert kind_name("shipment_lines") == "shipment line" and kind_name("legs") == "route leg"


def test_a_redacted_change_stays_redacted():
    hidden = AuditRecord(id=1, at=AT, actor="admin", action="update", entity="users", entity_id="2",
                         field="password_hash", old_value='"[redacted]"', new_value='"[redacted]"',
                         reason=None, prev_hash="0" * 64, hash="1" * 64)
    [row] = display_rows([hidden], BOOK)
    assert row.changes[0].text() == "password hash: [redacted] → [redacted]"


def test_a_time_whose_utc_falls_outside_the_calendar_is_shown_as_written():
    assert plain_value("0001-01-01T00:00:00+08:00") == "0001-01-01T00:00:00+08:00"
    assert plain_value("9999-12-31T23:59:00-14:00") == "9999-12-31T23:59:00-14:00"
