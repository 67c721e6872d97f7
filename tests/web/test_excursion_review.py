"""Excursions on the shipment page: acknowledged by the people who act, resolved by QA."""

from __future__ import annotations

import re

from logistics.db.engine import unit_of_work
from logistics.readers.config_files import load_alert_routes
from logistics.services.excursions import scan
from tests.conftest import NOW
from tests.services.test_excursions import send, trace_with_a_40_minute_excursion
from tests.web.conftest import csrf_token, login
from tests.web.refusals import field_error

PAGE = "/shipments/HG-2026-0045"


def with_an_excursion(app):
    runtime = app.extensions["logistics"]
    send(runtime, trace_with_a_40_minute_excursion())
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        scan(session, runtime.profiles, load_alert_routes(), now=NOW)
    return runtime


def record_id(page_text):
    return re.search(r"/excursions/(\d+)/acknowledge", page_text).group(1)


def test_acknowledge_then_resolve_from_the_shipment_page(app, client):
    with_an_excursion(app)
    login(client, "pharmacy")
    page = client.get(PAGE).get_data(as_text=True)
    assert "above_8c_30min" in page and "40 min" in page and "9.5 °C" in page
    number = record_id(page)
    token = csrf_token(client, PAGE)
    refused = client.post(f"{PAGE}/excursions/{number}/acknowledge",
                          data={"comment": "", "csrf_token": token})
    assert refused.status_code == 422
    assert "say what is being done" in field_error(refused.get_data(as_text=True), f"comment-{number}")
    client.post(f"{PAGE}/excursions/{number}/acknowledge",
                data={"comment": "Courier told to keep it cold", "csrf_token": token})
    page = client.get(PAGE).get_data(as_text=True)
    assert "pharmacy: Courier told to keep it cold" in page and "Resolve" not in page  # not QA

    client.post("/logout", data={"csrf_token": token})
    login(client, "qa")
    token = csrf_token(client, PAGE)
    client.post(f"{PAGE}/excursions/{number}/resolve", data={
        "assessment": "Within the 72 h stability budget", "disposition": "use_within_stability_budget",
        "csrf_token": token})
    page = client.get(PAGE).get_data(as_text=True)
    assert "resolved" in page and "qa: Within the 72 h stability budget" in page


def test_viewers_and_pharmacists_are_refused_what_their_role_may_not_do(app, client):
    with_an_excursion(app)
    login(client, "viewer")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Acknowledge" not in page
    number = "1"  # the only excursion
    token = csrf_token(client, PAGE)
    response = client.post(f"{PAGE}/excursions/{number}/acknowledge",
                           data={"comment": "x", "csrf_token": token})
    assert response.status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "pharmacy")
    token = csrf_token(client, PAGE)
    assert client.post(f"{PAGE}/excursions/{number}/resolve", data={"csrf_token": token}).status_code == 403


def test_the_shipment_page_summarises_each_loggers_temperatures(app, client):
    with_an_excursion(app)
    login(client, "viewer")
    page = client.get(PAGE).get_data(as_text=True)
    summary = page[page.index("<h2>Temperature</h2>"):page.index('<h2 id="excursions">')]
    # LG-24003: 97 readings, 5.0 to 9.5 °C, 40 min above the range; LG-24004 sent nothing.
    assert "LG-24003" in summary and "<td>97</td>" in summary and "5.0 / 9.5 °C" in summary
    assert ">40 min</td>" in summary and "Refrigerated, 2–8 °C" in summary
    assert "LG-24004" in summary and "no temperature yet" in summary
