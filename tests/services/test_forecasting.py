"""Reorder forecasts from the database: inputs, storage, the closed loop with receiving, alerts."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from logistics.core.alerting import parse_routes
from logistics.core.expiry_cut_offs import CutOffs
from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, ForecastRun, Lane, ReceiptLine, Shipment
from logistics.services import catalogue, forecasting, recruitment
from logistics.services.errors import InputError
from logistics.services.forecasting import NoPlan
from tests.conftest import NOW
from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_receiving import assess_all, quarantined_line_id, receive, sign

ROUTES = parse_routes({"routes": [{"targets": [{"channel": "in_app", "address": "logistics"}]}]})


def quick(runtime, **changes):
    """The runtime's settings with fewer runs: these tests are about the plumbing, not the statistics."""
    return dataclasses.replace(runtime.settings, **{"forecast_runs": 2000, **changes})


def forecast_now(runtime, at=NOW, **changes):
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        run = forecasting.refresh(session, quick(runtime, **changes), now=at)
        return None if run is None else forecasting.stored(run)


def test_the_demo_trial_is_forecast_from_plan_enrolments_stock_and_shipments(demo_runtime):
    result = forecast_now(demo_runtime)
    assert result.run.as_of == NOW.date()  # 13:00 in Bangkok
    sites = result.inputs["recruitment"]["sites"]
    assert [(site["code"], len(site["enrolled"])) for site in sites] == [("TH-01", 4), ("TH-02", 1)]
    assert result.result["recruitment"]["remaining"] == 7
    items = {item["code"]: item for item in result.result["items"]}
    assert len(items) == 14
    # opening stock at the hospital, and what the planned and moving shipments bring
    assert items["CRYO-BAG"]["on_hand"] == 20 and items["CRYO-BAG"]["in_transit"] == 40
    assert items["SEL-CD34"]["on_hand"] == 0 and items["SEL-CD34"]["in_transit"] == 6
    assert items["QC-ENDO"]["order_quantity"] > 0 and items["REF-CELL"]["order_quantity"] == 0
    for item in items.values():
        assert item["order_quantity"] >= max(item["order_up_to"] - item["position"], 0) - 1e-9
        assert len(item["fan"]["days"]) == 91 and len(item["fan"]["bands"]) == 5


def test_a_stored_forecast_is_explained_by_its_inputs(demo_runtime):
    result = forecast_now(demo_runtime)
    again = forecasting.result_record(forecasting.compute(result.inputs))
    assert again == result.result  # the same inputs, the same recommendation


def test_nothing_is_computed_again_until_an_input_changes(demo_runtime):
    assert forecast_now(demo_runtime) is not None
    assert forecast_now(demo_runtime, at=NOW + timedelta(hours=1)) is None
    with unit_of_work(demo_runtime.sessions, actor="pharmacy") as session:
        recruitment.enrol(session, site="TH-02", patient_code="TDT-006", enrolled_on=NOW.date(),
                          source="page", by="pharmacy", today=NOW.date())
    changed = forecast_now(demo_runtime, at=NOW + timedelta(hours=2))
    assert changed is not None and changed.result["recruitment"]["remaining"] == 6
    assert forecast_now(demo_runtime, at=NOW + timedelta(days=1)) is not None  # a new day


def test_stock_quarantined_at_receipt_leaves_the_position_and_comes_back_when_released(demo_runtime):
    before = forecast_now(demo_runtime).item("SEL-CD34")
    send(demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(demo_runtime)
    receive(demo_runtime)  # HG-2026-0045: its 6 kit of SEL-CD34 go to quarantine
    quarantined = forecast_now(demo_runtime, at=NOW + timedelta(minutes=1)).item("SEL-CD34")
    assert (before["in_transit"], quarantined["in_transit"]) == (6, 0)
    assert quarantined["position"] == pytest.approx(before["position"] - 6)
    assert quarantined["order_quantity"] > before["order_quantity"]
    line_id = quarantined_line_id(demo_runtime)
    assess_all(demo_runtime, line_id)
    sign(demo_runtime, line_id, Meaning.RELEASED)
    released = forecast_now(demo_runtime, at=NOW + timedelta(minutes=2)).item("SEL-CD34")
    assert released["on_hand"] == 6 and released["position"] == pytest.approx(before["position"])


def test_lead_times_are_learned_once_enough_shipments_are_complete(demo_runtime):
    configured = forecast_now(demo_runtime, forecast_lead_time_shipments=5)
    assert configured.inputs["forecast"] == {"horizon_days": 90, "service_level": 0.95, "runs": 2000,
                                             "seed": 1, "lead_time_days": 21, "slot_offset_days": 7,
                                             "slots": 10}
    learned = forecast_now(demo_runtime, at=NOW + timedelta(minutes=1), forecast_lead_time_shipments=2)
    samples = learned.inputs["forecast"]["lead_time_samples"]
    assert len(samples) == 2 and all(2 <= days <= 4 for days in samples)  # the demo's two completed trips
    assert min(samples) <= learned.item("SEL-CD34")["lead_time_days"] <= max(samples)


def test_order_by_dates_inside_the_warning_window_raise_one_alert_each(demo_runtime):
    result = forecast_now(demo_runtime)
    due = sorted(item["code"] for item in result.result["items"]
                 if item["order_by"] and item["order_by"] <= (NOW.date() + timedelta(days=14)).isoformat())
    assert due  # the demo has items to order soon
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        run = session.get(ForecastRun, result.run.id)
        raised = forecasting.reorder_alerts(session, ROUTES, run, warning_days=14, public_url="http://x")
        again = forecasting.reorder_alerts(session, ROUTES, run, warning_days=14, public_url="http://x")
    assert (raised, again) == (len(due), 0)
    with demo_runtime.sessions() as session:
        alerts = session.exec(select(Alert).where(Alert.kind == "reorder")).all()
    assert sorted(alert.subject for alert in alerts) == due
    assert all(alert.link.startswith("http://x/forecast/items/") for alert in alerts)


def test_without_a_plan_there_is_nothing_to_forecast(runtime):
    assert forecast_now(runtime) is None
    with runtime.sessions() as session, pytest.raises(NoPlan, match="recruitment plan"):
        forecasting.inputs(session, runtime.settings, as_of=NOW.date())


def test_the_stored_inputs_run_as_a_scenario_file(demo_runtime, run, tmp_path):
    result = forecast_now(demo_runtime)
    scenario = tmp_path / "inputs.json"
    scenario.write_text(json.dumps(result.inputs))
    printed = json.loads(run("forecast", "--scenario", str(scenario), "--json").stdout)
    stored_items = [{key: value for key, value in item.items() if key in printed["items"][0]}
                    for item in result.result["items"]]
    assert printed["items"] == stored_items


# -- the scenario document's expiry cut-offs, pipeline timing and slots ---------------------------------

def document(runtime, **changes):
    with runtime.sessions() as session:
        return forecasting.inputs(session, quick(runtime, **changes), as_of=NOW.date())


def item_of(document, code):
    return next(item for item in document["items"] if item["code"] == code)


def test_an_items_cut_offs_are_in_the_document_only_where_set(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="logistics", reason="cut-offs") as session:
        catalogue.set_cut_offs(session, item="SEL-CD34", cut_offs=CutOffs(30, 14, 3))
        catalogue.set_cut_offs(session, item="QC-ENDO", cut_offs=CutOffs(0, 0, 5))
    found = document(demo_runtime)
    cut_offs = {item["code"]: {name: item[name] for name in forecasting.CUT_OFFS if name in item}
                for item in found["items"]}
    assert cut_offs["SEL-CD34"] == {"do_not_ship_days": 30, "do_not_count_days": 14,
                                    "do_not_dispense_days": 3}
    assert cut_offs["QC-ENDO"] == {"do_not_dispense_days": 5}
    assert cut_offs["MED-HSC"] == {"do_not_ship_days": 30}  # the demo's
    assert cut_offs["CRYO-BAG"] == {}  # none set: its entry reads as it did before cut-offs


def set_shipment(runtime, reference, **fields):
    with unit_of_work(runtime.sessions, actor="logistics", reason="test") as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == reference)).one()
        for name, value in fields.items():
            setattr(shipment, name, value)
        session.add(shipment)


def lane_id(runtime, code):
    with runtime.sessions() as session:
        return session.exec(select(Lane.id).where(Lane.code == code)).one()


def test_lots_on_their_way_carry_the_day_they_are_expected_on_site(demo_runtime):
    found = document(demo_runtime)
    # in transit, planned to land 22:00 UTC on the 25th: the 26th in Bangkok
    assert item_of(found, "SEL-CD34")["in_transit"] == [{"quantity": 6.0, "expiry": "2027-09-30",
                                                         "arrives": "2026-11-26"}]
    # arrived on site, not received yet: from the forecast's day
    assert item_of(found, "LV-BGLOB")["in_transit"][0]["arrives"] == NOW.date().isoformat()
    assert item_of(found, "CRYO-BAG")["on_hand"] == [{"quantity": 20.0, "expiry": "2029-08-20"}]  # on site
    # without a planned arrival: its departure plus its lane's median door-to-door days, once the lane
    # has history enough (SZ-HKG-BKK-PH: one trip of 2.75 days, 3 whole days), else the shared lead time
    set_shipment(demo_runtime, "HG-2026-0048", planned_arrival=None,
                 lane_id=lane_id(demo_runtime, "SZ-HKG-BKK-PH"))
    learned = document(demo_runtime, forecast_lead_time_shipments=1)
    # 2026-12-01 06:00 UTC + 3 days: 13:00 on the 4th in Bangkok
    assert {lot["arrives"] for lot in item_of(learned, "CRYO-BAG")["in_transit"]} == {"2026-12-04"}
    shared = document(demo_runtime, forecast_lead_time_shipments=2, forecast_lead_time_days=12)
    assert {lot["arrives"] for lot in item_of(shared, "CRYO-BAG")["in_transit"]} == {"2026-12-06"}
    set_shipment(demo_runtime, "HG-2026-0048", lane_id=None)  # no lane: the shared lead time too
    no_lane = document(demo_runtime, forecast_lead_time_shipments=1, forecast_lead_time_days=30)
    assert {lot["arrives"] for lot in item_of(no_lane, "CRYO-BAG")["in_transit"]} == {"2026-12-24"}


def test_the_sites_release_times_and_the_slot_settings_are_in_the_document(demo_runtime):
    before = document(demo_runtime, forecast_slot_offset_days=14, forecast_slots=3)["forecast"]
    assert "release_days" not in before  # no receipt released yet
    assert (before["slot_offset_days"], before["slots"]) == (14, 3)
    receive(demo_runtime)  # no telemetry: every line goes to quarantine
    with demo_runtime.sessions() as session:
        lines = session.exec(select(ReceiptLine.id).order_by(ReceiptLine.id)).all()
    for line_id in lines[:-1]:
        sign(demo_runtime, line_id, Meaning.REJECTED)  # QA decides two hours after the receipt
    assert "release_days" not in document(demo_runtime)["forecast"]  # one line still waits
    sign(demo_runtime, lines[-1], Meaning.REJECTED)
    assert document(demo_runtime)["forecast"]["release_days"] == [1]  # two hours: the first day


def stored_run(runtime, result):
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        run = ForecastRun(run_at=NOW, as_of=NOW.date(), trigger="schedule", fingerprint="f", inputs="{}",
                          result=json.dumps(result), seconds=0.1)
        session.add(run)
        session.flush()
        return run.id


def slot(patient, days_ahead, probability, limiting="QC-ENDO", enrolled=True):
    return {"patient": patient, "slot_date": (NOW.date() + timedelta(days=days_ahead)).isoformat(),
            "probability": probability, "limiting_item": limiting, "enrolled": enrolled}


def raise_slot_alerts(runtime, run_id, threshold=0.95):
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        return forecasting.slot_alerts(session, ROUTES, session.get(ForecastRun, run_id), threshold=threshold,
                                       public_url="http://x")


def test_slots_below_the_threshold_raise_one_alert_each_and_soon_ones_are_major(sqlite_runtime):
    run_id = stored_run(sqlite_runtime, {"items": [], "slots": [
        slot("P006", 5, 0.826), slot("P007", 14, 0.95), slot("P008", 15, 0.9499, "SEL-CD34", enrolled=False),
        slot("P009", 40, 1.0, None, enrolled=False)]})
    assert (raise_slot_alerts(sqlite_runtime, run_id), raise_slot_alerts(sqlite_runtime, run_id)) == (2, 0)
    with sqlite_runtime.sessions() as session:
        alerts = session.exec(select(Alert).where(Alert.kind == "slot").order_by(Alert.subject)).all()
    assert [(alert.key, alert.severity, alert.title) for alert in alerts] == [
        ("slot:P006:2026-11-29", "major", "Slot P006 on 2026-11-29 at risk: 82 %"),
        ("slot:P008:2026-12-09", "minor", "Slot P008 on 2026-12-09 at risk: 94 %")]  # never rounded up
    assert "SEL-CD34 is the item most likely to be missing" in alerts[1].body
    assert all(alert.link == "http://x/forecast" for alert in alerts)
    assert raise_slot_alerts(sqlite_runtime, run_id, threshold=1.0) == 1  # P007 too; P009 is certain


def test_a_run_stored_before_slots_were_forecast_raises_no_slot_alert(sqlite_runtime):
    assert raise_slot_alerts(sqlite_runtime, stored_run(sqlite_runtime, {"items": []})) == 0

def test_a_forecast_reports_its_progress_and_a_ten_year_one_stores_a_fan_of_400_days(demo_runtime):
    heard, again = [], []
    ten_years = quick(demo_runtime, forecast_horizon_days=3650, forecast_runs=500)
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        run = forecasting.run_forecast(session, ten_years, now=NOW, trigger="schedule",
                                       progress=lambda *step: heard.append(step))
        stored = forecasting.stored(run)
    steps = heard[-1][1]
    assert heard == [(done, steps) for done in range(1, steps + 1)] and steps > 14  # at least one per item
    item = stored.result["items"][0]
    assert len(item["fan"]["days"]) <= 400 and len(item["fan"]["bands"][0]) == len(item["fan"]["days"])
    assert item["fan"]["days"][-1] == (NOW.date() + timedelta(days=3650)).isoformat()
    recomputed = forecasting.compute(stored.inputs, progress=lambda *step: again.append(step))
    assert forecasting.result_record(recomputed) == stored.result and again == heard


def test_a_plan_for_a_million_patients_is_saved_and_forecast_and_one_more_is_refused(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="logistics") as session:
        plan = recruitment.the_plan(session)
        terms = {name: getattr(plan, name) for name in ("trial", "prior_strength", "fixed_rate",
                                                        "screen_failure_ratio", "batches_per_patient")}
        with pytest.raises(InputError) as refused:
            recruitment.save_plan(session, target=1_000_001, **terms)
        assert refused.value.errors == {"target": "a whole number of patients, from 1 to 1,000,000"}
        recruitment.save_plan(session, target=1_000_000, **terms)
    result = forecast_now(demo_runtime, forecast_runs=500)
    assert result.result["recruitment"]["remaining"] == 1_000_000 - 5  # the demo has enrolled five
