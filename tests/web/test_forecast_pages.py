"""The reorder forecast's pages: the latest recommendation, an item's reasons and fan chart, the what-if,
the downloads, and who may run a forecast."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from logistics.app import build_runtime
from logistics.core.forecast_inputs import ForecastError
from logistics.db.engine import unit_of_work
from logistics.db.models import BomLine, ForecastRun
from logistics.services import forecast_comparison, forecasting
from logistics.services.forecast_background import BackgroundForecasts
from logistics.web.forecast import BACKGROUND, CSV_COLUMNS
from logistics.web.forecast_compare import COMPARE_CSV_COLUMNS
from tests.conftest import settings_for
from tests.web.conftest import csrf_token, login, web_app

ITEM = "/forecast/items/LV-BGLOB"


@pytest.fixture
def app(sqlite_templates, tmp_path):
    """The demo with fewer simulated futures: these tests are about the pages, not the model."""
    database = tmp_path / "shipments.db"
    shutil.copyfile(sqlite_templates["demo"], database)
    runtime = build_runtime(settings_for(f"sqlite:///{database}", forecast_runs=2000))
    yield web_app(runtime)
    runtime.close()


def run_forecast(client):
    """Start a run from the page, wait for it to end (as the page's script does) and show the page again."""
    started = client.post("/forecast/run", data={"csrf_token": csrf_token(client, "/forecast")})
    assert started.status_code == 302 and started.location == "/forecast#progress"
    wait_for_the_run(client)
    return client.get("/forecast")


def wait_for_the_run(client, seconds=30):
    """The progress the page's script polls, once the run has ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get("/forecast/run/progress").get_json()
        if job["state"] != "running":
            return job
        time.sleep(0.05)
    raise AssertionError("the forecast run did not end")


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_before_the_first_run_the_page_says_so_and_only_planners_may_run_one(client):
    login(client, "viewer")
    page = client.get("/forecast").get_data(as_text=True)
    assert "No forecast has been run yet" in page and "Run the forecast now" not in page
    token = csrf_token(client, "/forecast")
    assert client.post("/forecast/run", data={"csrf_token": token}).status_code == 403
    assert client.get(ITEM).status_code == 404 and client.get("/forecast.csv").status_code == 404
    sign_out(client)
    login(client, "logistics")
    assert "Run the forecast now" in client.get("/forecast").get_data(as_text=True)


def test_a_planner_runs_the_forecast_and_sees_every_item(app, client):
    login(client, "logistics")
    page = run_forecast(client).get_data(as_text=True)
    assert "Forecast run as of" in page and "Recruitment outlook" in page
    assert re.search(r"Patients still to enrol</dt><dd>7</dd>", page)
    codes = re.findall(r'<td><a href="/forecast/items/([A-Z0-9-]+)"><b>', page)  # the items' table
    assert len(codes) == 14 and "LV-BGLOB" in codes
    assert re.search(r"LV-BGLOB</b></a></td>\s*<td><b>\d+ vial</b>", page)  # an order, with its unit
    with app.extensions["logistics"].sessions() as session:
        run = session.exec(select(ForecastRun)).one()
    assert run.trigger == "manual" and "by hand" in page
    # The run's inputs download as a scenario file for `logistics forecast --scenario`.
    download = client.get(f"/forecast/runs/{run.id}/inputs.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f"attachment; filename=forecast-{run.id}-inputs.json"
    scenario = json.loads(download.get_data(as_text=True))
    assert scenario["recruitment"]["target"] == 12 and scenario["forecast"]["runs"] == 2000


def test_the_item_page_gives_reasons_and_draws_the_fan(client):
    login(client, "logistics")
    run_forecast(client)
    sign_out(client)
    login(client, "viewer")
    page = client.get(ITEM).get_data(as_text=True)
    assert "Over the 21-day lead time plus the 90-day review period, demand is" in page
    assert "Usable stock and stock on order come to 4 vial (on hand 0 vial, on order 4 vial" in page
    assert re.search(r"So order \d+ vial, rounded up to packs of 1 vial\.", page)
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and '<title id="fan-plan-title">' in svg and '<desc id="fan-plan-desc">' in svg
    assert len(re.findall(r'<polygon class="fan-(outer|inner)" points="[\d.,\s-]+"', svg)) == 2
    assert '<line class="fan-reorder"' in svg and '<polyline class="fan-median"' in svg
    assert "<figcaption>Projected usable stock of LV-BGLOB without a new order" in page
    assert "fan-what-if" not in page  # until one is asked for


def order_quantities(page):
    found = re.search(r'<th scope="row">Order</th><td>([\d.,]+) vial</td><td>([\d.,]+) vial</td>', page)
    assert found, "no plan-beside-what-if table"
    return float(found.group(1)), float(found.group(2))


def test_faster_recruitment_orders_at_least_as_much_and_is_not_stored(app, client):
    login(client, "logistics")
    run_forecast(client)
    answer = client.get(ITEM, query_string={"pace": "faster", "hold": "0"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    plan, faster = order_quantities(page)
    assert faster >= plan
    assert '<title id="fan-what-if-title">' in page and "Computed now from the same inputs" in page
    held = order_quantities(client.get(ITEM, query_string={"hold": "30"}).get_data(as_text=True))
    assert held[1] >= held[0]
    with app.extensions["logistics"].sessions() as session:
        assert len(session.exec(select(ForecastRun)).all()) == 1


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"hold": "three"}, "hold", "customs hold"), ({"hold": "61"}, "hold", "customs hold"),
    ({"hold": "-2"}, "hold", "customs hold"), ({"pace": "warp"}, "pace", "recruitment pace"),
])
def test_a_bad_what_if_is_a_400_naming_the_field(client, query, field, message):
    login(client, "logistics")
    run_forecast(client)
    answer = client.get(ITEM, query_string=query)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert f'id="{field}-error">{message}' in page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page)


def test_the_csv_holds_every_figure_of_every_item(client):
    login(client, "logistics")
    run_forecast(client)
    download = client.get("/forecast.csv")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    reader = csv.DictReader(io.StringIO(download.get_data(as_text=True)))
    rows = list(reader)
    assert tuple(reader.fieldnames) == CSV_COLUMNS and len(rows) == 14
    row = next(row for row in rows if row["code"] == "LV-BGLOB")
    assert row["unit"] == "vial" and row["run"] == "1" and float(row["order_quantity"]) > 0
    assert row["as_of"] == rows[0]["as_of"] and float(row["in_transit"]) == 4


def test_unknown_items_and_runs_are_404(client):
    login(client, "logistics")
    run_forecast(client)
    assert client.get("/forecast/items/NO-SUCH-ITEM").status_code == 404
    assert client.get("/forecast/runs/999/inputs.json").status_code == 404


def test_without_a_bill_of_materials_the_page_points_to_recruitment_and_a_run_fails_gently(app, client):
    with unit_of_work(app.extensions["logistics"].sessions, actor="test") as session:
        for line in session.exec(select(BomLine)).all():
            session.delete(line)
    login(client, "logistics")
    page = client.get("/forecast").get_data(as_text=True)
    assert "There is nothing to forecast from yet" in page and 'href="/recruitment"' in page
    answer = run_forecast(client)
    assert answer.status_code == 200 and "The forecast could not run" in answer.get_data(as_text=True)


# -- manufacturing slots, lots left out, scenarios compared, a run in the background ---------------------

def store_run(runtime, *, slots=None, excluded=None, older=False):
    """A forecast of the demo stored as a run, its answer given `slots` and, per item code, `excluded`
    lots; `older`: as stored before lots were left out (no "excluded" at all). Returns the run's id and
    day."""
    now = datetime.now(UTC)
    with unit_of_work(runtime.sessions, actor="test") as session:
        today = forecasting.today(runtime.settings, now)
        document = forecasting.inputs(session, runtime.settings, as_of=today)
        record = forecasting.result_record(forecasting.compute(document))
        if slots is not None:
            record["slots"] = slots
        for item in record["items"]:
            if excluded is not None:
                item["excluded"] = excluded.get(item["code"], [])
            if older:
                del item["excluded"]
        run = ForecastRun(run_at=now, as_of=date.fromisoformat(record["as_of"]), trigger="manual",
                          fingerprint=forecasting.fingerprint(document), inputs=json.dumps(document),
                          result=json.dumps(record), seconds=0.1)
        session.add(run)
        session.flush()
        return run.id, run.as_of


def slots_from(as_of):
    return [{"patient": "P006", "slot_date": (as_of + timedelta(days=9)).isoformat(), "probability": 0.991,
             "limiting_item": "LV-BGLOB", "enrolled": True},
            {"patient": "P007", "slot_date": (as_of + timedelta(days=40)).isoformat(), "probability": 0.62,
             "limiting_item": "QC-ENDO", "enrolled": False},
            {"patient": "P008", "slot_date": (as_of + timedelta(days=75)).isoformat(), "probability": 1.0,
             "limiting_item": None, "enrolled": False},
            {"patient": "P009", "slot_date": (as_of + timedelta(days=90)).isoformat(), "probability": 0.9499,
             "limiting_item": "QC-ENDO", "enrolled": False}]


def table_rows(page, css_class):
    table = page[page.index(f'<table class="list cards {css_class}">'):]
    table = table[:table.index("</table>")]
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip())
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]]


def test_the_page_lists_the_next_slots_and_marks_those_at_risk(app, client):
    as_of = forecasting.today(app.extensions["logistics"].settings, datetime.now(UTC))
    store_run(app.extensions["logistics"], slots=slots_from(as_of))
    login(client, "viewer")
    page = client.get("/forecast").get_data(as_text=True)
    assert "Next manufacturing slots" in page
    rows = table_rows(page, "slots")
    day = (as_of + timedelta(days=40)).strftime("%b %-d, %Y")
    assert rows[1] == f"P007 {day} 62% at risk QC-ENDO predicted", rows
    assert rows[0].startswith("P006") and rows[0].endswith("99% LV-BGLOB enrolled")
    assert "at risk" not in rows[0]
    assert rows[2].endswith("100% — predicted")
    assert rows[3].endswith("94% at risk QC-ENDO predicted")  # short of 95 %: never shown as 95 %
    assert page.count('<tr class="at-risk">') == 2 and 'href="/forecast/items/QC-ENDO"' in page
    assert "Below 95% a slot is marked at risk" in page


def test_without_upcoming_slots_the_page_says_so(app, client):
    store_run(app.extensions["logistics"], slots=[])
    login(client, "viewer")
    page = client.get("/forecast").get_data(as_text=True)
    assert "No upcoming manufacturing slots in this forecast." in page
    assert 'class="list cards slots"' not in page


def test_the_item_page_lists_the_lots_left_out_and_why(app, client):
    store_run(app.extensions["logistics"], excluded={"LV-BGLOB": [
        {"quantity": 2.0, "expiry": "2027-01-05", "reason": "do-not-count"},
        {"quantity": 4.0, "expiry": "2027-02-01", "reason": "do-not-ship"},
        {"quantity": 1.0, "expiry": "2026-01-01", "reason": "expired"}]})
    login(client, "viewer")
    page = client.get(ITEM).get_data(as_text=True)
    assert table_rows(page, "excluded") == [
        "2 vial Jan 5, 2027 do not count: it expires within the item's do-not-count days",
        "4 vial Feb 1, 2027 do not ship: it would arrive with too little shelf life left",
        "1 vial Jan 1, 2026 expired"]
    other = client.get("/forecast/items/SEL-CD34").get_data(as_text=True)
    assert "Every lot on hand and on its way counts" in other and 'class="list cards excluded"' not in other


def test_an_older_forecast_says_nothing_of_lots_left_out(app, client):
    store_run(app.extensions["logistics"], older=True)
    login(client, "viewer")
    page = client.get(ITEM).get_data(as_text=True)
    assert "Lots left out" not in page and "Every lot on hand" not in page


def test_the_scenarios_compare_side_by_side_with_a_chart(app, client):
    store_run(app.extensions["logistics"])
    login(client, "viewer")
    answer = client.get("/forecast/compare")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Computed now from the inputs of the forecast run" in page
    scenarios = table_rows(page, "scenarios")
    assert [row.split(" ")[:2] for row in scenarios] == [["as", "planned"], ["recruitment", "50%"],
                                                         ["recruitment", "50%"], ["14", "more"]]
    items = table_rows(page, "compare")
    assert len(items) == 14 * 5  # each item's heading row and its four scenarios
    assert items[0] == "CRYO-BAG" and items[1].startswith("as planned")
    assert items[4].startswith("14 more days at customs")
    svg = page[page.index('<figure class="plot lane-bars" id="chart-stockout">'):]
    svg = svg[:svg.index("</svg>")]
    assert '<title id="chart-stockout-title">Highest stock-out risk by scenario</title>' in svg
    assert len(re.findall(r'<rect class="bar-actual"', svg)) == 4
    assert "The highest stock-out risk of any item in each scenario. as planned: " in page
    # The least ready slot, or a dash while the forecast lists none.
    for row in table_rows(page, "scenarios"):
        assert re.search(r"(—|\d+% ready: P\d{3} on .+)$", row), row


def test_the_comparison_csv_has_a_row_per_scenario_and_item(app, client):
    run_id, as_of = store_run(app.extensions["logistics"])
    login(client, "viewer")
    download = client.get("/forecast/compare.csv")
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == f"attachment; filename=forecast-{as_of}-scenarios.csv"
    reader = csv.DictReader(io.StringIO(download.get_data(as_text=True)))
    rows = list(reader)
    assert tuple(reader.fieldnames) == COMPARE_CSV_COLUMNS and len(rows) == 4 * 14
    assert {row["run"] for row in rows} == {str(run_id)} and {row["as_of"] for row in rows} == {str(as_of)}
    by = {(row["scenario"], row["code"]): row for row in rows}
    planned = {code: float(row["order_quantity"]) for (scenario, code), row in by.items()
               if scenario == "planned"}
    total = {key: sum(float(row["order_quantity"]) for (scenario, _c), row in by.items() if scenario == key)
             for key in ("planned", "faster", "slower", "customs_hold")}
    assert total["faster"] >= total["planned"] >= total["slower"]
    assert total["customs_hold"] >= total["planned"]
    assert by[("customs_hold", "LV-BGLOB")]["extra_lead_days"] == "14"
    assert by[("faster", "LV-BGLOB")]["recruitment_factor"] == "1.5"
    # The planned scenario is the stored forecast computed again: the same figures.
    with app.extensions["logistics"].sessions() as session:
        result = json.loads(session.get(ForecastRun, run_id).result)
    assert planned == {item["code"]: item["order_quantity"] for item in result["items"]}


def test_before_the_first_forecast_there_is_nothing_to_compare(client):
    login(client, "viewer")
    page = client.get("/forecast/compare").get_data(as_text=True)
    assert "No forecast has been run yet: the scenarios are computed from the latest forecast" in page
    assert client.get("/forecast/compare.csv").status_code == 404


def test_slot_risk_is_the_least_likely_slot_and_none_without_slots():
    risk = forecast_comparison.slot_risk(slots_from(date(2027, 1, 4)))
    assert (risk.patient, risk.slot_date, risk.probability, risk.limiting_item) == (
        "P007", date(2027, 2, 13), 0.62, "QC-ENDO")
    assert forecast_comparison.slot_risk([]) is None


class HeldRun:
    """The forecast run, held after its first report until the test releases it: a run as long as the test
    needs to look at it. It may then fail with `failure` instead."""

    def __init__(self, failure=None):
        self.release = threading.Event()
        self.failure = failure

    def __call__(self, document, progress):
        progress(1, 4)
        assert self.release.wait(10)
        if self.failure:
            raise self.failure
        return forecasting.compute(document, progress=progress)


def hold_runs(app, failure=None):
    held = HeldRun(failure)
    app.extensions[BACKGROUND] = BackgroundForecasts(held)
    return held


def progress_once_reported(client):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        job = client.get("/forecast/run/progress").get_json()
        if job.get("total"):
            return job
        time.sleep(0.02)
    raise AssertionError("no progress reported")


def test_a_run_shows_its_progress_until_the_new_forecast_and_a_second_waits(app, client):
    held = hold_runs(app)
    login(client, "logistics")
    assert client.get("/forecast/run/progress").get_json() == {"state": "idle"}
    token = csrf_token(client, "/forecast")
    assert client.post("/forecast/run", data={"csrf_token": token}).status_code == 302
    assert progress_once_reported(client) == {"state": "running", "done": 1, "total": 4, "shown": "25%",
                                              "run_id": None, "problem": None}
    page = client.get("/forecast").get_data(as_text=True)
    assert '<progress id="forecast-progress" aria-labelledby="progress-label" max="4" value="1">' in page
    assert "Running the forecast, started by logistics at" in page and "forecast_progress.js" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    again = client.post("/forecast/run", data={"csrf_token": token}, follow_redirects=True)
    assert "A forecast is running already (started by logistics at" in again.get_data(as_text=True)
    sign_out(client)
    login(client, "viewer")  # everyone sees it run
    assert "Running the forecast, started by logistics" in client.get("/forecast").get_data(as_text=True)
    held.release.set()
    job = wait_for_the_run(client)
    with app.extensions["logistics"].sessions() as session:
        runs = session.exec(select(ForecastRun)).all()
    assert job["state"] == "done" and [run.id for run in runs] == [job["run_id"]]  # one run, not two
    page = client.get("/forecast").get_data(as_text=True)
    assert "Forecast run as of" in page and "<progress" not in page and "What to order" in page


@pytest.mark.parametrize(("failure", "said"), [
    (ForecastError("recruitment: target must be at least 1"),
     "The forecast could not run: recruitment: target must be at least 1"),
    (RuntimeError("disk full"), "The forecast could not run: an unexpected error (the server log has the "
                                "details)."),
])
def test_a_failed_run_ends_with_its_problem_shown(app, client, failure, said, caplog):
    hold_runs(app, failure).release.set()
    login(client, "logistics")
    client.post("/forecast/run", data={"csrf_token": csrf_token(client, "/forecast")})
    job = wait_for_the_run(client)
    assert job["state"] == "failed" and job["problem"] == said
    answer = client.get("/forecast")
    assert answer.status_code == 200
    assert f'<p class="flash error" role="alert">{html.escape(said)}</p>' in answer.get_data(as_text=True)
    assert ("disk full" in caplog.text) == isinstance(failure, RuntimeError)


def test_the_item_page_says_which_qc_release_times_the_forecast_drew(app, client):
    runtime = app.extensions["logistics"]
    run_id, _as_of = store_run(runtime)
    with unit_of_work(runtime.sessions, actor="test") as session:
        run = session.get(ForecastRun, run_id)
        document = json.loads(run.inputs)
        document["forecast"]["release_days"] = [1, 2, 2, 3, 6]
        run.inputs = json.dumps(document)
    login(client, "viewer")
    page = client.get(ITEM).get_data(as_text=True)
    assert "p50 2 days, p90 4.8 days over the last 5 receipts" in html.unescape(page)
    with unit_of_work(runtime.sessions, actor="test") as session:
        run = session.get(ForecastRun, run_id)
        document = json.loads(run.inputs)
        del document["forecast"]["release_days"]
        run.inputs = json.dumps(document)
    page = client.get(ITEM).get_data(as_text=True)
    assert "No receipt has been released yet: lots on their way count as usable on the day they arrive." \
        in page
