"""The dispatch gate's rules: each reason on a known case, a shipment that may leave, and what an override
covers."""

from dataclasses import replace
from datetime import date

import pytest

from logistics.core.dispatch_gate import (
    ClassRange,
    GateCode,
    GateFacts,
    GateLine,
    GateLogger,
    Transit,
    dispatch_reasons,
    uncovered,
)
from logistics.core.import_papers import PermitFacts, permit_problems
from logistics.core.legs import RouteLeg

H = 3600.0
# The shipped profiles' ranges as their rules watch them (frozen and colder watch only above).
RANGES = {"refrigerated": ClassRange(2.0, 8.0), "crt": ClassRange(15.0, 25.0),
          "frozen": ClassRange(None, -15.0), "dry_ice": ClassRange(None, -60.0),
          "ln2_vapour": ClassRange(None, -150.0)}
LEGS = (RouteLeg(1, "truck", "HG-SZ", "HKG"), RouteLeg(2, "air", "HKG", "BKK"),
        RouteLeg(3, "customs", "BKK", "BKK"), RouteLeg(4, "courier", "BKK", "SIRIRAJ-PH"))
PERMIT = PermitFacts("TFDA-CT-2026-0031", date(2026, 1, 1), date(2026, 12, 31),
                     frozenset({"SEL-CD34", "MED-HSC"}))
ARRIVAL = date(2026, 6, 5)
READY = GateFacts(
    origin="HG-SZ", destination="SIRIRAJ-PH", today=date(2026, 6, 3), arrival_day=ARRIVAL,
    lines=(GateLine("SEL-CD34", "SK2609-031", "refrigerated", date(2026, 12, 1), 30),
           GateLine("MED-HSC", "M26K05", "refrigerated", date(2026, 9, 1))),
    loggers=(GateLogger("LG-24001", date(2026, 12, 1)),), legs=LEGS, ranges=RANGES,
    packaging="Passive shipper, 2–8 °C, qualified 96 h", packaging_classes=frozenset({"refrigerated"}),
    coolant="gel_packs", hold_s=96 * H, transit=Transit(p90_s=52 * H, shipments=8, planned_s=40 * H))


def codes(facts):
    return [(reason.code, reason.subject) for reason in dispatch_reasons(facts)]


def test_a_shipment_with_everything_in_order_may_leave():
    assert dispatch_reasons(READY) == []


def test_the_import_permits_problems_are_reasons_as_they_are():
    for named, permit, arrival, items, expected in (
            (None, None, ARRIVAL, ["SEL-CD34"], [("permit_missing", None)]),
            ("TFDA-CT-2026-0031", PERMIT, date(2027, 1, 4), ["SEL-CD34"], [("permit_expired", None)]),
            ("TFDA-CT-2026-0031", PERMIT, ARRIVAL, ["SEL-CD34", "LV-BGLOB"],
             [("item_not_covered", "LV-BGLOB")])):
        problems = tuple(permit_problems(named, permit, arrival_day=arrival, item_codes=items))
        assert codes(replace(READY, permit=problems)) == expected
    missing = dispatch_reasons(replace(READY, permit=tuple(permit_problems(None, None, arrival_day=ARRIVAL,
                                                                           item_codes=[]))))
    assert missing[0].refusal == "no import permit is named: give the permit's number"


def test_without_a_planned_arrival_the_gate_says_so_once():
    assert codes(replace(READY, arrival_day=None)) == [(GateCode.ARRIVAL_UNKNOWN, None)]
    said = tuple(permit_problems("TFDA-CT-2026-0031", PERMIT, arrival_day=None, item_codes=["SEL-CD34"]))
    assert codes(replace(READY, arrival_day=None, permit=said)) == [("arrival_unknown", None)]


def test_no_recording_logger_or_one_whose_calibration_lapses_before_arrival():
    assert codes(replace(READY, loggers=())) == [(GateCode.NO_LOGGER, None)]
    lapsing = (GateLogger("LG-24001", date(2026, 12, 1)), GateLogger("LG-24006", date(2026, 6, 4)),
               GateLogger("LG-24003", date(2026, 6, 2)), GateLogger("LG-24004", ARRIVAL),
               GateLogger("LG-X", None))
    reasons = dispatch_reasons(replace(READY, loggers=lapsing))
    assert [(reason.code, reason.subject) for reason in reasons] == [
        (GateCode.CALIBRATION_OVERDUE, "LG-24006"), (GateCode.CALIBRATION_OVERDUE, "LG-24003")]
    assert reasons[0].refusal == ("the calibration of logger LG-24006 falls due on 2026-06-04, before the "
                                  "planned arrival on 2026-06-05")
    assert reasons[1].refusal == "the calibration of logger LG-24003 was due on 2026-06-02"


def test_a_passive_2_to_8_shipper_taking_frozen_and_room_temperature_lines_is_refused():
    """The case a new user met: refrigerated, frozen and room-temperature lines in one 2–8 °C shipper."""
    mixed = replace(READY, lines=(*READY.lines, GateLine("CYT-SCF", "SCF-2604-B", "frozen", date(2027, 1, 1)),
                                  GateLine("TUB-TS310", "TS26-0877", "crt", date(2027, 1, 1))))
    reasons = dispatch_reasons(mixed)
    assert [(reason.code, reason.subject) for reason in reasons] == [
        (GateCode.STORAGE_MIXED, "refrigerated+frozen"), (GateCode.STORAGE_MIXED, "refrigerated+crt"),
        (GateCode.STORAGE_MIXED, "frozen+crt"), (GateCode.STORAGE_NOT_FOR_PACKAGING, "frozen"),
        (GateCode.STORAGE_NOT_FOR_PACKAGING, "crt")]
    assert reasons[0].refusal == ("refrigerated goods (SEL-CD34, MED-HSC) and frozen goods (CYT-SCF) "
                                  "cannot travel in one box: their temperature ranges do not overlap")
    assert reasons[3].refusal == ("CYT-SCF need frozen, which the packaging (Passive shipper, 2–8 °C, "
                                  "qualified 96 h) is not qualified for")


def test_frozen_kits_travel_on_dry_ice_but_refrigerated_ones_do_not():
    dry_ice = replace(READY, packaging_classes=frozenset({"dry_ice", "frozen"}), coolant="dry_ice",
                      coolant_kg=12, lines=(GateLine("LV-BGLOB", "LV-B-26-007", "dry_ice", date(2028, 1, 1)),
                             GateLine("CYT-SCF", "SCF-2604-B", "frozen", date(2027, 1, 1))))
    assert dispatch_reasons(dry_ice) == []
    with_kits = replace(dry_ice, lines=(*dry_ice.lines, GateLine("SEL-CD34", "SK2609-031", "refrigerated",
                                                                 date(2027, 1, 1))))
    assert codes(with_kits) == [
        (GateCode.STORAGE_MIXED, "dry_ice+refrigerated"), (GateCode.STORAGE_MIXED, "frozen+refrigerated"),
        (GateCode.STORAGE_NOT_FOR_PACKAGING, "refrigerated"),
        (GateCode.STORAGE_NOT_FOR_COOLANT, "refrigerated")]
    ln2 = replace(READY, packaging_classes=frozenset(), coolant="ln2_dry_shipper", lines=(
        GateLine("REF-CELL", "RC-2501", "ln2_vapour", date(2030, 1, 1)),
        GateLine("SEL-CD34", "SK2609-031", "refrigerated", date(2027, 1, 1))))
    assert (GateCode.STORAGE_NOT_FOR_COOLANT, "refrigerated") in codes(ln2)
    assert (GateCode.STORAGE_NOT_FOR_COOLANT, "ln2_vapour") not in codes(ln2)


def test_legs_that_do_not_join_up_from_origin_to_destination():
    assert codes(replace(READY, legs=())) == [(GateCode.ROUTE_BROKEN, None)]
    gap = (LEGS[0], RouteLeg(2, "air", "SZX", "BKK"), *LEGS[2:3])
    reasons = dispatch_reasons(replace(READY, legs=gap))
    assert [str(reason.refusal) for reason in reasons] == [
        "Leg 2 starts at SZX, but leg 1 ends at HKG.",
        "The route ends at BKK, but the shipment goes to SIRIRAJ-PH."]


PLANNED_50 = "the packaging is qualified for 48.0 h, shorter than the planned transit of 50.0 h"


@pytest.mark.parametrize(("hold_h", "transit", "expected"), [
    (96, Transit(52 * H, 8, 40 * H), None),
    (48, Transit(52 * H, 8, 40 * H), "the packaging is qualified for 48.0 h, shorter than the lane's p90 "
                                     "door-to-door time of 52.0 h (8 shipments)"),
    (48, Transit(None, 0, 50 * H), PLANNED_50),
    (48, Transit(45 * H, 3, 50 * H), PLANNED_50),
    (48, Transit(None, 0, None), None),  # nothing to compare with
])
def test_the_packaging_must_hold_for_the_longer_of_the_lanes_p90_and_the_plan(hold_h, transit, expected):
    reasons = dispatch_reasons(replace(READY, hold_s=hold_h * H, transit=transit))
    assert [str(reason.refusal) for reason in reasons] == ([expected] if expected else [])
    assert codes(replace(READY, hold_s=None)) == [(GateCode.HOLD_UNKNOWN, None)]


def test_the_dry_ice_load_must_last_the_transit_at_the_sublimation_rate():
    dry = replace(READY, packaging_classes=frozenset(), coolant="dry_ice", coolant_kg=12, hold_s=96 * H,
                  lines=(GateLine("LV-BGLOB", "LV-B-26-007", "dry_ice", date(2028, 1, 1)),))
    assert dispatch_reasons(dry) == []  # 12 kg at 4 kg a day: 72 h, more than 52 h
    [short] = dispatch_reasons(replace(dry, coolant_kg=8))
    assert short.code == GateCode.DRY_ICE_SHORT and short.refusal == (
        "8 kg of dry ice lasts about 48.0 h at 4 kg a day, shorter than the lane's p90 door-to-door time of "
        "52.0 h (8 shipments)")
    assert dispatch_reasons(replace(dry, coolant_kg=8, sublimation_kg_per_day=2.5)) == []  # 76.8 h
    assert codes(replace(dry, coolant_kg=None)) == [(GateCode.DRY_ICE_UNKNOWN, None)]


def test_a_lot_expiring_before_arrival_plus_its_items_do_not_ship_window():
    lines = (GateLine("SEL-CD34", "SK2603-087", "refrigerated", date(2026, 7, 4), 30),  # 29 days after
             GateLine("SEL-CD34", "SK2607-114", "refrigerated", date(2026, 7, 5), 30),  # exactly 30: leaves
             GateLine("MED-HSC", "M26E11", "refrigerated", date(2026, 6, 4)),  # the day before arrival
             GateLine("MED-HSC", "M26K05", "refrigerated", ARRIVAL))  # on the arrival day: leaves
    reasons = dispatch_reasons(replace(READY, lines=lines))
    assert [(reason.code, reason.subject) for reason in reasons] == [
        (GateCode.LOT_EXPIRES, "SEL-CD34/SK2603-087"), (GateCode.LOT_EXPIRES, "MED-HSC/M26E11")]
    assert reasons[0].refusal == ("lot SK2603-087 of SEL-CD34 expires on 2026-07-04, within 30 days of "
                                  "the planned arrival on 2026-06-05 (its item is not shipped that close to "
                                  "expiry)")
    assert reasons[1].refusal == ("lot M26E11 of MED-HSC expires on 2026-06-04, before the planned arrival "
                                  "on 2026-06-05")


def test_an_override_covers_the_reasons_as_they_read_when_it_was_given():
    held = replace(READY, loggers=(), hold_s=48 * H)
    covered = {reason.key for reason in dispatch_reasons(held)}
    assert uncovered(dispatch_reasons(held), covered) == []
    later = replace(held, transit=Transit(60 * H, 9, 40 * H))  # the p90 grew: the reason reads differently
    assert [reason.code for reason in uncovered(dispatch_reasons(later), covered)] == [GateCode.HOLD_SHORT]
    new_reason = replace(held, legs=LEGS[:2])
    assert [reason.code for reason in uncovered(dispatch_reasons(new_reason), covered)] == [
        GateCode.ROUTE_BROKEN]
