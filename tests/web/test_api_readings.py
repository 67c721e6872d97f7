"""A shipment's readings through the API (JSON pages, CSV), on SQLite and PostgreSQL; the charts' data with a
bearer token."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from logistics.core.roles import GRANTS, Permission, Role
from logistics.db.engine import unit_of_work
from logistics.services import readings, users
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW
from tests.web.conftest import web_app
from tests.web.test_api import bearer

SHIPMENT = "HG-2026-0045"  # LG-24003 and LG-24004 joined it at NOW - 10 h and record still
JOINED = NOW - timedelta(hours=10)
ADDRESS = f"/api/v1/shipments/{SHIPMENT}/readings"
SENT = [NOW - timedelta(hours=11) + timedelta(minutes=10 * i) for i in range(61)]  # from 1 h before joining


@pytest.fixture
def app(demo_runtime):
    """The app on the demo, on each database, with readings from before and after its loggers joined."""
    for logger, offset in (("LG-24003", 0.0), ("LG-24004", 0.5), ("LG-24001", 0.0)):  # LG-24001: elsewhere
        send(demo_runtime, logger, [(time, 5.0 + offset + i / 100) for i, time in enumerate(SENT)])
    return web_app(demo_runtime)


def send(runtime, logger, readings_sent):
    payload = json.dumps({"readings": [{"ts": time.isoformat(), "temp": temp, "seq": index}
                                       for index, (time, temp) in enumerate(readings_sent)]})
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger,
                                                          payload=payload.encode(), received_at=NOW)])


def expected(logger):
    """(logger, device time) of what `app` sent the logger within its time in the shipment."""
    return [(logger, time.isoformat().replace("+00:00", "Z")) for time in SENT if time >= JOINED]


@pytest.fixture
def viewer(token_for):
    return bearer(token_for("viewer"))


def every_page(client, headers, address):
    """The readings of every page from `address` on, following `next`, and how many pages."""
    seen, pages = [], 0
    while address:
        response = client.get(address, headers=headers)
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        seen += [(item["logger"], item["device_time"]) for item in answer["items"]]
        pages += 1
        address = answer["next"]
        assert (answer["next"] is None) == (answer["next_cursor"] is None)
    return seen, pages


def test_paging_gives_every_reading_of_the_shipment_exactly_once_in_order(client, viewer):
    seen, pages = every_page(client, viewer, f"{ADDRESS}?limit=7")
    assert seen == expected("LG-24003") + expected("LG-24004")  # by logger, then time; none before joining
    assert pages == -(-len(seen) // 7)  # no empty page at the end
    whole, one = every_page(client, viewer, ADDRESS)
    assert whole == seen and one == 1  # the default page holds them all


def test_a_page_is_json_with_utc_times_and_the_columns_of_the_export(client, viewer):
    answer = client.get(f"{ADDRESS}?limit=2", headers=viewer).get_json()
    assert (answer["shipment"], answer["limit"], len(answer["items"])) == (SHIPMENT, 2, 2)
    first = answer["items"][0]
    assert list(first) == list(readings.EXPORT_COLUMNS)
    assert (first["logger"], first["device_time"], first["received_at"]) == (
        "LG-24003", "2026-11-23T20:00:00Z", "2026-11-24T06:00:00Z")
    assert (first["temperature_c"], first["seq"], first["source"], first["time_flagged"]) == (
        5.06, 6, "mqtt", False)
    assert answer["next"] == f"{ADDRESS}?limit=2&cursor={answer['next_cursor']}"


def test_one_logger_and_a_time_span(client, viewer):
    mine, _ = every_page(client, viewer, f"{ADDRESS}?logger=LG-24004&limit=10")
    assert mine == expected("LG-24004")
    since, until = "2026-11-24T07:00:00%2B07:00", "2026-11-24T01:30:00Z"  # [00:00Z, 01:30Z)
    span, _ = every_page(client, viewer, f"{ADDRESS}?since={since}&until={until}&limit=4&logger=LG-24003")
    assert [time for _, time in span] == [f"2026-11-24T{m // 60:02d}:{m % 60:02d}:00Z"
                                          for m in range(0, 90, 10)]


def test_csv_has_every_reading_selected_as_the_command_line_exports_them(app, client, viewer):
    by_header = client.get(f"{ADDRESS}?limit=3", headers={**viewer, "Accept": "text/csv"})
    assert by_header.status_code == 200 and by_header.mimetype == "text/csv"
    assert by_header.headers["Content-Disposition"] == f'attachment; filename="{SHIPMENT}-readings.csv"'
    rows = list(csv.DictReader(io.StringIO(by_header.get_data(as_text=True))))
    assert app.extensions["logistics"].engine.pool.checkedout() == 0  # the stream gave its connection back
    assert [(row["logger"], row["device_time"]) for row in rows] == [
        (logger, time.replace("Z", "+00:00")) for logger, time in expected("LG-24003") + expected("LG-24004")]
    one = client.get(f"{ADDRESS}?format=csv&logger=LG-24003", headers=viewer)
    assert one.headers["Content-Disposition"] == f'attachment; filename="{SHIPMENT}-LG-24003-readings.csv"'
    runtime = app.extensions["logistics"]
    with runtime.sessions() as session:  # what `logistics readings export --logger --shipment` writes
        exported = "".join(readings.csv_chunks(readings.iter_readings(
            session, readings.ReadingQuery(logger="LG-24003", shipment=SHIPMENT))))
    assert one.get_data(as_text=True) == exported
    assert client.get(f"{ADDRESS}?format=json", headers={**viewer, "Accept": "text/csv"}).is_json


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reads_as_the_role_matrix_says(client, token_for, role):
    response = client.get(f"{ADDRESS}?limit=1", headers=bearer(token_for(role.value)))
    allowed = Permission.VIEW in GRANTS[role]
    assert response.status_code == (200 if allowed else 403), (role, response.get_json())


def test_a_token_without_a_role_that_may_view_is_refused_and_a_revoked_one_is_unknown(app, client, token_for):
    runtime = app.extensions["logistics"]
    token = token_for("viewer")
    with runtime.engine.begin() as connection:  # a role this version does not know holds nothing
        connection.execute(text("UPDATE users SET role = 'auditor' WHERE username = 'viewer'"))
    refused = client.get(ADDRESS, headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["error"] == "your role may not view"
    revoked = token_for("qa")
    with unit_of_work(runtime.sessions, actor="admin") as session:
        users.revoke_tokens(session, "qa")
    assert client.get(ADDRESS, headers=bearer(revoked)).status_code == 401
    assert client.get(ADDRESS).status_code == 401


@pytest.mark.parametrize(("query", "field", "problem"), [
    ("since=yesterday", "since", "ISO 8601"),
    ("since=2026-11-24T08:00+07:00", "since", "write it as %2B"),  # the + arrived as a space
    ("until=2026-11-24T08:00:00", "until", "needs an offset"),
    ("until=9999-12-31T23:59:59-14:00", "until", "must be from 2000-01-01"),
    ("since=2026-11-24T01:00Z&until=2026-11-24T00:00Z", "until", "must be after since"),
    ("limit=0", "limit", "from 1 to 10,000"),
    ("limit=10001", "limit", "from 1 to 10,000"),
    ("limit=" + "9" * 400, "limit", "from 1 to 10,000"),
    ("limit=-5", "limit", "from 1 to 10,000"),
    ("limit=1e3", "limit", "from 1 to 10,000"),
    ("cursor=" + "A" * 4000, "cursor", "not a cursor"),
    ("cursor=%FF%FE", "cursor", "not a cursor"),
    ("logger=LG-24001", "logger", "never recorded for HG-2026-0045 (its loggers: LG-24003, LG-24004)"),
    ("format=xlsx", "format", "json or csv"),
    ("format=csv&since=soon", "since", "ISO 8601"),
])
def test_a_parameter_it_cannot_read_is_422_naming_it(client, viewer, query, field, problem):
    response = client.get(f"{ADDRESS}?{query}", headers=viewer)
    assert response.status_code == 422 and response.is_json, response.get_data(as_text=True)[:300]
    assert problem in response.get_json()["fields"][field]


def test_an_unknown_shipment_is_404_json(client, viewer):
    for address in ("/api/v1/shipments/NOPE/readings", "/api/v1/shipments/NOPE/readings?format=csv"):
        response = client.get(address, headers=viewer)
        assert response.status_code == 404 and response.get_json() == {"error": "no shipment 'NOPE'"}


def test_the_openapi_document_describes_it(client, viewer):
    document = client.get("/api/v1/openapi.json", headers=viewer).get_json()
    operation = document["paths"]["/api/v1/shipments/{reference}/readings"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "reference", "logger", "since", "until", "limit", "cursor", "format"}
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert "422" in operation["responses"]


def test_the_charts_data_answers_a_bearer_token_as_the_api_does(client, viewer):
    charts = client.get(f"/shipments/{SHIPMENT}/charts", headers=viewer)
    assert charts.status_code == 200 and charts.is_json
    assert sorted(chart["logger"] for chart in charts.get_json()) == ["LG-24003", "LG-24004"]
    unknown = client.get(f"/shipments/{SHIPMENT}/charts", headers=bearer("not-a-token"))
    assert unknown.status_code == 401 and "Bearer" in unknown.get_json()["error"]
    missing = client.get("/shipments/NOPE/charts", headers=viewer)
    assert missing.status_code == 404 and missing.get_json() == {"error": "no shipment 'NOPE'"}
    assert client.get(f"/shipments/{SHIPMENT}/charts").location.startswith("/login")  # no token: sign in
    assert client.get(f"/shipments/{SHIPMENT}", headers=viewer).location.startswith("/login")  # pages: never


def test_light_and_door_appear_where_the_logger_reports_them(app, client, viewer):
    at = NOW - timedelta(minutes=5)
    payload = json.dumps({"ts": at.isoformat(), "temp": 5.5, "light": 412.5, "door": "open"})
    TelemetryStore(app.extensions["logistics"].engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24004", payload=payload.encode(), received_at=NOW)])
    items = client.get(f"{ADDRESS}?logger=LG-24004&since={(NOW - timedelta(minutes=65)).isoformat()}"
                       .replace("+", "%2B"), headers=viewer).get_json()["items"]
    assert [(item["light_lux"], item["door_open"]) for item in items] == [(None, None), (412.5, True)]
    text = client.get(f"{ADDRESS}?format=csv&logger=LG-24004", headers=viewer).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert (rows[0]["light_lux"], rows[0]["door_open"]) == ("", "")
    assert (rows[-1]["light_lux"], rows[-1]["door_open"]) == ("412.5", "True")
