"""The storage profiles page: admin and QA only, a new version per change, field errors shown, in Thai."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from logistics.db.models import Item, StorageProfileVersion
from tests.web.conftest import csrf_token, login


def form_of(client, path):
    """The form's fields as the page fills them: inputs' values and each select's selected option."""
    page = client.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'<input id="[^"]*" name="([^"]+)"[^>]*?value="([^"]*)"', page))
    for name, options in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen[1] if chosen else ""
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    return fields


def versions(app, name="refrigerated"):
    with app.extensions["logistics"].sessions() as session:
        return session.exec(select(StorageProfileVersion.version).where(StorageProfileVersion.name == name)
                            .order_by(col(StorageProfileVersion.version))).all()


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("qa", True), ("logistics", False),
                                               ("pharmacy", False), ("viewer", False)])
def test_only_admin_and_qa_see_the_page_and_its_link(app, role, allowed):
    client = login(app.test_client(), role)
    for path in ("/profiles", "/profiles/refrigerated", "/allowances/SEL-CD34"):
        assert client.get(path).status_code == (200 if allowed else 403), path
    assert ('href="/profiles"' in client.get("/").get_data(as_text=True)) == allowed


def test_a_new_version_is_recorded_with_its_reason_and_shown_with_what_changed(app):
    client = login(app.test_client(), "qa")
    form = form_of(client, "/profiles/refrigerated")
    assert (form["max_c"], form["rules.1.name"], form["rules.1.minutes"], form["rules.1.kind"]) == (
        "8", "above_8c_30min", "30", "above")
    form.update({"rules.1.name": "above_8c_15min", "rules.1.minutes": "15", "rules.4.name": "",
                 "rules.4.threshold_c": "", "reason": "stability study SR-2026-14"})  # row 4 emptied
    response = client.post("/profiles/refrigerated", data=form)
    assert response.status_code == 302 and response.location.endswith("/profiles#profile-refrigerated")
    assert versions(app) == [1, 2]
    page = client.get("/profiles").get_data(as_text=True)
    assert "Version 2 of refrigerated recorded" in page and "refrigerated v2" in page
    assert "Rule above_8c_15min added" in page and "Rule freeze_below_0c removed" in page
    assert "stability study SR-2026-14" in page and "seeded from config/profiles.toml" in page
    assert app.extensions["logistics"].profiles["refrigerated"].rules[0].minutes == 15


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"min_c": "9"}, "min_c", "min_c is above max_c"),
    ({"shock_g": "lots"}, "shock_g", "shock_g must be a number"),
    ({"rules.3.kind": "", "rules.3.mode": "single"}, "rules.3.kind", "kind is required"),
    ({"rules.6.name": "new", "rules.6.threshold_c": "12"}, "rules.6.kind", "kind is required"),
    ({"reason": ""}, "reason", "say why this version is made"),
])
def test_a_version_that_cannot_be_used_is_shown_again_with_the_field_marked(app, change, field, message):
    client = login(app.test_client(), "admin")
    form = {**form_of(client, "/profiles/refrigerated"), "reason": "tighter", "rules.1.minutes": "20",
            **change}
    response = client.post("/profiles/refrigerated", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert f'id="{field}-error"' in page and f'aria-describedby="{field}-error"' in page
    assert versions(app) == []  # nothing recorded, not even the seed


def test_a_form_without_its_csrf_token_is_refused(app):
    client = login(app.test_client(), "qa")
    form = {**form_of(client, "/profiles/refrigerated"), "reason": "x", "rules.1.minutes": "20"}
    del form["csrf_token"]
    assert client.post("/profiles/refrigerated", data=form).status_code == 400
    assert versions(app) == []


def test_an_allowance_takes_a_duration_with_its_unit_and_becomes_the_items(app):
    client = login(app.test_client(), "qa")
    form = form_of(client, "/allowances/SEL-CD34")
    assert (form["budget_hours"], form["limit_c"], form["activation_energy_kj"]) == ("72", "25", "83.144")
    refused = client.post("/allowances/SEL-CD34",
                          data={**form, "budget_hours": "three days", "reason": "x"})
    assert refused.status_code == 422 and 'id="budget_hours-error"' in refused.get_data(as_text=True)
    response = client.post("/allowances/SEL-CD34",
                           data={**form, "budget_hours": "2 day", "reason": "SR-2026-14"})
    assert response.status_code == 302
    with app.extensions["logistics"].sessions() as session:
        item = session.exec(select(Item).where(Item.code == "SEL-CD34")).one()
    assert item.stability_budget_s == 48 * 3600
    page = client.get("/allowances/SEL-CD34").get_data(as_text=True)
    assert "Now version 2: 48" in page and "SR-2026-14" in page


def test_the_page_and_its_refusals_read_in_thai(app):
    client = login(app.test_client(), "qa")
    client.post("/language", data={"language": "th", "next": "/", "csrf_token": csrf_token(client, "/")})
    page = client.get("/profiles").get_data(as_text=True)
    assert "โปรไฟล์การจัดเก็บและค่าที่ยอมให้" in page and "เวอร์ชันใหม่" in page
    form = {**form_of(client, "/profiles/refrigerated"), "reason": ""}
    refused = client.post("/profiles/refrigerated", data=form).get_data(as_text=True)
    assert "ไม่ได้บันทึกเวอร์ชันนี้" in refused
