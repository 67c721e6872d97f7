"""A lane's analytics page (also in Thai), its CSV file and its API answer, on the history seeded in
tests/services/test_lane_analytics.py: readable by every signed-in user, linked from the lanes; and the
forecast item page naming the lanes its lead time was learned from."""

from __future__ import annotations

import csv
import dataclasses
import io

from logistics.db.engine import unit_of_work
from logistics.services import forecasting, recruitment
from tests.conftest import NOW
from tests.services.test_lane_analytics import LANE, seed_history
from tests.web.conftest import login, web_app
from tests.web.test_api import bearer
from tests.web.test_languages import choose


def test_the_page_shows_the_figures_and_draws_its_charts(app, client):
    seed_history(app.extensions["logistics"])
    login(client, "viewer")
    page = client.get(f"/lanes/{LANE}/analytics").get_data(as_text=True)
    assert "Lane TEST-HKG-PH: analytics" in page
    for chart in ("chart-times", "chart-excursions", "chart-carriers", "chart-outside",
                  "chart-transit-months", "chart-excursion-months"):
        assert f'id="{chart}"' in page and f'id="{chart}-title"' in page
    assert page.count('class="bar-actual"') >= 10 and 'class="hot-season"' in page
    assert "1 · truck HG-SZ → HKG" in page and "at HKG, after leg 1" in page
    assert "<dt>Door to door, actual p90</dt><dd>28.0 h</dd>" in page
    assert "12.0 h (p90 18.4 h)" in page  # the flight's bar, with its note
    assert 'class="heat-4">30<' in page  # 30 min out of range on the flight, in May
    assert "TL-1" in page and "hot season" in page
    assert f'href="/lanes/{LANE}/analytics"' in client.get("/lanes").get_data(as_text=True)
    assert f'href="/lanes/{LANE}/analytics"' in client.get(f"/lanes/{LANE}").get_data(as_text=True)


def test_a_lane_without_arrived_shipments_and_an_unknown_one(client):
    login(client, "qa")
    empty = client.get("/lanes/SZ-HKG-BKK-CM/analytics")
    assert empty.status_code == 200
    assert "No shipment on this lane has arrived yet" in empty.get_data(as_text=True)
    assert client.get("/lanes/NO-SUCH-LANE/analytics").status_code == 404
    assert client.get("/lanes/NO-SUCH-LANE/analytics.csv").status_code == 404


def test_the_csv_file_has_a_row_per_leg_stop_carrier_month_and_season(app, client):
    seed_history(app.extensions["logistics"])
    login(client, "pharmacy")
    response = client.get(f"/lanes/{LANE}/analytics.csv")
    assert response.mimetype == "text/csv" and "lane-TEST-HKG-PH-analytics.csv" in \
        response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_name = {(row["section"], row["name"]): row for row in rows}
    assert by_name[("lane", "door to door")]["actual_p50_h"] == "20.0"
    assert by_name[("leg", "2 air HKG-SIRIRAJ-PH")]["out_of_range_h"] == "0.5"
    assert by_name[("carrier", "Cathay Cargo")]["excursions_per_100_shipments"] == "33.3"
    assert by_name[("month", "2026-05")]["season"] == "hot_season"
    assert by_name[("stop", "after leg 1 at HKG")]["actual_p90_h"] == "5.4"


def test_the_api_answers_with_a_token_and_the_openapi_document_describes_it(app, client, token_for):
    seed_history(app.extensions["logistics"])
    assert client.get(f"/api/v1/lanes/{LANE}/analytics").status_code == 401
    viewer = bearer(token_for("viewer"))
    answer = client.get(f"/api/v1/lanes/{LANE}/analytics", headers=viewer).get_json()
    assert answer["shipments"] == ["TL-3", "TL-2", "TL-1"]
    assert answer["actual_transit"] == {"count": 3, "p50_hours": 20.0, "p90_hours": 28.0}
    assert answer["legs"][1]["exposure"]["excursions"] == 1
    assert [season["period"] for season in answer["seasons"]] == ["hot_season", "rainy_season"]
    missing = client.get("/api/v1/lanes/NO-SUCH-LANE/analytics", headers=viewer)
    assert missing.status_code == 404
    paths = client.get("/api/v1/openapi.json", headers=viewer).get_json()["paths"]
    assert "get" in paths["/api/v1/lanes/{code}/analytics"]


def test_the_page_in_thai(app, client):
    seed_history(app.extensions["logistics"])
    login(client, "logistics")
    choose(client, "th")
    page = client.get(f"/lanes/{LANE}/analytics").get_data(as_text=True)
    assert "เส้นทาง TEST-HKG-PH: การวิเคราะห์" in page and "ฤดูร้อน" in page
    assert "12.0 ชม. (p90 18.4 ชม.)" in page


def test_the_forecast_item_page_says_which_lanes_its_lead_time_comes_from(sqlite_demo_runtime):
    settings = dataclasses.replace(sqlite_demo_runtime.settings, forecast_runs=500,
                                   forecast_lead_time_shipments=3)
    runtime = dataclasses.replace(sqlite_demo_runtime, settings=settings)
    seed_history(runtime)
    with unit_of_work(runtime.sessions, actor="test", reason="bill of materials") as session:
        recruitment.add_bom_line(session, item="TEST-KIT", basis="patient", quantity="1 kit", offset_days=0)
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        forecasting.run_forecast(session, settings, now=NOW, trigger="manual")
    client = login(web_app(runtime).test_client(), "viewer")
    page = client.get("/forecast/items/TEST-KIT").get_data(as_text=True)
    assert "p50 1 day, p90 1.8 days." in page
    assert "the last 3 shipments on the lanes this item travels" in page
    assert f'<a href="/lanes/{LANE}/analytics">{LANE}</a>' in page
