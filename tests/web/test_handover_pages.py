"""Hand-overs through a one-shipment link: logistics staff make the link; a courier without an account
opens it, sees that shipment's reference and legs only, and records a hand-over, audited under the name
they wrote; the shipment's page shows the timeline (the receipt last) and the API lists it. A link that
does not hold is a clear 403, and too many of them from one address lock it out (429)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from logistics.core.lifecycle import ShipmentStatus
from logistics.db.engine import unit_of_work
from logistics.services import handovers, shipments
from tests.web.conftest import csrf_token, login
from tests.web.test_qa_decision_pages import received

UNDER_WAY = "HG-2026-0045"  # in transit in the demo, four legs from HG-SZ to SIRIRAJ-PH
SECRET = "test-secret"  # tests.conftest.settings_for


def made_link(client, reference=UNDER_WAY) -> str:
    """The path of a new link, as logistics staff make it on the shipment's page."""
    page = client.get(f"/shipments/{reference}/handover-link")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in text  # its QR code
    return re.search(r'id="handover-url">[^<]*?(/handover/[^<]+)</p>', text).group(1)


def a_handover_link(app, client=None) -> dict[str, str]:
    """A link for the shipment under way, made as logistics does (the form_refusals hook)."""
    staff = login(app.test_client(), "logistics")
    return {"token": made_link(staff).removeprefix("/handover/")}


FORM = {"from_party": "carrier", "to_party": "customs_broker", "name": "Siriporn K.", "place": "bkk",
        "leg": "3", "at": "", "seals_intact": "yes", "packaging_intact": "no", "coolant_state": "cold",
        "note": "Outer box dented at one corner"}


def test_a_courier_records_a_hand_over_through_the_link_without_an_account(app, token_for):
    staff = login(app.test_client(), "logistics")
    link = made_link(staff)
    courier = app.test_client()
    page = courier.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and UNDER_WAY in text and "CX705" in text and "Thai customs" in text
    assert "LG-24003" not in text and "Sign out" not in text  # that shipment's legs only, no menu
    response = courier.post(link, data=FORM | {"csrf_token": csrf_token(courier, link)})
    assert response.status_code == 200 and "Hand-over recorded" in response.get_data(as_text=True)

    api = {"Authorization": f"Bearer {token_for('viewer')}"}
    listed = app.test_client().get(f"/api/v1/shipments/{UNDER_WAY}/handovers", headers=api).get_json()
    [entry] = listed["items"]
    assert entry | {"at": None} == {
        "kind": "handover", "id": entry["id"], "at": None, "from_party": "carrier",
        "to_party": "customs_broker", "name": "Siriporn K.", "site": "BKK", "place": None, "leg": 3,
        "seals_intact": True, "packaging_intact": False, "coolant_state": "cold",
        "note": "Outer box dented at one corner", "recorded_via": "link"}
    recorded = datetime.fromisoformat(entry["at"])
    assert abs(recorded - datetime.now(UTC)) < timedelta(minutes=5)  # empty: now
    trail = app.test_client().get("/api/v1/audit?entity=handovers", headers=api).get_json()["items"]
    assert [(event["actor"], event["action"]) for event in trail] == [
        ("Siriporn K. (hand-over link)", "create")]

    shown = staff.get(f"/shipments/{UNDER_WAY}").get_data(as_text=True)
    timeline = shown.split('id="handovers"', 1)[1].split("</ol>", 1)[0]
    assert "carrier → customs broker" in timeline and "recorded by Siriporn K." in timeline
    assert "onto leg 3" in timeline and "Outer box dented" in timeline


def test_a_local_time_is_read_where_the_hand_over_happens(app):
    link = "/handover/" + a_handover_link(app)["token"]
    courier = app.test_client()
    bangkok = (datetime.now(UTC) - timedelta(hours=2) + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")
    response = courier.post(link, data=FORM | {"at": bangkok, "csrf_token": csrf_token(courier, link)})
    assert response.status_code == 200
    runtime = app.extensions["logistics"]
    with runtime.sessions() as session:
        [entry] = handovers.handover_list(session, UNDER_WAY).items
    expected = datetime.fromisoformat(bangkok).replace(tzinfo=UTC) - timedelta(hours=7)
    assert entry.at == expected


@pytest.mark.parametrize("spoil", [lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
                                   lambda token: "not-a-token"])
def test_a_tampered_link_is_refused_with_a_clear_page(app, spoil):
    token = a_handover_link(app)["token"]
    response = app.test_client().get(f"/handover/{spoil(token)}")
    text = response.get_data(as_text=True)
    assert response.status_code == 403 and "This hand-over link is not valid" in text
    assert "Back to the shipments" not in text


def test_expired_ended_and_closed_links_are_refused(app):
    runtime = app.extensions["logistics"]
    with runtime.sessions() as session:
        long_ago = datetime.now(UTC) - timedelta(days=60)
        old = handovers.make_link(session, UNDER_WAY, secret=SECRET, now=long_ago)
    expired = app.test_client().get(f"/handover/{old.token}")
    assert expired.status_code == 403 and "has expired" in expired.get_data(as_text=True)

    staff = login(app.test_client(), "logistics")
    link = made_link(staff)
    assert app.test_client().get(link).status_code == 200
    ended = staff.post(f"/shipments/{UNDER_WAY}/handover-link/end",
                       data={"csrf_token": csrf_token(staff, f"/shipments/{UNDER_WAY}")})
    assert ended.status_code == 302
    refused = app.test_client().get(link)
    assert refused.status_code == 403 and "withdrawn" in refused.get_data(as_text=True)

    link = made_link(staff)
    with unit_of_work(runtime.sessions, actor="pharmacy", reason="received") as session:
        shipments.change_status(session, shipments.get_shipment(session, UNDER_WAY), ShipmentStatus.ARRIVED,
                                now=datetime.now(UTC))
        shipments.change_status(session, shipments.get_shipment(session, UNDER_WAY), ShipmentStatus.RECEIVED,
                                now=datetime.now(UTC))
    closed = app.test_client().get(link)
    assert closed.status_code == 403 and "takes no more hand-overs" in closed.get_data(as_text=True)


def test_too_many_bad_links_from_one_address_lock_it_out(app):
    good = "/handover/" + a_handover_link(app)["token"]
    guesser = app.test_client()
    limit = app.extensions["logistics"].settings.login_max_failures * 4  # per address, as sign-ins
    for attempt in range(limit):
        assert guesser.get(f"/handover/guess-{attempt}").status_code == 403
    locked = guesser.get(good)
    assert locked.status_code == 429 and "Retry-After" in locked.headers


def test_only_roles_that_edit_shipments_make_links(app):
    for role, allowed in (("logistics", True), ("admin", True), ("pharmacy", False), ("viewer", False)):
        client = login(app.test_client(), role)
        assert client.get(f"/shipments/{UNDER_WAY}/handover-link").status_code == (200 if allowed else 403)
        page = client.get(f"/shipments/{UNDER_WAY}").get_data(as_text=True)
        assert ("Hand-over link</a>" in page) == allowed


def test_a_refused_hand_over_keeps_what_was_typed(app):
    link = "/handover/" + a_handover_link(app)["token"]
    courier = app.test_client()
    response = courier.post(link, data=FORM | {"name": "", "at": "soon", "leg": "9",
                                               "csrf_token": csrf_token(courier, link)})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("name", "at", "leg"):
        assert f'id="{field}-error"' in text
    assert "Outer box dented at one corner" in text
    with app.extensions["logistics"].sessions() as session:
        assert handovers.handover_list(session, UNDER_WAY).items == []


def test_the_packing_list_of_logistics_staff_carries_the_link(app):
    import io

    from pypdf import PdfReader

    def images(role: str) -> int:
        pdf = login(app.test_client(), role).get(f"/shipments/{UNDER_WAY}/packing-list.pdf").get_data()
        return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)

    assert images("logistics") == 2 and images("viewer") == 1


def test_the_receipt_closes_the_timeline_and_the_link(app):
    link = "/handover/" + a_handover_link(app)["token"]
    courier = app.test_client()
    form = FORM | {"from_party": "customs_broker", "to_party": "courier", "leg": "4",
                   "place": "BKK cargo gate"}
    assert courier.post(link, data=form | {"csrf_token": csrf_token(courier, link)}).status_code == 200
    client = app.test_client()
    received(app, client)  # by the pharmacy, then QA signs in
    page = client.get(f"/shipments/{UNDER_WAY}").get_data(as_text=True)
    entries = re.findall(r'<li class="handover-(\w+)">(.*?)</li>', page.split('id="handovers"', 1)[1], re.S)
    assert [kind for kind, _text in entries] == ["handover", "receipt"]
    assert "at BKK cargo gate" in entries[0][1] and "Received by the pharmacy" in entries[1][1]
    assert "Hand-over link</a>" not in page
    refused = courier.get(link)
    assert refused.status_code == 403 and "takes no more hand-overs" in refused.get_data(as_text=True)
