"""EPCIS export of the demo shipments: valid against GS1's schema in every state, with sensor data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from logistics.core.epcis import utc_text
from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.db.models import ReceiptLine
from logistics.services import quality
from logistics.services.epcis import export_document
from logistics.services.errors import NotFound
from tests.conftest import DEMO_PASSWORD, NOW
from tests.epcis_schema import schema_errors
from tests.services.test_excursions import START, run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_receiving import receive

CLOSED, RECEIVED, IN_TRANSIT, ARRIVED, PACKED, PLANNED = (f"HG-2026-00{n}" for n in (41, 44, 45, 46, 47, 48))


def export(runtime, reference):
    with runtime.sessions() as session:
        return export_document(session, reference, runtime.profiles, now=NOW)


def steps(document):
    return [(event["bizStep"], event["eventTime"], event["eventTimeZoneOffset"], event["readPoint"]["id"])
            for event in document["epcisBody"]["eventList"]]


@pytest.mark.parametrize("reference", [CLOSED, RECEIVED, IN_TRANSIT, ARRIVED, PACKED, PLANNED])
def test_every_demo_shipment_exports_a_valid_document(sqlite_demo_runtime, reference):
    assert schema_errors(export(sqlite_demo_runtime, reference)) == []


def test_the_events_follow_the_journey(sqlite_demo_runtime):
    # Demo times are hours from NOW; departures from Shenzhen (+08:00), arrivals in Bangkok (+07:00).
    def at(hours):
        return utc_text(NOW + timedelta(hours=hours))

    assert steps(export(sqlite_demo_runtime, IN_TRANSIT)) == [
        ("shipping", at(-8.5), "+08:00", "urn:coldchain-logistics:site:HG-SZ")]
    assert steps(export(sqlite_demo_runtime, RECEIVED)) == [
        ("shipping", at(-97), "+08:00", "urn:coldchain-logistics:site:HG-SZ"),
        ("receiving", at(-46), "+07:00", "urn:coldchain-logistics:site:SIRIRAJ-CM")]
    assert steps(export(sqlite_demo_runtime, PLANNED)) == []  # nothing has happened yet


def test_the_received_shipment_lists_its_lots_and_air_waybill(sqlite_demo_runtime):
    shipping, receiving = export(sqlite_demo_runtime, RECEIVED)["epcisBody"]["eventList"]
    assert receiving["quantityList"] == shipping["quantityList"] == [
        {"epcClass": "urn:coldchain-logistics:item:CYT-SCF:lot:SCF-2604-B", "quantity": 10},
        {"epcClass": "urn:coldchain-logistics:item:CYT-TPO:lot:TPO-2603-A", "quantity": 10},
        {"epcClass": "urn:coldchain-logistics:item:CYT-FLT3L:lot:FL-2605-C", "quantity": 10}]
    assert receiving["bizTransactionList"] == [
        {"type": "bol", "bizTransaction": "urn:coldchain-logistics:awb:784-55309170"}]
    assert receiving["bizLocation"] == {"id": "urn:coldchain-logistics:site:SIRIRAJ-CM"}
    assert "bizLocation" not in shipping  # in transit: at no business location


def test_an_excursion_found_by_the_scan_is_an_alarm_condition(demo_runtime):
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime)
    document = export(demo_runtime, IN_TRANSIT)
    assert schema_errors(document) == []
    [shipping] = document["epcisBody"]["eventList"]
    # 97 readings 5 min apart, the last live until NOW covering H = 10 min: 490 min in all, of which
    # 40 at 9.5 °C and 450 at 5.0 °C, a time-weighted mean of 5.367 °C. LG-24004 sent nothing.
    assert shipping["sensorElementList"] == [{
        "sensorMetadata": {"startTime": utc_text(START), "endTime": utc_text(START + timedelta(minutes=490)),
                           "deviceID": "urn:coldchain-logistics:logger:LG-24003"},
        "sensorReport": [
            {"type": "Temperature", "minValue": 5.0, "maxValue": 9.5, "meanValue": 5.37, "uom": "CEL",
             "coldchain:readingCount": 97},
            {"type": "Temperature", "exception": "ALARM_CONDITION",
             "time": utc_text(START + timedelta(hours=3)), "value": 9.5, "uom": "CEL",
             "bizRules": "urn:coldchain-logistics:rule:above_8c_30min",
             "coldchain:alarmEnd": utc_text(START + timedelta(minutes=220)), "coldchain:severity": "major"},
        ],
    }]


def test_an_unknown_shipment_is_not_found(sqlite_demo_runtime):
    with pytest.raises(NotFound, match="NOPE"):
        export(sqlite_demo_runtime, "NOPE")


def test_a_receipt_and_a_qa_decision_are_exported(demo_runtime):
    receive(demo_runtime)  # no telemetry: every line quarantined
    with unit_of_work(demo_runtime.sessions, actor="qa") as session:
        line = session.exec(select(ReceiptLine).where(ReceiptLine.lot_number_seen == "SK2609-031")).one()
        quality.sign_decision(session, line.id, quality.Decision(Meaning.REJECTED, None, "no data"),
                              signer="qa", password=DEMO_PASSWORD, now=NOW + timedelta(hours=1))
    document = export(demo_runtime, IN_TRANSIT)
    assert schema_errors(document) == []
    assert [(event["bizStep"], event["disposition"]) for event in document["epcisBody"]["eventList"]] == [
        ("shipping", "in_transit"), ("receiving", "in_progress"), ("inspecting", "non_conformant"),
        ("inspecting", "non_conformant")]
    *_, decided = document["epcisBody"]["eventList"]
    assert decided["quantityList"] == [{"epcClass": "urn:coldchain-logistics:item:SEL-CD34:lot:SK2609-031",
                                        "quantity": 6}]
