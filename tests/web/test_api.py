"""The JSON API: bearer tokens, validation errors naming the field, and its OpenAPI document."""

import re

import pytest

from tests.web.conftest import login

NEW = {"reference": "HG-2026-0200", "origin": "HG-SZ", "destination": "SIRIRAJ-CM",
       "air_waybill": "784-55309170", "planned_departure": "2026-12-02T01:00:00+08:00",
       "planned_arrival": "2026-12-05T10:00:00+07:00", "packaging_validated_hours": 72}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_list_and_get_with_a_token(client, token_for):
    headers = bearer(token_for("viewer"))
    listed = client.get("/api/v1/shipments?per_page=2&page=1", headers=headers).get_json()
    assert (listed["total"], len(listed["items"]), listed["per_page"]) == (6, 2, 2)
    one = client.get("/api/v1/shipments/HG-2026-0045", headers=headers).get_json()
    assert one["status"] == "in_transit"
    assert one["planned_departure"].endswith("Z")  # UTC on the wire
    assert [line["item_code"] for line in one["lines"]][0] == "SEL-CD34"
    missing = client.get("/api/v1/shipments/NOPE", headers=headers)
    assert missing.status_code == 404 and "NOPE" in missing.get_json()["error"]


def test_create_and_patch(client, token_for):
    headers = bearer(token_for("logistics"))
    created = client.post("/api/v1/shipments", json=NEW, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["planned_departure"] == "2026-12-01T17:00:00Z"
    patched = client.patch("/api/v1/shipments/HG-2026-0200", headers=headers,
                           json={"status": "packed", "reason": "packed at 08:00"})
    assert patched.get_json()["status"] == "packed"
    refused = client.patch("/api/v1/shipments/HG-2026-0200", headers=headers,
                           json={"status": "received"})
    assert refused.status_code == 422
    assert "cannot go from packed to received" in refused.get_json()["fields"]["status"]


@pytest.mark.parametrize(("body", "field", "message"), [
    ({**NEW, "air_waybill": "784-55309171"}, "air_waybill", "check digit"),
    ({**NEW, "planned_departure": "2026-12-02T01:00:00"}, "planned_departure", "timezone"),
    ({**NEW, "destination": "HG-SZ"}, "destination", "must differ"),
    ({**NEW, "origin": "ZZZ"}, "origin", "no site"),
    ({**NEW, "colour": "blue"}, "colour", "not a known field"),
    ({k: v for k, v in NEW.items() if k != "reference"}, "reference", "required"),
    ({**NEW, "packaging_validated_hours": -1}, "packaging_validated_hours", "greater than 0"),
])
def test_bad_input_is_422_naming_the_field(client, token_for, body, field, message):
    response = client.post("/api/v1/shipments", json=body, headers=bearer(token_for("admin")))
    assert response.status_code == 422
    assert message in response.get_json()["fields"][field]


def test_a_body_that_is_not_a_json_object_is_named(client, token_for):
    response = client.post("/api/v1/shipments", data="not json", headers=bearer(token_for("admin")))
    assert response.status_code == 422
    assert "JSON object" in response.get_json()["fields"]["body"]


def test_bad_paging_is_named(client, token_for):
    response = client.get("/api/v1/shipments?page=zero", headers=bearer(token_for("viewer")))
    assert response.status_code == 422 and "page" in response.get_json()["fields"]


def test_roles_apply_to_the_api(client, token_for):
    response = client.post("/api/v1/shipments", json=NEW, headers=bearer(token_for("pharmacy")))
    assert response.status_code == 403


def test_an_unknown_or_revoked_token_is_refused(client):
    response = client.get("/api/v1/shipments", headers=bearer("not-a-token"))
    assert response.status_code == 401


def test_a_browser_session_may_read_but_not_write(client):
    login(client, "admin")
    assert client.get("/api/v1/shipments").status_code == 200
    response = client.post("/api/v1/shipments", json=NEW)
    assert response.status_code == 401 and "Bearer" in response.get_json()["error"]


def test_tokens_do_not_open_pages(client, token_for):
    response = client.get("/shipments", headers=bearer(token_for("admin")))
    assert response.status_code == 302


def test_the_openapi_document_describes_every_api_route(app, client, token_for):
    document = client.get("/api/v1/openapi.json", headers=bearer(token_for("viewer"))).get_json()
    assert document["openapi"].startswith("3.")
    described = {(path, method) for path, ops in document["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # <int:id> and <id> alike
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == described
    schemas = document["components"]["schemas"]
    assert {"ShipmentCreate", "ShipmentPublic", "ShipmentPage"} <= set(schemas)
