"""Import papers on the pages and the API (SQLite, in-process): the permit register read by every role and
changed by logistics, items' HS codes, a shipment's licence per invoice with its CSV and PDF for the
customs broker, and the packing list's dangerous-goods line."""

from __future__ import annotations

import csv
import io

from pypdf import PdfReader

from tests.web.conftest import csrf_token, login
from tests.web.test_api import bearer

PERMIT = "TFDA-CT-2026-0031"
DRY_ICE, LN2, COOL = "HG-2026-0046", "HG-2026-0047", "HG-2026-0045"


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(response.get_data())).pages)


def test_every_role_reads_the_register_and_the_papers_and_only_logistics_is_offered_the_forms(app):
    for role in ("viewer", "qa", "pharmacy", "logistics"):
        client = login(app.test_client(), role)
        register = client.get("/permits").get_data(as_text=True)
        assert PERMIT in register and "HG-TDT-301" in register
        assert ("/permits/new" in register) == (role == "logistics")
        permit = client.get(f"/permits/{PERMIT}").get_data(as_text=True)
        assert "LV-BGLOB" in permit and "3002.49" in permit and f"/shipments/{COOL}/import-papers" in permit
        papers = client.get(f"/shipments/{DRY_ICE}/import-papers").get_data(as_text=True)
        assert "HG-INV-2026-0046" in papers and "UN 1845, Dry ice, 9, 12 kg net" in papers
        assert ('name="invoice_number"' in papers) == (role == "logistics")
    assert login(app.test_client(), "qa").get("/permits/new").status_code == 403
    assert login(app.test_client(), "viewer").get("/permits/NO-SUCH-PERMIT").status_code == 404


def test_logistics_records_a_permit_and_changes_it_with_a_reason(app):
    client = login(app.test_client(), "logistics")
    form = {"number": "TFDA-CT-2027-0002", "holder": "Siriraj", "protocol_number": "HG-TDT-302",
            "issued": "2027-01-01", "expires": "2027-12-31", "items": ["LV-BGLOB", "QC-VCN"],
            "csrf_token": csrf_token(client, "/permits/new")}
    added = client.post("/permits/new", data=form)
    assert added.status_code == 302 and added.location.endswith("/permits/TFDA-CT-2027-0002")
    edit = "/permits/TFDA-CT-2027-0002/edit"
    changed = dict(form, items=["LV-BGLOB"], csrf_token=csrf_token(client, edit))
    assert client.post(edit, data=changed).status_code == 422  # no reason
    assert client.post(edit, data=dict(changed, reason="vector only")).status_code == 302
    page = client.get("/permits/TFDA-CT-2027-0002").get_data(as_text=True)
    assert "LV-BGLOB" in page and "QC-VCN" not in page


def test_the_papers_form_sets_weights_and_the_hs_code_form_an_items_code(app):
    client = login(app.test_client(), "logistics")
    path = f"/shipments/{COOL}/import-papers"
    page = client.get(path).get_data(as_text=True)
    line_ids = [part.split('"', 1)[0] for part in page.split('name="line_ids" value="')[1:]]
    assert len(line_ids) == 4
    data = {"line_ids": line_ids, "invoice_number": "INV-2026-0045B", "lines-0-net_weight_kg": "5.5",
            "lines-0-manufactured": "2026-01-15", "csrf_token": csrf_token(client, path)}
    assert client.post(path, data=data).status_code == 302
    with client.get(f"{path}.csv") as answer:
        rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert (rows[0]["invoice_number"], rows[0]["net_weight_kg"], rows[0]["manufactured"]) == (
        "INV-2026-0045B", "5.5", "2026-01-15")
    assert rows[1]["net_weight_kg"] == ""  # a weight left empty is no weight
    token = csrf_token(client, "/permits")
    assert client.post("/permits/hs-codes", data={"item": "SEL-CD34", "hs_code": "3002.15",
                                                  "csrf_token": token}).status_code == 302
    assert "3002.15" in client.get(f"/permits/{PERMIT}").get_data(as_text=True)


def test_the_brokers_pdf_carries_the_licence_per_invoice(app):
    text = pdf_text(login(app.test_client(), "viewer").get(f"/shipments/{DRY_ICE}/import-papers.pdf"))
    for expected in ("Import papers (licence per invoice)", "HG-INV-2026-0046", "784-55311023", PERMIT,
                     "HG-TDT-301", "3002.49", "LV-B-26-007", "UN 1845, Dry ice, 9, 12 kg net"):
        assert expected in text, expected
    assert "Not ready to file" not in text


def test_the_packing_list_declares_dry_ice_and_marks_a_dry_ln2_shipper_not_restricted(app, token_for):
    client = login(app.test_client(), "logistics")
    assert "UN 1845, Dry ice, 9, 12 kg net" in pdf_text(client.get(f"/shipments/{DRY_ICE}/packing-list.pdf"))
    cool = pdf_text(client.get(f"/shipments/{COOL}/packing-list.pdf"))
    assert "UN 1845" not in cool and "Dangerous goods" not in cool
    assert "Not restricted, as per IATA special provision A152" in pdf_text(
        client.get(f"/shipments/{LN2}/packing-list.pdf"))
    # The lane no longer says its dry shipper holds no free liquid: the packing list does not mark it so.
    api = app.test_client()
    token = bearer(token_for("logistics"))
    lane = api.get("/api/v1/lanes/SZ-HKG-BKK-CM", headers=token).get_json()
    fields = {name: lane[name] for name in ("name", "origin", "destination", "packaging", "storage_profiles",
                                            "loggers_per_box", "coolant", "coolant_kg", "notes")}
    legs = [{name: leg[name] for name in ("mode", "origin", "destination", "carrier", "wait_hours",
                                          "duration_hours")} for leg in lane["legs"]]
    answer = api.put("/api/v1/lanes/SZ-HKG-BKK-CM", headers=token, json=fields | {
        "legs": legs, "no_free_liquid": False, "reason": "shipper charged wet"})
    assert answer.status_code == 200, answer.get_json()
    wet = pdf_text(client.get(f"/shipments/{LN2}/packing-list.pdf"))
    assert "Not restricted, as per" not in wet and "NOT marked as not restricted" in wet


def test_the_api_reads_and_writes_permits_and_papers_and_refuses_bad_input_naming_the_field(app, token_for):
    api, token = app.test_client(), bearer(token_for("logistics"))
    assert [permit["number"] for permit in api.get("/api/v1/permits", headers=token).get_json()["items"]] == [
        PERMIT]
    body = {"number": "TFDA-CT-2027-0009", "holder": "Siriraj", "protocol_number": "HG-TDT-301",
            "issued": "2027-01-01", "expires": "2027-06-30", "items": ["REF-CELL"]}
    created = api.post("/api/v1/permits", headers=token, json=body)
    assert created.status_code == 201 and created.get_json()["items"][0]["code"] == "REF-CELL"
    for changes, field in (({"number": "TFDA-CT-2027-0010", "expires": "2026-06-30"}, "expires"),
                           ({"number": "TFDA-CT-2027-0011", "issued": "1899-01-01"}, "issued"),
                           ({"number": "bad number!"}, "number"),
                           ({"number": "TFDA-CT-2027-0012", "items": ["NOPE"]}, "items")):
        refused = api.post("/api/v1/permits", headers=token, json=body | changes)
        assert refused.status_code == 422, changes
        assert field in refused.get_json()["fields"], (changes, refused.get_json())
    bad_code = api.put("/api/v1/items/SEL-CD34/hs-code", headers=token, json={"hs_code": "30021"})
    assert bad_code.status_code == 422 and "hs_code" in bad_code.get_json()["fields"]
    assert api.put("/api/v1/items/SEL-CD34/hs-code", headers=token,
                   json={"hs_code": "3002.15"}).get_json()["hs_code"] == "3002.15"
    planned = api.get("/api/v1/shipments/HG-2026-0048/import-papers", headers=token).get_json()
    assert [problem["code"] for problem in planned["permit_problems"]] == ["permit_missing"]
    line = planned["lines"][0]["id"]
    heavy = api.put("/api/v1/shipments/HG-2026-0048/import-papers", headers=token,
                    json={"lines": [{"id": line, "net_weight_kg": 5000}]})
    assert heavy.status_code == 422 and "lines.0.net_weight_kg" in heavy.get_json()["fields"]
    set_papers = api.put("/api/v1/shipments/HG-2026-0048/import-papers", headers=token,
                         json={"lines": [{"id": line, "net_weight_kg": 9.5}]})
    assert set_papers.status_code == 200 and set_papers.get_json()["lines"][0]["net_weight_kg"] == 9.5
    assert set_papers.get_json()["invoice_number"] == "HG-INV-2026-0048"  # left out: kept
    paths = api.get("/api/v1/openapi.json", headers=token).get_json()["paths"]
    assert {"/api/v1/permits", "/api/v1/permits/{number}", "/api/v1/items/{code}/hs-code",
            "/api/v1/shipments/{reference}/import-papers"} <= set(paths)
    assert api.get("/api/v1/permits", headers=bearer(token_for("viewer"))).status_code == 200
    assert api.post("/api/v1/permits", headers=bearer(token_for("qa")), json=body).status_code == 403

