"""Shipment use cases against a real database of each kind."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from logistics.core.lifecycle import ShipmentStatus
from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, Shipment
from logistics.schemas.shipments import ShipmentCreate, ShipmentUpdate
from logistics.services import shipments
from logistics.services.errors import InputError, NotFound
from tests.conftest import NOW

LATER = NOW + timedelta(hours=3)


@pytest.fixture
def demo(demo_runtime):
    return demo_runtime


def draft(**changes):
    fields = dict(reference="HG-2026-0100", origin="HG-SZ", destination="SIRIRAJ-PH",
                  air_waybill="160 4812203 4", planned_departure=NOW,
                  planned_arrival=NOW + timedelta(days=3), packaging_validated_hours=96)
    return ShipmentCreate(**{**fields, **changes})


def test_the_demo_scenario_loads_in_every_state(demo):
    with demo.sessions() as session:
        page = shipments.list_shipments(session, per_page=50)
    assert page.total == 6
    assert {item.status for item in page.items} == {
        "closed", "received", "in_transit", "arrived", "packed", "planned"}


def test_a_created_shipment_is_planned_and_whole(demo):
    with unit_of_work(demo.sessions, actor="li.wei") as session:
        shipments.create_shipment(session, draft())
    with demo.sessions() as session:
        shown = shipments.describe_shipment(session, "HG-2026-0100")
        stored = session.exec(select(Shipment).where(Shipment.reference == "HG-2026-0100")).one()
    assert shown.status == ShipmentStatus.PLANNED
    assert shown.air_waybill == "160-48122034"
    assert shown.next_statuses == [ShipmentStatus.PACKED, ShipmentStatus.CANCELLED]
    assert shown.packaging_validated_hours == 96
    assert stored.packaging_validated_s == 96 * 3600  # stored in seconds


@pytest.mark.parametrize(("changes", "field", "message"), [
    (dict(reference="HG-2026-0045"), "reference", "already used"),
    (dict(origin="NOWHERE"), "origin", "no site with code 'NOWHERE'"),
    (dict(destination="ZZZ"), "destination", "no site with code 'ZZZ'"),
])
def test_bad_references_to_other_records_name_the_field(demo, changes, field, message):
    with pytest.raises(InputError) as raised:
        with unit_of_work(demo.sessions, actor="li.wei") as session:
            shipments.create_shipment(session, draft(**changes))
    assert message in raised.value.errors[field]


def test_a_status_change_follows_the_lifecycle_and_stamps_times(demo):
    with unit_of_work(demo.sessions, actor="li.wei", reason="truck left") as session:
        shipments.update_shipment(session, "HG-2026-0047", ShipmentUpdate(status="in_transit"),
                                  now=LATER)
    with demo.sessions() as session:
        stored = shipments.get_shipment(session, "HG-2026-0047")
        trail = session.exec(select(AuditEvent).where(AuditEvent.entity_id == str(stored.id),
                                                      AuditEvent.entity == "shipments",
                                                      AuditEvent.actor == "li.wei")).all()
    assert stored.status == "in_transit" and stored.actual_departure == LATER
    assert {event.field for event in trail} == {"status", "actual_departure"}
    assert {event.reason for event in trail} == {"truck left"}


def test_an_invalid_status_change_is_refused_and_nothing_changes(demo):
    with pytest.raises(InputError, match="cannot go from in_transit to cancelled"):
        with unit_of_work(demo.sessions, actor="li.wei") as session:
            shipments.update_shipment(session, "HG-2026-0045",
                                      ShipmentUpdate(status="cancelled"), now=LATER)
    with demo.sessions() as session:
        assert shipments.get_shipment(session, "HG-2026-0045").status == "in_transit"


def test_a_partial_update_changes_only_what_was_sent(demo):
    with unit_of_work(demo.sessions, actor="li.wei") as session:
        shipments.update_shipment(session, "HG-2026-0048",
                                  ShipmentUpdate(import_permit="TFDA-IMP-2026-00500"), now=LATER)
    with demo.sessions() as session:
        shown = shipments.describe_shipment(session, "HG-2026-0048")
    assert shown.import_permit == "TFDA-IMP-2026-00500"
    assert shown.packaging_validated_hours == 120


def test_an_update_cannot_put_arrival_before_departure(demo):
    with pytest.raises(InputError) as raised:
        with unit_of_work(demo.sessions, actor="li.wei") as session:
            shipments.update_shipment(
                session, "HG-2026-0048",
                ShipmentUpdate(planned_arrival=datetime(2020, 1, 1, tzinfo=UTC)), now=LATER)
    assert "planned_arrival" in raised.value.errors


def listed(session, **criteria):
    page = shipments.list_shipments(session, shipments.ShipmentFilter(**criteria))
    return [s.reference for s in page.items]


def test_lists_filter_by_status_and_text_and_paginate(demo):
    with demo.sessions() as session:
        assert listed(session, status="arrived") == ["HG-2026-0046"]
        assert listed(session, search="784-5530") == ["HG-2026-0044"]
        first = shipments.list_shipments(session, page=1, per_page=4)
        second = shipments.list_shipments(session, page=2, per_page=4)
    assert (first.total, len(first.items), len(second.items)) == (6, 4, 2)
    assert not {s.reference for s in first.items} & {s.reference for s in second.items}


def test_an_air_waybill_is_found_with_its_spaces_and_dashes_or_without(demo):
    with demo.sessions() as session:
        assert listed(session, search="16048122034") == ["HG-2026-0041"]  # stored as 160-48122034
        assert listed(session, search=" 160 4812 2034 ") == ["HG-2026-0041"]
        assert listed(session, search="160-4812-3880") == ["HG-2026-0045"]
        assert listed(session, search="7845530") == ["HG-2026-0044"]
        assert sorted(listed(session, search="1604812")) == ["HG-2026-0041", "HG-2026-0045", "HG-2026-0047"]
        assert listed(session, search="hg-2026-0046") == ["HG-2026-0046"]  # references in any case
        assert listed(session, search="16048122035") == []
        assert listed(session, search="99999999999999999999") == []  # a number beyond 64 bits is text here
        assert listed(session, search="%") == listed(session, search="_") == []  # characters, not wildcards
        assert listed(session, search="HG-2026-004_") == []


def test_lists_filter_by_route_departure_dates_and_contents(demo):
    from datetime import timedelta

    from tests.conftest import NOW
    with demo.sessions() as session:
        to_cell_manufacturing = listed(session, destination="SIRIRAJ-CM")
        assert to_cell_manufacturing and "HG-2026-0045" not in to_cell_manufacturing
        assert listed(session, destination="SIRIRAJ-CM", origin="HG-SZ") == to_cell_manufacturing
        assert "HG-2026-0045" in listed(session, lot="SK2609-031", item="SEL-CD34")
        assert "HG-2026-0045" not in listed(session, lot="SK2607-114")
        today = NOW.date()  # HG-2026-0045 left 8.5 h before the demo's NOW, 06:00 UTC: the day before
        assert "HG-2026-0045" in listed(session, departs_from=today - timedelta(days=1), departs_to=today)
        assert "HG-2026-0045" not in listed(session, departs_from=today)


def test_a_missing_shipment_is_not_found(demo):
    with demo.sessions() as session, pytest.raises(NotFound, match="no shipment 'HG-0'"):
        shipments.describe_shipment(session, "HG-0")


def test_describe_shows_contents_legs_loggers_and_milestones(demo):
    with demo.sessions() as session:
        shown = shipments.describe_shipment(session, "HG-2026-0045")
    assert [(line.item_code, line.quantity, line.unit) for line in shown.lines][:2] == [
        ("SEL-CD34", 6.0, "kit"), ("MED-HSC", 12.0, "bottle")]
    assert [leg.mode for leg in shown.legs] == ["truck", "air", "customs", "courier"]
    assert [a.logger for a in shown.loggers] == ["LG-24003", "LG-24004"]
    assert shown.legs[1].actual_start == NOW - timedelta(hours=1)
    assert shown.legs[1].actual_end is None
