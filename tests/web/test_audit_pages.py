"""The audit trail page an inspector reads: names instead of ids, filters (times typed in a site's zone), CSV
and PDF exports; a shipment's own trail; removals from a shipment that ask why."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from logistics.db.models import AuditEvent
from tests.web.conftest import csrf_token, login

PLANNED = "HG-2026-0048"  # two lines, four legs not started, no logger


def text_of(response):
    return response.get_data(as_text=True)


def test_each_change_reads_field_old_new_with_the_shipments_reference(client):
    login(client, "viewer")
    own = text_of(client.get("/audit?entity=shipments&reference=HG-2026-0045"))
    assert '<span class="field">status:</span> planned → in_transit' in own
    assert "HG-2026-0045" in own and "HG-2026-0046" not in own
    assert 'href="/shipments/HG-2026-0045"' in own
    whole = text_of(client.get("/audit?reference=HG-2026-0045"))  # no kind: the shipment and its parts
    assert "HG-2026-0045 line SEL-CD34/SK2609-031" in whole and "HG-2026-0045 leg 2" in whole
    assert "LG-24003 in HG-2026-0045" in whole
    changed = text_of(client.get("/audit?action=update&entity=items"))
    assert "minimum_order:</span> 0 → 5" in changed.replace("minimum order", "minimum_order")
    assert "created ·" not in changed
    people = text_of(client.get("/audit"))
    assert ">Li Wei (supply chain, Shenzhen)</option>" in people or ">demo</option>" in people


def test_times_are_typed_in_the_chosen_sites_zone_and_compared_in_utc(client, app):
    with app.extensions["logistics"].sessions() as session:
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    shenzhen = last.at.astimezone(ZoneInfo("Asia/Shanghai"))
    minute = f"{shenzhen:%Y-%m-%dT%H:%M}"
    login(client, "viewer")
    read_in_shenzhen = text_of(client.get(f"/audit?site=HG-SZ&from={minute}&to={minute}"))
    assert "No event matches." not in read_in_shenzhen and "times at Asia/Shanghai" in read_in_shenzhen
    # The same wall-clock minute in Bangkok (the display zone) is an hour later in UTC: nothing yet.
    read_in_bangkok = text_of(client.get(f"/audit?from={minute}"))
    assert "No event matches." in read_in_bangkok and "times at Asia/Bangkok" in read_in_bangkok
    # "To" takes in the whole minute typed; the minute before it ends before the last event.
    before = f"{shenzhen - timedelta(minutes=1):%Y-%m-%dT%H:%M}"
    def exported_up_to(end):
        return f"\n{last.id}," in text_of(client.get(f"/audit.csv?site=HG-SZ&to={end}"))

    assert not exported_up_to(before)
    assert exported_up_to(minute) and exported_up_to(f"{shenzhen:%Y-%m-%d}")  # the whole minute, day


@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=yesterday", "from", "enter a date and time"),
    ("to=9999-12-31T23:59", "to", "enter a time from 2000-01-01"),
    ("entity=passwords", "entity", "no record of this kind is in the trail"),
    ("action=erase", "action", "choose created, changed or removed"),
    ("site=MOON", "site", "no site with code MOON"),
    ("reference=HG-1999-0001", "reference", "no shipment HG-1999-0001"),
    ("entity=loggers&reference=LG-NONE", "reference", "no record of this kind is named LG-NONE"),
    ("from=2026-12-02&to=2026-12-01", "to", "must be after the start"),
])
def test_bad_filters_are_named_never_a_5xx(client, query, field, message):
    login(client, "viewer")
    page = client.get(f"/audit?{query}")
    assert page.status_code == 422 and message in text_of(page)
    assert f'id="{field}-error"' in text_of(page)
    for export in ("/audit.csv", "/audit.pdf"):
        refused = client.get(f"{export}?{query}")
        assert refused.status_code == 422 and message in text_of(refused), export


def test_the_csv_holds_one_row_per_field_changed_with_names_and_utc_times(client):
    login(client, "viewer")
    response = client.get("/audit.csv?entity=shipments&reference=HG-2026-0045")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=audit-trail-" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text_of(response))))
    assert {(row["kind"], row["record"]) for row in rows} == {("shipments", "HG-2026-0045")}
    assert {"field": "status", "old": "planned", "new": "in_transit"}.items() <= next(
        row for row in rows if row["field"] == "status" and row["action"] == "update").items()
    assert all(row["at_utc"].endswith("+00:00") for row in rows)
    created = [row for row in rows if row["action"] == "create"]
    assert {row["field"] for row in created} >= {"reference", "origin", "destination", "status"}
    assert [int(row["event"]) for row in rows] == sorted(int(row["event"]) for row in rows)  # oldest first


def pdf_text(content: bytes, folder) -> str:
    document = folder / "audit.pdf"
    document.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(document), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_the_pdf_names_its_filters_when_and_by_whom_and_prints_each_change(client, tmp_path):
    login(client, "qa")
    response = client.get("/audit.pdf?entity=shipments&reference=HG-2026-0045&site=SIRIRAJ-PH")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for expected in ("Kind of record shipments", "Record HG-2026-0045", "Times read at SIRIRAJ-PH",
                     "Times in Asia/Bangkok", "Generated by Dr. Napat S. (QA, Siriraj) (qa)"):
        assert expected in lines, expected
    assert any(line.startswith("Generated 20") and line.endswith("UTC)") for line in lines)
    assert "status: planned → in_transit" in " ".join(lines)
    assert "HG-2026-0046" not in text
    # Rendered, the first page has ink on it.
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "audit.pdf"),
                    str(tmp_path / "page")], check=True)
    [image] = tmp_path.glob("page*.pgm")
    header, pixels = image.read_bytes().split(b"\n255\n", 1)
    width, height = (int(number) for number in header.split()[1:3])
    assert width < height and sum(pixel < 100 for pixel in pixels) > 500


def test_the_trail_and_its_exports_are_for_signed_in_readers_of_every_role(app):
    anonymous = app.test_client()
    for path in ("/audit", "/audit.csv", "/audit.pdf"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for role in ("viewer", "logistics", "pharmacy", "qa", "admin"):
        reader = login(app.test_client(), role)
        for path in ("/audit?entity=legs", "/audit.csv?entity=legs", "/audit.pdf?entity=legs"):
            assert reader.get(path).status_code == 200, (role, path)


def post(client, path, **form):
    return client.post(path, data={"csrf_token": csrf_token(client, f"/shipments/{PLANNED}"), **form},
                       follow_redirects=True)


def test_removing_a_line_leg_or_logger_asks_why_and_the_shipments_trail_shows_it(client):
    login(client, "logistics")
    page = text_of(client.get(f"/shipments/{PLANNED}"))
    assert page.count("Why? (kept in the audit trail)") == 2 + 4  # each line, each leg not started
    line_id = page.split(f"/shipments/{PLANNED}/lines/", 1)[1].split("/remove", 1)[0]
    refused = text_of(post(client, f"/shipments/{PLANNED}/lines/{line_id}/remove", reason="  "))
    assert '-reason-error">say why it is removed (kept in the audit trail)</p>' in refused  # beside its field
    assert refused.count("Why? (kept in the audit trail)") == 6  # nothing removed
    removed = text_of(post(client, f"/shipments/{PLANNED}/lines/{line_id}/remove", reason="wrong lot packed"))
    assert "Line removed." in removed
    assert '-error">say why' in text_of(post(client, f"/shipments/{PLANNED}/legs/4/delete"))
    assert "No event matches." in text_of(client.get("/audit?entity=legs&action=delete"))
    assert "Leg 4 deleted." in text_of(post(client, f"/shipments/{PLANNED}/legs/4/delete",
                                            reason="courier booked by the hospital"))
    free = re.search(r'<select id="assign-logger" name="logger"[^>]*>\s*<option[^>]*>([^<]+)<', page).group(1)
    assert f"{free} assigned." in text_of(post(client, f"/shipments/{PLANNED}/loggers", logger=free))
    shown = text_of(client.get(f"/shipments/{PLANNED}"))
    [assignment] = re.findall(rf"/shipments/{PLANNED}/loggers/(\d+)/remove", shown)
    unexplained = text_of(post(client, f"/shipments/{PLANNED}/loggers/{assignment}/remove"))
    assert '-error">say why' in unexplained
    done = text_of(post(client, f"/shipments/{PLANNED}/loggers/{assignment}/remove", reason="wrong logger"))
    assert "Logger removed from the shipment." in done and "No logger assigned." in done
    trail = done.split('id="audit"', 1)[1]
    for kind, record, reason in (("shipment line", f"{PLANNED} line ", "wrong lot packed"),
                                 ("route leg", f"{PLANNED} leg 4", "courier booked by the hospital"),
                                 ("logger assignment", f"{free} in {PLANNED}", "wrong logger")):
        row = next(row for row in trail.split("<tr")[1:] if f'"kind">{kind}</span>' in row and reason in row)
        assert record in row and "removed ·" in row, kind


def test_a_started_leg_and_a_received_shipments_loggers_stay(client):
    login(client, "logistics")
    started = text_of(post(client, "/shipments/HG-2026-0045/legs/1/delete", reason="tidy up"))
    assert "leg 1 started at 2026-11-23 21:30 UTC: a leg under way or done cannot be deleted" in started
    received = text_of(client.get("/shipments/HG-2026-0044"))
    assert "/loggers/" not in received.split('id="loggers"', 1)[1].split("</table>", 1)[0]
    assert client.post("/shipments/HG-2026-0045/legs/9/delete",
                       data={"csrf_token": csrf_token(client, "/shipments/HG-2026-0045"),
                             "reason": "x"}).status_code == 404
