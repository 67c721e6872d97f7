"""The dashboard: active shipments as they are now, and the fragment the page refreshes itself with."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.web.conftest import login, web_app


def send(app, logger, *readings):
    runtime = app.extensions["logistics"]
    payload = json.dumps({"readings": [{"ts": time.isoformat(), "temp": temp} for time, temp in readings]})
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger,
                                                          payload=payload.encode(),
                                                          received_at=datetime.now(UTC))])


def row_of(page, reference):
    return page.split(f'data-reference="{reference}"', 1)[1].split("</tr>", 1)[0]


def test_it_lists_the_shipments_under_way_with_what_their_loggers_say_now(app, client):
    login(client, "viewer")
    now = datetime.now(UTC)
    send(app, "LG-24003", (now - timedelta(minutes=12), 5.0), (now - timedelta(minutes=2), 9.4))
    page = client.get("/").get_data(as_text=True)
    assert "Shipments under way" in page and 'data-live-url="/dashboard/live"' in page
    row = row_of(page, "HG-2026-0045")
    logger = row.split("LG-24003", 1)[1].split("</div>", 1)[0]
    assert "9.4 °C" in logger and "2 min ago" in logger and "above range" in logger
    assert "state-above" in row.split("LG-24003", 1)[0].rsplit("<div", 1)[1]
    assert "LG-24004" in row and "never" in row.split("LG-24004", 1)[1]  # nothing from it yet
    assert "HG-2026-0041" not in page  # delivered long ago: not under way


def test_the_live_fragment_is_the_table_alone_and_follows_new_readings(app, client):
    login(client, "viewer")
    before = client.get("/dashboard/live").get_data(as_text=True)
    assert "<html" not in before and "<table" in before
    assert "°C" not in row_of(before, "HG-2026-0045").split("LG-24003", 1)[1].split("</div>", 1)[0]
    send(app, "LG-24003", (datetime.now(UTC) - timedelta(seconds=30), 4.6))
    after = client.get("/dashboard/live").get_data(as_text=True)
    assert "4.6 °C" in row_of(after, "HG-2026-0045")


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.get("/").status_code == 302 and client.get("/dashboard/live").status_code in (302, 401)


def test_goods_under_way_with_no_logger_need_attention_and_the_caption_counts_them(app, client):
    from logistics.db.engine import unit_of_work
    from logistics.services import loggers

    runtime = app.extensions["logistics"]
    with unit_of_work(runtime.sessions, actor="somchai", reason="loggers taken out") as session:
        for code in ("LG-24003", "LG-24004"):
            loggers.stop_recording(session, reference="HG-2026-0045", logger_code=code,
                                   at=datetime.now(UTC) - timedelta(hours=2, minutes=5))
    login(client, "viewer")
    page = client.get("/").get_data(as_text=True)
    row = row_of(page, "HG-2026-0045")
    assert 'class="badge badge-major">no logger recording for 2 h' in row
    assert 'data-attention="other"' in row and "<small>no logger</small>" not in row
    attention_rows = page.count('<tr class="attention attention-')
    total_rows = page.count("data-reference=")
    assert f"{attention_rows} of {total_rows} need attention" in page
    assert attention_rows == 3 and total_rows == 3  # each active demo shipment: silent loggers, or none


@pytest.fixture
def one_a_page(sqlite_demo_runtime):
    """The demo's three active shipments, one to a page."""
    settings = dataclasses.replace(sqlite_demo_runtime.settings, page_size=1)
    return web_app(dataclasses.replace(sqlite_demo_runtime, settings=settings)).test_client()


def references(page):
    return re.findall(r'data-reference="([^"]+)"', page)


def test_the_dashboard_pages_its_rows_in_urgency_order_and_counts_every_shipment(client, one_a_page):
    login(client, "viewer")
    everything = references(client.get("/").get_data(as_text=True))
    login(one_a_page, "viewer")
    first = one_a_page.get("/").get_data(as_text=True)
    assert references(first) == everything[:1] and len(everything) == 3
    assert "3 of 3 need attention" in first and "3 shipments · page 1 of 3" in first
    assert re.search(r'needs a look <b>3</b>', first) and re.search(r'fine <b>0</b>', first)
    assert 'href="/?page=2">Next →' in first and "← Previous" not in first
    second = one_a_page.get("/?page=2").get_data(as_text=True)
    assert references(second) == everything[1:2] and "3 of 3 need attention" in second
    assert 'data-live-url="/dashboard/live?page=2"' in second  # the refresh keeps the page
    assert references(one_a_page.get("/dashboard/live?page=3").get_data(as_text=True)) == everything[2:]
    assert references(one_a_page.get("/?page=70").get_data(as_text=True)) == everything[2:]  # the last


def test_the_counts_filter_the_rows_and_the_filter_survives_paging_and_refresh(client):
    login(client, "viewer")
    packed = client.get("/?status=packed").get_data(as_text=True)
    assert references(packed) == ["HG-2026-0047"] and "3 of 3 need attention" in packed
    assert "1 shipment · page 1 of 1" in packed and 'data-live-url="/dashboard/live?status=packed"' in packed
    assert 'class="count chosen" href="/?status=packed"' in packed and ">Show all</a>" in packed
    looked_at = client.get("/?attention=other").get_data(as_text=True)  # a count lists what it counts
    assert 'href="/?attention=other">needs a look <b>3</b>' in packed and len(references(looked_at)) == 3
    fine = client.get("/?attention=none").get_data(as_text=True)
    assert references(fine) == [] and "No shipment matches." in fine and "3 of 3 need attention" in fine
    nonsense = client.get("/?attention=bogus&status=delivered").get_data(as_text=True)
    assert len(references(nonsense)) == 3 and "Show all" not in nonsense
