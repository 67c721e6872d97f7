"""Oversized uploads and form fields are refused with a message saying so, never a 500."""

from __future__ import annotations

from tests.web.conftest import csrf_token, login
from tests.web.test_api import bearer

TOO_BIG = "x" * (2 * 1024 * 1024 + 1)


def test_a_form_larger_than_the_site_accepts_is_refused_with_a_page_saying_so(client):
    login(client, "logistics")
    answer = client.post("/shipments/new", data={"csrf_token": csrf_token(client, "/shipments/new"),
                                                 "notes": TOO_BIG})
    assert answer.status_code == 413
    assert "larger than this site accepts (2 MiB)" in answer.get_data(as_text=True)


def test_an_api_body_larger_than_the_site_accepts_is_refused_in_json(client, token_for):
    answer = client.post("/api/v1/shipments", data=TOO_BIG, content_type="application/json",
                         headers=bearer(token_for("logistics")))
    assert answer.status_code == 413 and answer.get_json()["error"]


def test_a_field_longer_than_its_record_holds_is_named(app, client, token_for):
    login(client, "logistics")
    form = {"csrf_token": csrf_token(client, "/shipments/new"), "reference": "HG-2026-0999",
            "origin": "HG-SZ", "destination": "SIRIRAJ-PH", "notes": "n" * 5000}
    page = client.post("/shipments/new", data=form)
    assert page.status_code == 422 and 'id="notes-error"' in page.get_data(as_text=True)
    api = app.test_client().post("/api/v1/shipments", headers=bearer(token_for("logistics")),
                      json={"reference": "HG-2026-0998", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
                            "notes": "n" * 5000})
    assert api.status_code == 422 and "notes" in api.get_json()["fields"]
