"""The reorder forecast's pages: the latest recommendation, an item's reasons and fan chart, the what-if,
the downloads, and who may run a forecast."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time

import pytest
from sqlmodel import select

from logistics.app import build_runtime
from logistics.db.engine import unit_of_work
from logistics.db.models import BomLine, ForecastRun
from logistics.web.forecast import CSV_COLUMNS
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
    codes = re.findall(r'href="/forecast/items/([A-Z0-9-]+)"', page)
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
