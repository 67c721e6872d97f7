"""Sites: the list and a site's edit form (name, time zone, geofence; logistics edits, the others read),
and /api/v1/sites (read with a token or a session, set whole with a token and a reason); a fence refused
by field as `core.geofence` says, every change in the audit trail."""

from __future__ import annotations

import html
import json
import re

from tests.web.conftest import csrf_token, login
from tests.web.test_api import bearer

EDIT = "/sites/SIRIRAJ-PH/edit"
FORM = {"name": "Siriraj Hospital pharmacy", "timezone": "Asia/Bangkok", "latitude": "13.7592",
        "longitude": "100.4853", "radius_m": "250", "reason": "fence drawn round the pharmacy's building"}


def test_everyone_reads_the_sites_and_only_those_who_edit_shipments_are_offered_to_change_them(app):
    viewer = login(app.test_client(), "viewer")
    page = viewer.get("/sites").get_data(as_text=True)
    assert "400 m around 13.759, 100.485" in page and "Asia/Hong_Kong" in page
    assert EDIT not in page and viewer.get(EDIT).status_code == 403
    assert EDIT in login(app.test_client(), "logistics").get("/sites").get_data(as_text=True)


def test_a_site_is_changed_on_its_form_with_a_reason_the_trail_keeps(app, token_for):
    client = login(app.test_client(), "logistics")
    saved = client.post(EDIT, data={**FORM, "csrf_token": csrf_token(client, EDIT)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "250 m around 13.7592, 100.4853" in client.get("/sites").get_data(as_text=True)
    events = client.get("/api/v1/audit?entity=sites&actor=logistics",
                        headers=bearer(token_for("viewer"))).get_json()["items"]
    assert {(event["field"], json.loads(event["new_value"]), event["reason"]) for event in events} == {
        ("name", "Siriraj Hospital pharmacy", FORM["reason"]), ("latitude", 13.7592, FORM["reason"]),
        ("longitude", 100.4853, FORM["reason"]), ("radius_m", 250.0, FORM["reason"])}
    none = {**FORM, "latitude": "", "longitude": "", "radius_m": "", "reason": "no fence"}
    assert client.post(EDIT, data={**none, "csrf_token": csrf_token(client, EDIT)}).status_code == 302
    assert re.search(r'id="site-SIRIRAJ-PH">.*?<td>none</td>', client.get("/sites").get_data(as_text=True),
                     re.S)


def test_a_fence_or_zone_refused_comes_back_naming_each_field(app):
    client = login(app.test_client(), "logistics")
    bad = {**FORM, "timezone": "Asia/Atlantis", "longitude": "", "radius_m": "10"}
    refused = client.post(EDIT, data={**bad, "csrf_token": csrf_token(client, EDIT)})
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    for field, problem in (("timezone", "'Asia/Atlantis' is not an IANA time zone"),
                           ("longitude", "give the latitude, longitude and radius together"),
                           ("radius_m", "must be from 50 to 50000")):
        assert re.search(rf'<p class="field-error" id="{field}-error">{re.escape(problem)}', page), field


def test_the_api_reads_and_sets_a_site_whole_and_refuses_bad_input_naming_the_field(app, token_for):
    client, editor = app.test_client(), bearer(token_for("logistics"))
    listed = client.get("/api/v1/sites", headers=editor).get_json()["items"]
    assert [site["code"] for site in listed] == ["BKK", "HG-SZ", "HKG", "SIRIRAJ-CM", "SIRIRAJ-PH", "SZX"]
    bkk = client.get("/api/v1/sites/BKK", headers=editor).get_json()
    assert (bkk["timezone"], bkk["latitude"], bkk["radius_m"], bkk["kind"]) == ("Asia/Bangkok", 13.69, 4000,
                                                                                "airport")
    whole = {key: bkk[key] for key in ("name", "timezone", "latitude", "longitude")}
    changed = client.put("/api/v1/sites/BKK", headers=editor,
                         json={**whole, "radius_m": 5000, "reason": "cargo terminal inside"})
    assert changed.status_code == 200 and changed.get_json()["radius_m"] == 5000
    for body, field in (({**whole, "radius_m": 5000}, "reason"),
                        ({**whole, "radius_m": 60_000, "reason": "x"}, "radius_m"),
                        ({**whole, "latitude": None, "radius_m": 5000, "reason": "x"}, "latitude"),
                        ({**whole, "radius_m": "far", "reason": "x"}, "radius_m"),
                        ({**whole, "timezone": "../etc/passwd", "radius_m": 5000, "reason": "x"}, "timezone"),
                        ({**whole, "radius_m": 5000, "kind": "port", "reason": "x"}, "kind")):
        answer = client.put("/api/v1/sites/BKK", headers=editor, json=body)
        assert answer.status_code == 422 and field in answer.get_json()["fields"], (body, answer.get_json())
    missing = client.put("/api/v1/sites/NOWHERE", headers=editor, json={**whole, "reason": "x"})
    assert missing.status_code == 404
    assert client.put("/api/v1/sites/BKK", headers=bearer(token_for("qa")),
                      json={**whole, "reason": "x"}).status_code == 403
    paths = client.get("/api/v1/openapi.json", headers=editor).get_json()["paths"]
    assert set(paths["/api/v1/sites/{code}"]) == {"get", "put"} and "get" in paths["/api/v1/sites"]
