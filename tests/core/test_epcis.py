"""The EPCIS 2.0 document built from hand-made facts: its events, times, offsets and sensor reports."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from logistics.core.epcis import (
    AlarmInterval,
    DecisionFacts,
    LineFacts,
    LoggerFacts,
    ReceiptFacts,
    ReceiptLineFacts,
    ShipmentFacts,
    SiteFacts,
    UnitWithoutCode,
    epcis_document,
    lot_urn,
    rec20_quantity,
    shipment_events,
    utc_text,
    zone_offset,
)
from tests.epcis_schema import SCHEMA, official_schema, schema_errors

SHENZHEN = SiteFacts("HG-SZ", "Asia/Shanghai")
SIRIRAJ = SiteFacts("SIRIRAJ-PH", "Asia/Bangkok")
DEPARTED = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
ARRIVED = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 11, 22, 4, 15, tzinfo=UTC)
CREATED = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
ABOVE = AlarmInterval(start=DEPARTED + timedelta(hours=3), end=DEPARTED + timedelta(hours=3, minutes=40),
                      rule="above_8c_30min", kind="above", severity="major", peak=9.5)
GAP = AlarmInterval(start=DEPARTED + timedelta(hours=20), end=DEPARTED + timedelta(hours=21),
                    rule="no_data_gap", kind="no_data", severity="minor", peak=None)
SHOCK = AlarmInterval(start=DEPARTED + timedelta(hours=30), end=DEPARTED + timedelta(hours=30),
                      rule="shock_10g", kind="shock", severity="major", peak=12.0)
LOGGER = LoggerFacts(device_id="LG-24003", start=DEPARTED - timedelta(minutes=30), end=ARRIVED,
                       min_c=4.1, max_c=9.5, mean_c=5.31632, readings=97, alarms=(ABOVE, GAP, SHOCK))
FACTS = ShipmentFacts(
    reference="HG-2026-0099", status="received", origin=SHENZHEN, destination=SIRIRAJ,
    lines=(LineFacts("SEL-CD34", "SK2609-031", 6, "kit"), LineFacts("CRYO-CS10", "CS10-26H2", 500, "mL")),
    actual_departure=DEPARTED, actual_arrival=ARRIVED,
    air_waybill="160-48123880", loggers=(LOGGER,),
    receipt=ReceiptFacts(time=RECEIVED, site=SIRIRAJ, lines=(
        ReceiptLineFacts("SEL-CD34", "SK2609-031", "kit", accepted=5, damaged=1),
        ReceiptLineFacts("CRYO-CS10", "CS10-26H2", "mL", quarantined=500),
    )),
)
KITS = "urn:coldchain-logistics:item:SEL-CD34:lot:SK2609-031"
MEDIUM = "urn:coldchain-logistics:item:CRYO-CS10:lot:CS10-26H2"
ORIGIN, DESTINATION = "urn:coldchain-logistics:site:HG-SZ", "urn:coldchain-logistics:site:SIRIRAJ-PH"
JOURNEY = {
    "bizTransactionList": [{"type": "bol", "bizTransaction": "urn:coldchain-logistics:awb:160-48123880"}],
    "sourceList": [{"type": "location", "source": ORIGIN}],
    "destinationList": [{"type": "location", "destination": DESTINATION}],
}
RULE = "urn:coldchain-logistics:rule:"
SHIPPED = [{"epcClass": KITS, "quantity": 6}, {"epcClass": MEDIUM, "quantity": 500, "uom": "MLT"}]


def inspecting(disposition, quantities):
    return {"type": "ObjectEvent", "eventTime": "2026-11-22T04:15:00.000Z", "eventTimeZoneOffset": "+07:00",
            "action": "OBSERVE", "bizStep": "inspecting", "disposition": disposition,
            "readPoint": {"id": DESTINATION}, "bizLocation": {"id": DESTINATION}, "quantityList": quantities}


def test_the_whole_document_of_a_received_shipment():
    assert epcis_document(FACTS, created=CREATED) == {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"coldchain": "urn:coldchain-logistics:epcis:"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-24T06:00:00.000Z",
        "epcisBody": {"eventList": [
            {"type": "ObjectEvent", "eventTime": "2026-11-20T01:30:00.000Z", "eventTimeZoneOffset": "+08:00",
             "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
             "readPoint": {"id": ORIGIN}, **JOURNEY, "quantityList": SHIPPED,
             "sensorElementList": [{
                 "sensorMetadata": {"startTime": "2026-11-20T01:00:00.000Z",
                                    "endTime": "2026-11-22T03:00:00.000Z",
                                    "deviceID": "urn:coldchain-logistics:logger:LG-24003"},
                 "sensorReport": [
                     {"type": "Temperature", "minValue": 4.1, "maxValue": 9.5, "meanValue": 5.32,
                      "uom": "CEL", "coldchain:readingCount": 97},
                     {"type": "Temperature", "exception": "ALARM_CONDITION",
                      "time": "2026-11-20T04:30:00.000Z", "value": 9.5, "uom": "CEL",
                      "bizRules": RULE + "above_8c_30min", "coldchain:alarmEnd": "2026-11-20T05:10:00.000Z",
                      "coldchain:severity": "major"},
                     {"type": "Temperature", "exception": "ALARM_CONDITION",
                      "time": "2026-11-20T21:30:00.000Z", "booleanValue": True,
                      "bizRules": RULE + "no_data_gap", "coldchain:alarmEnd": "2026-11-20T22:30:00.000Z",
                      "coldchain:severity": "minor"},
                     {"type": "Acceleration", "exception": "ALARM_CONDITION",  # 12 g in m/s²
                      "time": "2026-11-21T07:30:00.000Z", "value": 117.68, "uom": "MSK",
                      "bizRules": RULE + "shock_10g", "coldchain:alarmEnd": "2026-11-21T07:30:00.000Z",
                      "coldchain:severity": "major"},
                 ],
             }]},
            {"type": "ObjectEvent", "eventTime": "2026-11-22T04:15:00.000Z", "eventTimeZoneOffset": "+07:00",
             "action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress",
             "readPoint": {"id": DESTINATION}, "bizLocation": {"id": DESTINATION}, **JOURNEY,
             "quantityList": SHIPPED},
            inspecting("conformant", [{"epcClass": KITS, "quantity": 5}]),
            inspecting("non_conformant", [{"epcClass": MEDIUM, "quantity": 500, "uom": "MLT"}]),
            inspecting("damaged", [{"epcClass": KITS, "quantity": 1}]),
        ]},
    }


def test_the_document_follows_gs1s_schema():
    document = json.loads(json.dumps(epcis_document(FACTS, created=CREATED)))  # as it goes on the wire
    assert schema_errors(document) == []


@pytest.mark.parametrize("example", ["SensorDataExample1.jsonld", "SensorDataExample9.jsonld"])
def test_gs1s_own_examples_pass_the_same_checks(example):
    official_schema()  # skips (or fails on CI) when the reference data is missing
    assert schema_errors(json.loads((SCHEMA.parent / example).read_text(encoding="utf-8"))) == []


def test_the_checks_catch_a_bad_time_and_a_bad_offset():
    document = epcis_document(FACTS, created=CREATED)
    document["creationDate"] = "24/11/2026 06:00"
    document["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = "+8"
    assert len(schema_errors(document)) == 2


def test_a_shipment_still_travelling_has_only_its_shipping_event():
    travelling = replace(FACTS, status="in_transit", actual_arrival=None, receipt=None)
    [shipping] = shipment_events(travelling)
    assert (shipping["bizStep"], shipping["eventTime"]) == ("shipping", "2026-11-20T01:30:00.000Z")


def test_nothing_is_said_before_the_goods_leave():
    packed = replace(FACTS, status="packed", actual_departure=None, actual_arrival=None, receipt=None)
    assert shipment_events(packed) == []


def test_qa_decisions_follow_the_receipt():
    decided = replace(FACTS, decisions=(DecisionFacts(RECEIVED + timedelta(hours=5), SIRIRAJ, "CRYO-CS10",
                                                      "CS10-26H2", "mL", released=400, rejected=100),))
    *_, released, rejected = shipment_events(decided)
    assert (released["bizStep"], released["disposition"]) == ("inspecting", "conformant")
    assert released["quantityList"] == [{"epcClass": MEDIUM, "quantity": 400, "uom": "MLT"}]
    assert (rejected["disposition"], rejected["quantityList"][0]["quantity"]) == ("non_conformant", 100)
    assert not schema_errors(epcis_document(decided, created=CREATED))


def test_a_shipment_marked_received_before_receipts_were_kept_is_received_at_its_arrival():
    legacy = replace(FACTS, receipt=None)
    shipping, receiving = shipment_events(legacy)
    assert receiving["eventTime"] == "2026-11-22T03:00:00.000Z"
    assert receiving["quantityList"] == shipping["quantityList"]


@pytest.mark.parametrize("changes", [{"status": "cancelled"}, {"lines": (), "receipt": None},
                                     {"actual_departure": None, "actual_arrival": None, "receipt": None}])
def test_no_events_without_goods_or_a_departure_or_for_a_cancelled_shipment(changes):
    assert shipment_events(replace(FACTS, **changes)) == []


def test_each_event_takes_the_offset_of_its_site_at_that_moment():
    # Leaves Berlin in winter time, arrives in New York after the US changed to summer time.
    berlin, new_york = SiteFacts("DE-BER", "Europe/Berlin"), SiteFacts("US-NYC", "America/New_York")
    facts = replace(FACTS, origin=berlin, destination=new_york, receipt=None, status="received",
                    actual_departure=datetime(2026, 3, 6, 9, 0, tzinfo=UTC),
                    actual_arrival=datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
    assert [event["eventTimeZoneOffset"] for event in shipment_events(facts)] == ["+01:00", "-04:00"]


@pytest.mark.parametrize(("moment", "zone", "offset"), [
    (datetime(2026, 1, 15, tzinfo=UTC), "Europe/Berlin", "+01:00"),
    (datetime(2026, 7, 15, tzinfo=UTC), "Europe/Berlin", "+02:00"),
    (datetime(2026, 1, 15, tzinfo=UTC), "America/New_York", "-05:00"),
    (datetime(2026, 1, 15, tzinfo=UTC), "Asia/Kolkata", "+05:30"),
    (datetime(2026, 1, 15, tzinfo=UTC), "UTC", "+00:00"),
    (datetime(2026, 1, 15, tzinfo=UTC), "Pacific/Kiritimati", "+14:00"),
])
def test_zone_offsets(moment, zone, offset):
    assert zone_offset(moment, zone) == offset


def test_times_are_utc_to_the_millisecond():
    bangkok = timezone(timedelta(hours=7))
    assert utc_text(datetime(2026, 11, 24, 13, 0, 5, 123456, tzinfo=bangkok)) == "2026-11-24T06:00:05.123Z"


@pytest.mark.parametrize(("quantity", "unit", "expected"), [
    (6, "kit", (6, None)), (12, "bottles", (12, None)), (500, "mL", (500, "MLT")), (0.5, "L", (0.5, "LTR")),
    (5, "cL", (50.0, "MLT")), (100, "µg", (100, "MC")), (20, "mg", (20, "MGM")),
])
def test_quantities_carry_a_rec20_code_unless_they_count_things(quantity, unit, expected):
    assert rec20_quantity(quantity, unit) == pytest.approx(expected)


def test_a_physical_unit_without_a_code_is_named():
    with pytest.raises(UnitWithoutCode, match="'m'"):
        rec20_quantity(2, "m")


def test_codes_are_percent_encoded_so_separators_stay_unambiguous():
    assert lot_urn("KIT:A", "L 1/2") == "urn:coldchain-logistics:item:KIT%3AA:lot:L%201%2F2"
