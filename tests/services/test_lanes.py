"""Lanes against a real database of each kind: record, change, plan a shipment from one; all audited."""

from datetime import timedelta

import pytest
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, Lane, LaneLeg, LoggerAssignment, Shipment
from logistics.schemas.lanes import LaneCreate, LaneFields, LaneShipment
from logistics.services import lanes, shipments
from logistics.services.errors import InputError, NotFound
from tests.conftest import NOW

LEGS = [
    {"mode": "truck", "origin": "HG-SZ", "destination": "HKG", "carrier": "SZ Cold Express",
     "duration_hours": 4},
    {"mode": "air", "origin": "HKG", "destination": "BKK", "carrier": "Cathay Cargo", "wait_hours": 3.5,
     "duration_hours": 3},
    {"mode": "customs", "origin": "BKK", "destination": "BKK", "wait_hours": 1, "duration_hours": 24},
    {"mode": "courier", "origin": "BKK", "destination": "SIRIRAJ-PH", "wait_hours": 4, "duration_hours": 2},
]


def lane_draft(**changes):
    fields = dict(code="TEST-HKG-PH", name="Test lane via Hong Kong", origin="HG-SZ",
                  destination="SIRIRAJ-PH",
                  packaging="Passive shipper, 2–8 °C", packaging_hold_hours=96,
                  storage_profiles=["refrigerated"], loggers_per_box=2, coolant="gel_packs", legs=LEGS)
    return LaneCreate.model_validate({**fields, **changes})


def record(runtime, draft, actor="li.wei"):
    with unit_of_work(runtime.sessions, actor=actor, reason="lane added") as session:
        lanes.create_lane(session, draft, runtime.profiles)


def test_a_lane_is_recorded_whole_and_audited(demo_runtime):
    record(demo_runtime, lane_draft())
    with demo_runtime.sessions() as session:
        shown = lanes.describe_lane(session, "TEST-HKG-PH")
        lane_id = session.exec(select(Lane.id).where(Lane.code == "TEST-HKG-PH")).one()
        created = session.exec(select(AuditEvent.entity).where(AuditEvent.action == "create",
                                                               AuditEvent.actor == "li.wei")).all()
    assert shown.route == ["HG-SZ", "HKG", "BKK", "SIRIRAJ-PH"]
    assert shown.transit_hours == 41.5
    assert [(leg.sequence, leg.mode, leg.wait_hours, leg.duration_hours) for leg in shown.legs] == [
        (1, "truck", 0, 4), (2, "air", 3.5, 3), (3, "customs", 1, 24), (4, "courier", 4, 2)]
    assert (shown.storage_profiles, shown.loggers_per_box) == (["refrigerated"], 2)
    assert shown.coolant == "gel_packs"
    assert shown.warnings == [] and shown.shipments == 0
    assert sorted(created) == ["lane_legs"] * 4 + ["lanes"]
    assert lane_id is not None


@pytest.mark.parametrize(("changes", "field", "message"), [
    (dict(origin="NOWHERE"), "origin", "no site with code 'NOWHERE'"),
    (dict(storage_profiles=["warm"]), "storage_profiles", "no storage profile 'warm'"),
    (dict(legs=LEGS[:3]), "legs.2.destination", "the last leg must arrive at the lane's destination"),
    (dict(legs=[LEGS[0], {**LEGS[1], "origin": "SZX"}, *LEGS[2:]]), "legs.1.origin",
     "must be HKG, where the leg before arrives"),
    (dict(legs=[{**LEGS[0], "destination": "XYZ"}, *LEGS[1:]]), "legs.0.destination", "no site with code"),
    (dict(coolant="dry_ice"), "coolant_kg", "give the net kg of dry ice"),
])
def test_a_lane_that_does_not_join_up_is_refused_naming_the_field(demo_runtime, changes, field, message):
    with pytest.raises(InputError) as raised:
        record(demo_runtime, lane_draft(**changes))
    assert message in raised.value.errors[field]
    with demo_runtime.sessions() as session:
        assert session.exec(select(Lane).where(Lane.code == "TEST-HKG-PH")).first() is None


def test_a_packaging_shorter_than_the_transit_is_warned_not_refused(demo_runtime):
    record(demo_runtime, lane_draft(packaging_hold_hours=36))
    with demo_runtime.sessions() as session:
        assert lanes.describe_lane(session, "TEST-HKG-PH").warnings == [
            "The packaging is qualified for 36 h, but the lane is planned to take 41.5 h from departure to "
            "arrival: a delay would leave the goods without their range."]


def test_changing_a_lane_keeps_each_leg_and_the_trail_says_old_and_new(demo_runtime):
    record(demo_runtime, lane_draft())
    shorter = LaneFields.model_validate(lane_draft().model_dump(exclude={"code"}) | {
        "legs": [LEGS[0], {**LEGS[1], "duration_hours": 2.5}, LEGS[2], LEGS[3]], "loggers_per_box": 1})
    with unit_of_work(demo_runtime.sessions, actor="li.wei", reason="CX701 is faster now") as session:
        lanes.update_lane(session, "TEST-HKG-PH", shorter, demo_runtime.profiles)
    with demo_runtime.sessions() as session:
        assert lanes.describe_lane(session, "TEST-HKG-PH").transit_hours == 41
        changed = session.exec(select(AuditEvent.entity, AuditEvent.field, AuditEvent.old_value,
                                      AuditEvent.new_value, AuditEvent.reason)
                               .where(AuditEvent.action == "update", AuditEvent.actor == "li.wei")).all()
        assert len(session.exec(select(LaneLeg).join(Lane).where(Lane.code == "TEST-HKG-PH")).all()) == 4
    assert sorted(changed) == [("lane_legs", "duration_s", "10800.0", "9000.0", "CX701 is faster now"),
                               ("lanes", "loggers_per_box", "2", "1", "CX701 is faster now")]
    with pytest.raises(NotFound), demo_runtime.sessions() as session:
        lanes.update_lane(session, "NO-SUCH", shorter, demo_runtime.profiles)


def test_a_shorter_route_deletes_the_legs_past_its_end(demo_runtime):
    record(demo_runtime, lane_draft())
    direct = lane_draft(legs=[{**LEGS[0], "destination": "SIRIRAJ-PH", "mode": "truck"}]).model_dump(
        exclude={"code"})
    with unit_of_work(demo_runtime.sessions, actor="li.wei", reason="by road") as session:
        lanes.update_lane(session, "TEST-HKG-PH", LaneFields.model_validate(direct), demo_runtime.profiles)
    with demo_runtime.sessions() as session:
        assert lanes.describe_lane(session, "TEST-HKG-PH").route == ["HG-SZ", "SIRIRAJ-PH"]
        deleted = session.exec(select(AuditEvent.entity).where(AuditEvent.action == "delete")).all()
    assert deleted == ["lane_legs"] * 3


def test_a_shipment_from_a_lane_has_its_legs_planned_from_the_departure_and_remembers_it(demo_runtime):
    record(demo_runtime, lane_draft())
    with demo_runtime.sessions() as session:
        plan = lanes.shipment_plan(session, "TEST-HKG-PH", reference="HG-2026-0200", departure=NOW)
    assert [(leg.planned_start - NOW, leg.planned_end - NOW) for leg in plan.legs] == [
        (timedelta(hours=start), timedelta(hours=end)) for start, end in ((0, 4), (7.5, 10.5), (11.5, 35.5),
                                                                          (39.5, 41.5))]
    assert plan.shipment.planned_arrival == NOW + timedelta(hours=41.5)
    assert plan.shipment.packaging == "Passive shipper, 2–8 °C"
    assert plan.shipment.packaging_validated_hours == 96
    confirmed = LaneShipment.model_validate(plan.model_dump() | {"loggers": ["LG-24008"]})
    with unit_of_work(demo_runtime.sessions, actor="li.wei", reason="planned from lane") as session:
        lanes.create_from_lane(session, confirmed)
    with demo_runtime.sessions() as session:
        shown = shipments.describe_shipment(session, "HG-2026-0200")
        assigned = session.exec(select(LoggerAssignment).join(Shipment).where(
            Shipment.reference == "HG-2026-0200")).all()
        shipment_id = session.exec(select(Shipment.id).where(Shipment.reference == "HG-2026-0200")).one()
        lane_id = session.exec(select(Lane.id).where(Lane.code == "TEST-HKG-PH")).one()
        linked = session.exec(select(AuditEvent.actor, AuditEvent.new_value).where(
            AuditEvent.entity == "shipments", AuditEvent.entity_id == str(shipment_id),
            AuditEvent.field == "lane_id")).all()
        assert lanes.describe_lane(session, "TEST-HKG-PH").shipments == 1
    assert shown.lane == "TEST-HKG-PH" and shown.coolant == "gel_packs"
    assert [(leg.mode, leg.origin, leg.destination, leg.planned_start) for leg in shown.legs] == [
        (leg.mode, leg.origin, leg.destination, leg.planned_start) for leg in plan.legs]
    assert shown.route_warnings == []
    assert [(row.starts_at, row.ends_at) for row in assigned] == [(NOW, None)]
    assert linked == [("li.wei", str(lane_id))]  # audited like any change to the shipment


def test_a_shipment_from_a_lane_is_refused_whole_when_a_leg_or_logger_does_not_fit(demo_runtime):
    record(demo_runtime, lane_draft())
    with demo_runtime.sessions() as session:
        plan = lanes.shipment_plan(session, "TEST-HKG-PH", reference="HG-2026-0201",
                                   departure=NOW).model_dump()
    plan["legs"][1]["planned_start"] = plan["legs"][0]["planned_start"]  # before the truck arrives
    with pytest.raises(InputError) as raised:
        with unit_of_work(demo_runtime.sessions, actor="li.wei") as session:
            lanes.create_from_lane(session, LaneShipment.model_validate(plan))
    assert list(raised.value.errors) == ["legs.1.planned_start"]
    plan["legs"][1]["planned_start"] = plan["legs"][0]["planned_end"]
    with pytest.raises(InputError) as raised:
        with unit_of_work(demo_runtime.sessions, actor="li.wei") as session:
            lanes.create_from_lane(session, LaneShipment.model_validate(plan | {"loggers": ["LG-NONE"]}))
    assert list(raised.value.errors) == ["loggers.0"]
    with demo_runtime.sessions() as session, pytest.raises(NotFound):
        shipments.get_shipment(session, "HG-2026-0201")


def test_the_demo_lanes_are_loaded_and_its_shipments_linked_to_the_lane_whose_legs_they_follow(demo_runtime):
    with demo_runtime.sessions() as session:
        listed = {lane.code: lane for lane in lanes.list_lanes(session).items}
        linked = {reference: shipments.describe_shipment(session, reference).lane for reference in (
            "HG-2026-0041", "HG-2026-0044", "HG-2026-0045", "HG-2026-0046", "HG-2026-0047", "HG-2026-0048")}
    assert listed["SZ-HKG-BKK-PH"].route == ["HG-SZ", "HKG", "BKK", "SIRIRAJ-PH"]
    assert listed["SZ-SZX-BKK-CM"].route == ["HG-SZ", "SZX", "BKK", "SIRIRAJ-CM"]
    assert (listed["SZ-SZX-BKK-CM"].coolant, listed["SZ-SZX-BKK-CM"].coolant_kg) == ("dry_ice", 12)
    assert all(lane.warnings == [] for lane in listed.values())
    assert linked == {"HG-2026-0041": "SZ-HKG-BKK-PH", "HG-2026-0044": "SZ-SZX-BKK-CM",
                      "HG-2026-0045": "SZ-HKG-BKK-PH", "HG-2026-0046": "SZ-SZX-BKK-CM",
                      "HG-2026-0047": "SZ-HKG-BKK-CM", "HG-2026-0048": "SZ-SZX-BKK-PH"}


def test_a_seed_file_with_a_bad_lane_is_refused_naming_the_lane_and_field():
    with pytest.raises(InputError) as raised:
        lanes.lane_drafts([{"code": "SZ-X", "name": "x", "origin": "HG-SZ", "destination": "BKK",
                            "legs": [{"mode": "boat", "origin": "HG-SZ", "destination": "BKK",
                                      "duration_hours": 1}]},
                           {"name": "no code", "origin": "HG-SZ", "destination": "BKK", "legs": []}])
    assert raised.value.errors == {"SZ-X.legs.0.mode": "choose one of truck, air, customs, courier, storage",
                                   "lane 2.code": "Field required"}
