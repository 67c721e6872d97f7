"""Pages and the API show whatever numbers are stored, however extreme, instead of failing on them.

Earlier versions stored physically impossible readings (a 1.7e200 g shock, humidity 1e308, a latitude
of 999); those records stay in the database, and every page that shows them must still answer.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, Reading
from logistics.readers.config_files import load_alert_routes
from logistics.services.excursions import scan
from tests.conftest import NOW
from tests.web.conftest import login, web_app

START = NOW - timedelta(hours=9)  # LG-24003 travels with HG-2026-0045, in transit since NOW - 10 h
EXTREMES = [  # (shock g, humidity, battery, latitude, longitude)
    (1.7e200, 1e308, -5.0, 999.0, -999.0),
    (1e30, -1e308, 1e308, -1e300, 1e300),
    (5e-324, 0.0, 100.0, 13.69, 100.75),
]


@pytest.fixture
def app_with_extremes(demo_runtime):
    with demo_runtime.sessions() as session:
        logger_id = session.exec(select(Logger.id).where(Logger.code == "LG-24003")).one()
    rows = [dict(logger_id=logger_id, device_time=START + timedelta(minutes=5 * index), received_at=NOW,
                 temperature_c=5.0, shock_g=shock, humidity=humidity, battery=battery, latitude=latitude,
                 longitude=longitude, seq=2**63 - 1 - index, source="mqtt", time_flagged=False)
            for index, (shock, humidity, battery, latitude, longitude) in enumerate(EXTREMES * 4)]
    with demo_runtime.engine.begin() as connection:
        connection.execute(insert(Reading), rows)
    with unit_of_work(demo_runtime.sessions, actor="scheduler") as session:
        scan(session, demo_runtime.profiles, load_alert_routes(), now=NOW, public_url="http://tracker")
    return web_app(demo_runtime)


PAGES = {
    "logistics": ["/", "/dashboard/live", "/shipments", "/shipments/HG-2026-0045",
                  "/shipments/HG-2026-0045/charts", "/shipments/HG-2026-0045/packing-list.pdf",
                  "/shipments/HG-2026-0045/receipt-report.pdf", "/shipments.csv", "/loggers", "/alerts",
                  "/api/v1/shipments/HG-2026-0045", "/api/v1/shipments/HG-2026-0045/excursions",
                  "/api/v1/shipments/HG-2026-0045/lots", "/api/v1/shipments/HG-2026-0045/epcis",
                  "/api/v1/loggers", "/api/v1/alerts", "/api/v1/metrics"],
    "pharmacy": ["/receiving/HG-2026-0045", "/stock"],
    "qa": ["/qa"],
}


def test_every_page_shows_extreme_stored_readings(app_with_extremes):
    for role, paths in PAGES.items():
        client = app_with_extremes.test_client()
        login(client, role)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (role, path, response.get_data(as_text=True)[:500])
    client = app_with_extremes.test_client()
    login(client, "logistics")
    page = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    assert "1.7E200" in page  # the shock excursion's peak, written so it can be read
