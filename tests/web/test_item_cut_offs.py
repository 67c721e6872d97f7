"""An item's expiry cut-offs (do not ship, count, dispense) are set on the recruitment page's supply terms
and through the API, refused out of range with the field named, and audited like the other item fields."""

from __future__ import annotations

from sqlmodel import select

from logistics.db.models import AuditEvent, Item
from tests.web.conftest import csrf_token, login
from tests.web.test_quantity_entry import field_error

FIELDS = ("do_not_ship_days", "do_not_count_days", "do_not_dispense_days")


def stored(app, code="SEL-CD34"):
    with app.extensions["logistics"].sessions() as session:
        item = session.exec(select(Item).where(Item.code == code)).one()
        return tuple(getattr(item, name) for name in FIELDS)


def changes(app):
    with app.extensions["logistics"].sessions() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "items",
                                                       AuditEvent.field.in_(FIELDS))  # type: ignore[attr-defined]
                              .order_by(AuditEvent.id)).all()
        return [(event.field, event.old_value, event.new_value, event.actor, event.reason)
                for event in events]


def test_the_supply_terms_set_an_items_cut_offs_and_the_trail_keeps_each_change(app):
    client = login(app.test_client(), "logistics")
    token = csrf_token(client, "/recruitment")
    saved = client.post("/recruitment/cut-offs", follow_redirects=True, data={
        "item": "SEL-CD34", "do_not_ship_days": "45", "do_not_count_days": "14", "do_not_dispense_days": "3",
        "csrf_token": token})
    page = saved.get_data(as_text=True)
    assert "Expiry cut-offs of SEL-CD34 saved." in page
    assert "45 / 14 / 3 days" in page  # the supply terms table
    assert stored(app) == (45, 14, 3)
    assert changes(app) == [
        ("do_not_ship_days", "30", "45", "logistics", "expiry cut-offs of SEL-CD34 changed"),
        ("do_not_count_days", "0", "14", "logistics", "expiry cut-offs of SEL-CD34 changed"),
        ("do_not_dispense_days", "0", "3", "logistics", "expiry cut-offs of SEL-CD34 changed")]


def test_cut_offs_out_of_range_are_refused_each_beside_its_field(app):
    client = login(app.test_client(), "logistics")
    token = csrf_token(client, "/recruitment")
    refused = client.post("/recruitment/cut-offs", data={
        "item": "SEL-CD34", "do_not_ship_days": "-1", "do_not_count_days": "1" * 400,
        "do_not_dispense_days": "2.5", "csrf_token": token})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert field_error(page, "cutoffs-do_not_ship_days") == "between 0 and 3,650 days"
    assert field_error(page, "cutoffs-do_not_count_days") == "between 0 and 3,650 days"
    assert field_error(page, "cutoffs-do_not_dispense_days") == "enter a whole number"
    unknown = client.post("/recruitment/cut-offs", data={"item": "NOPE", **dict.fromkeys(FIELDS, "1"),
                                                         "csrf_token": token})
    assert unknown.status_code == 422
    assert "no item" in field_error(unknown.get_data(as_text=True), "cutoffs-item")
    assert stored(app) == (30, 0, 0) and changes(app) == []  # the demo's, as they were


def test_the_api_reads_and_sets_the_cut_offs_for_supply_planners_only(app, token_for):
    api = app.test_client()
    planner = {"Authorization": f"Bearer {token_for('logistics')}"}
    assert api.get("/api/v1/items/SEL-CD34/cut-offs", headers=planner).get_json() == {
        "item": "SEL-CD34", "do_not_ship_days": 30, "do_not_count_days": 0, "do_not_dispense_days": 0}
    body = {"do_not_ship_days": 20, "do_not_count_days": 10, "do_not_dispense_days": 2, "reason": "QA SOP-14"}
    pharmacist = {"Authorization": f"Bearer {token_for('pharmacy')}"}
    assert api.put("/api/v1/items/SEL-CD34/cut-offs", headers=pharmacist, json=body).status_code == 403
    too_long = api.put("/api/v1/items/SEL-CD34/cut-offs", headers=planner,
                       json=body | {"do_not_count_days": 3651})
    assert too_long.status_code == 422
    assert too_long.get_json()["fields"] == {"do_not_count_days": "between 0 and 3,650 days"}
    missing = api.put("/api/v1/items/SEL-CD34/cut-offs", headers=planner, json={"do_not_ship_days": 1})
    assert missing.status_code == 422 and "do_not_count_days" in missing.get_json()["fields"]
    assert api.put("/api/v1/items/NOPE/cut-offs", headers=planner, json=body).status_code == 422
    assert api.get("/api/v1/items/NOPE/cut-offs", headers=planner).status_code == 404
    saved = api.put("/api/v1/items/SEL-CD34/cut-offs", headers=planner, json=body)
    assert saved.status_code == 200 and saved.get_json()["do_not_count_days"] == 10
    assert stored(app) == (20, 10, 2)
    assert {reason for *_, reason in changes(app)} == {"QA SOP-14"}
    paths = api.get("/api/v1/openapi.json", headers=planner).get_json()["paths"]
    assert set(paths["/api/v1/items/{code}/cut-offs"]) == {"get", "put"}
