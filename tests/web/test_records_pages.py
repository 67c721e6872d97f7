"""The alerts page (with each alert's delivery log) and the audit trail page (read only, filtered)."""

from __future__ import annotations

from datetime import UTC, datetime

from logistics.core.alerting import AlertFacts, parse_routes
from logistics.db.engine import unit_of_work
from logistics.services.alerts import raise_alert
from tests.web.conftest import login


def raise_two(app):
    runtime = app.extensions["logistics"]
    routes = parse_routes({"routes": [{"targets": [{"channel": "webhook", "address": "http://127.0.0.1:9/hook"},
                                                   {"channel": "in_app", "address": "qa"}]}]})
    now = datetime.now(UTC)
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        for key, kind, severity, title in (("a:1", "excursion", "major", "Above 8 °C on LG-24003"),
                                           ("a:2", "silent_logger", "critical", "LG-24005 silent")):
            raise_alert(session, routes, AlertFacts(key=key, kind=kind, severity=severity, site="SIRIRAJ-PH",
                                                    subject="HG-2026-0045", title=title, body="details",
                                                    raised_at=now, link="/shipments/HG-2026-0045"))


def test_alerts_are_listed_with_their_deliveries_and_filtered(app, client):
    raise_two(app)
    login(client, "viewer")
    page = client.get("/alerts").get_data(as_text=True)
    assert "Above 8 °C on LG-24003" in page and "LG-24005 silent" in page
    assert "webhook → http://127.0.0.1:9/hook: <b>pending</b>" in page and "in_app → qa" in page
    major = client.get("/alerts?severity=major").get_data(as_text=True)
    assert "Above 8 °C on LG-24003" in major and "LG-24005 silent" not in major
    silent = client.get("/alerts?kind=silent_logger&undelivered=1").get_data(as_text=True)
    assert "LG-24005 silent" in silent and "Above 8 °C" not in silent


def test_the_audit_trail_is_searchable_and_offers_no_way_to_change_it(client):
    login(client, "viewer")
    page = client.get("/audit?entity=shipments&actor=demo").get_data(as_text=True)
    assert "HG-2026-0045" in page and "status:</span> planned → in_transit" in page and "<form" in page
    assert 'method="post"' not in page.split("<main", 1)[1]  # filters only: nothing here writes
    nothing = client.get("/audit?actor=nobody-at-all").get_data(as_text=True)
    assert "No event matches." in nothing
    bad = client.get("/audit?from=yesterday")
    assert bad.status_code == 422 and "enter a date and time" in bad.get_data(as_text=True)
    assert client.post("/audit").status_code == 405
