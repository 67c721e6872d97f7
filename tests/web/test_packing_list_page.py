"""The packing list PDF on the web: every signed-in user may open it from the shipment page."""

from tests.web.conftest import login

PDF = "/shipments/HG-2026-0045/packing-list.pdf"


def test_a_viewer_gets_the_pdf_inline(client):
    login(client, "viewer")
    response = client.get(PDF)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=packing-list-HG-2026-0045.pdf"
    assert response.get_data().startswith(b"%PDF-")


def test_an_unknown_shipment_has_no_packing_list(client):
    login(client, "viewer")
    assert client.get("/shipments/NOPE-0001/packing-list.pdf").status_code == 404


def test_signing_in_comes_first(client):
    response = client.get(PDF)
    assert response.status_code == 302 and response.location.startswith("/login")


def test_the_shipment_page_links_to_it(client):
    login(client, "viewer")
    page = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    assert f'href="{PDF}"' in page and "Packing list (PDF)" in page
