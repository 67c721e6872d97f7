"""The QA decision page as the evidence (every logger of every shipment the lot travelled in, labelled), and
the receiving page saying what each logger row is judged by."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_qa_evidence import (
    EARLIER,
    FRIDGE_WARM,
    KITS_LOT,
    REFERENCE,
    VECTOR_LOT,
    dry_ice_journey,
    dry_ice_readings,
    into_the_fridge,
    line_of,
)
from tests.services.test_receiving import receive
from tests.services.test_storage import RECEIVED
from tests.web.conftest import login
from tests.web.test_api import bearer
from tests.web.test_languages import THAI, choose, translated

RULE = "above_minus60c_15min"


def evidence_section(page: str) -> str:
    return page[page.index('<section class="evidence"'):
                page.index('<script type="application/json" id="chart-text"')]


def text_of(html: str) -> str:
    """The words a reader sees, in one line."""
    return re.sub(r" ([,.;:])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_each_excursion_is_shown_with_its_logger_and_shipment(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_journey(runtime)
    login(client, "qa")
    response = client.get(f"/qa/lines/{line_of(runtime, VECTOR_LOT)}")
    assert response.status_code == 200
    shown = text_of(evidence_section(response.get_data(as_text=True)))
    assert "3 excursions recorded, 3 not resolved." in shown
    rows = [f"LG-24008 {RULE} dry_ice v1 critical Nov 14, 2026, 23:00 +07:00 20 min -58.0 °C open",
            f"LG-24005 {RULE} dry_ice v1 critical Nov 23, 2026, 17:00 +07:00 45 min -55.0 °C open",
            f"LG-24007 {RULE} dry_ice v1 critical Nov 24, 2026, 01:00 +07:00 45 min -52.5 °C open"]
    for row in rows:
        assert row in shown, row
    assert shown.index(f"Shipment {EARLIER}") < shown.index(rows[0]) < shown.index(f"Shipment {REFERENCE}")


def test_each_logger_has_its_chart_and_figures_judged_by_the_lots_profile(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_journey(runtime)
    login(client, "qa")
    page = client.get(f"/qa/lines/{line_of(runtime, VECTOR_LOT)}").get_data(as_text=True)
    for shipment, logger in ((EARLIER, "LG-24008"), (REFERENCE, "LG-24005"), (REFERENCE, "LG-24007")):
        holder = re.search(rf'<div class="charts" id="charts-{shipment}-{logger}"[^>]*>', page, re.S).group(0)
        assert f'data-subject="{shipment}"' in holder
        assert f"/shipments/{shipment}/charts?profile=dry_ice" in holder
        assert f'"logger": "{logger}"' in page[page.index(f'id="chart-data-{shipment}-{logger}"'):][:300]
    start, end = (page.index(f'id="logger-{REFERENCE}-{logger}"') for logger in ("LG-24005", "LG-24007"))
    article = text_of(page[start:end])
    for figure in ("Judged by Dry ice, ≤ −60 °C v1", "Readings 492", "Min / max -75.0 / -55.0 °C",
                   "Mean (time-weighted) -74.3 °C", "MKT -70.7 °C over Nov 22, 2026, 20:00 +07:00 – "
                   "Nov 24, 2026, 13:00 +07:00", "Above 45 min", "Below 0 min", "No data 0 min"):
        assert figure in article, figure
    assert page.count("chart.js") == 1 and page.count('id="chart-text"') == 1


def test_the_allowance_and_what_the_lot_used(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_journey(runtime)
    login(client, "qa")
    shown = text_of(client.get(f"/qa/lines/{line_of(runtime, VECTOR_LOT)}").get_data(as_text=True))
    assert "Used 1.1 h outside the range; peak -52.5 °C." in shown  # 20 + 45 min
    assert "LV-BGLOB carries no stability allowance" in shown
    assert f"{REFERENCE}, counted by LG-24007 (its worst-placed logger): 0.8 h outside the range" in shown
    assert "never on MKT alone" in shown


def test_an_allowance_is_shown_against_its_budget(app, client):
    runtime = app.extensions["logistics"]
    send(runtime, trace_with_a_40_minute_excursion())  # HG-2026-0045: LG-24003 40 min at 9.5 °C
    run_scan(runtime)
    receive(runtime)
    login(client, "qa")
    shown = text_of(client.get(f"/qa/lines/{line_of(runtime, 'SK2609-031')}").get_data(as_text=True))
    used = "Used 0.7 h (0.1 h equivalent at 25 °C) of 72.0 h at ≤ 25 °C; peak 9.5 °C."
    assert used in shown and "71.3 h left" in shown


def test_the_box_as_found_is_on_the_page(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_journey(runtime, **{VECTOR_LOT: {"lot_number": "LV-B-26-070"}})
    login(client, "qa")
    shown = text_of(client.get(f"/qa/lines/{line_of(runtime, VECTOR_LOT)}").get_data(as_text=True))
    assert "Logger shows an alarm: yes" in shown and "Coolant: dry ice present" in shown
    assert f"Lot on the pack LV-B-26-070 (shipped as {VECTOR_LOT})" in shown
    page = client.get(f"/qa/lines/{line_of(runtime, 'VCN-26-12')}").get_data(as_text=True)
    assert '<dt>Expiry on the pack</dt><dd>Sep 20, 2027</dd>' in page  # as shipped: nothing to flag
    assert "Differs from the shipping record other lot" in shown


def test_frozen_kits_say_why_cold_is_no_excursion(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_journey(runtime)
    login(client, "qa")
    shown = text_of(client.get(f"/qa/lines/{line_of(runtime, 'VCN-26-12')}").get_data(as_text=True))
    assert ("Lowest -75.0 °C, 2,460 min below the range: no excursion, because Frozen, −25 to −15 °C v1 has "
            "no rule below its range.") in shown
    assert "Why has the frozen profile no lower limit?" in shown


def test_anyone_signed_in_may_read_the_evidence_and_only_qa_decides(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_journey(runtime)
    page = f"/qa/lines/{line_of(runtime, VECTOR_LOT)}"
    assert client.get(page).status_code == 302  # signed out: to the sign-in page
    login(client, "viewer")
    shown = client.get(page).get_data(as_text=True)
    assert 'class="evidence"' in shown and "Only QA may decide on quarantined goods." in shown
    assert client.get("/qa/lines/999").status_code == 404


def test_the_evidence_in_thai(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_journey(runtime)
    login(client, "qa")
    choose(client, "th")
    section = evidence_section(client.get(f"/qa/lines/{line_of(runtime, VECTOR_LOT)}").get_data(as_text=True))
    for message in ("Evidence", "Stability allowance", "In the box", "Mean (time-weighted)"):
        assert translated("th", message) in section, message
    assert "LG-24005" in section and THAI.search(section)


def test_the_receiving_page_says_what_each_logger_row_is_judged_by(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_readings(runtime)
    login(client, "pharmacy")
    page = client.get(f"/receiving/{REFERENCE}").get_data(as_text=True)
    table = page[page.index('<table class="list summary">'):page.index("</table>")]
    rows = re.findall(r"<tr><td>(LG-\d+)</td><td>(.*?) <small>v(\d+)</small></td>\s*<td>(.*?)</td>", table)
    assert rows == [("LG-24005", "Dry ice, ≤ −60 °C", "1", "-75.0 / -55.0 °C"),
                    ("LG-24005", "Frozen, −25 to −15 °C", "1", "-75.0 / -55.0 °C"),
                    ("LG-24007", "Dry ice, ≤ −60 °C", "1", "-75.0 / -52.5 °C"),
                    ("LG-24007", "Frozen, −25 to −15 °C", "1", "-75.0 / -52.5 °C")]
    notes = re.findall(r'<tr class="note">(.*?)</tr>', table, re.S)
    assert len(notes) == 2 and all("has no rule below its range" in note for note in notes)
    assert "Why has the frozen profile no lower limit?" in page
    assert f"{RULE} <small>(dry_ice v1)</small>" in page


def test_a_clean_refrigerated_box_needs_no_word_on_cold(app, client):
    runtime = app.extensions["logistics"]
    send(runtime, trace_with_a_40_minute_excursion())
    run_scan(runtime)
    login(client, "pharmacy")
    page = client.get("/receiving/HG-2026-0045").get_data(as_text=True)
    assert "Refrigerated, 2–8 °C" in page and 'class="note"' not in page
    assert "Why has the frozen profile no lower limit?" not in page


def test_the_charts_draw_one_lots_range_when_asked(app, client):
    runtime = app.extensions["logistics"]
    dry_ice_readings(runtime)
    login(client, "qa")
    mixed = client.get(f"/shipments/{REFERENCE}/charts").get_json()
    # Dry ice and frozen ranges are disjoint; the band is where the rules of both allow (no rule below −25).
    assert {(chart["low"], chart["high"]) for chart in mixed} == {(None, -60.0)}
    vector = client.get(f"/shipments/{REFERENCE}/charts?profile=dry_ice").get_json()
    assert {(chart["low"], chart["high"]) for chart in vector} == {(None, -60.0)}
    refused = client.get(f"/shipments/{REFERENCE}/charts?profile=warm")
    assert refused.status_code == 400 and refused.get_json()["error"].startswith("profile:")



WATCH_STOPPED = RECEIVED + timedelta(hours=12)  # LG-24101 taken out of the fridge: not monitored since
FRIDGE_PIECE = "SIRIRAJ-PH-20261124T070000"  # the storage period's anchor: its site and its start


def ms(moment):
    return int(moment.timestamp() * 1000)


def fridge_page(app, client, language=None):
    runtime = app.extensions["logistics"]
    into_the_fridge(runtime, stop_watching_at=WATCH_STOPPED)
    login(client, "qa")
    if language:
        choose(client, language)
    return client.get(f"/qa/lines/{line_of(runtime, KITS_LOT)}").get_data(as_text=True)


def test_the_fridge_that_held_the_lot_is_shown_with_its_chart_figures_and_excursion(app, client):
    page = fridge_page(app, client)
    holder = re.search(rf'<div class="charts" id="charts-{FRIDGE_PIECE}-LG-24101"[^>]*>', page).group(0)
    assert 'data-subject="SIR-FRIDGE-1 at SIRIRAJ-PH"' in holder  # the caption: "LG-24101 in SIR-FRIDGE-1 …"
    assert (f'data-url="/storage/SIR-FRIDGE-1/charts?logger=LG-24101&amp;profile=refrigerated&amp;'
            f'start={ms(RECEIVED)}&amp;end={ms(WATCH_STOPPED)}"') in holder
    data = page[page.index(f'id="chart-data-{FRIDGE_PIECE}-LG-24101"'):]
    chart = json.loads(data[data.index(">") + 1:data.index("</script>")])[0]
    assert (chart["start"], chart["end"]) == (ms(RECEIVED), ms(WATCH_STOPPED))
    assert (chart["low"], chart["high"]) == (2.0, 8.0)
    warm = ms(FRIDGE_WARM), ms(FRIDGE_WARM + timedelta(minutes=50))
    assert chart["marks"] == [["above", "major", *warm, 12.0]]
    section = page[page.index(f'<section class="period" id="period-{FRIDGE_PIECE}"'):]
    shown = text_of(section[:section.index("</section>")])
    assert shown.startswith("Storage at SIRIRAJ-PH SIR-FRIDGE-1 · Nov 24, 2026, 14:00 +07:00 – "
                            "Nov 25, 2026, 02:00 +07:00")
    for figure in ("Judged by Refrigerated, 2–8 °C v1 counted for the allowance", "Readings 72",
                   "Min / max 5.0 / 12.0 °C", "Above 50 min", "Below 0 min", "No data 0 min",
                   "Excursions recorded in SIR-FRIDGE-1 at SIRIRAJ-PH",
                   "LG-24101 above_8c_30min refrigerated v1 major Nov 25, 2026, 00:00 +07:00 50 min 12.0 °C "
                   "open"):
        assert figure in shown, figure
    everything = text_of(evidence_section(page))
    assert ("Storage at SIRIRAJ-PH SIR-FRIDGE-1 · Nov 25, 2026, 02:00 +07:00 – still held Not monitored: no "
            "logger watched SIR-FRIDGE-1 at SIRIRAJ-PH over this time") in everything
    assert everything.index("Shipment HG-2026-0045") < everything.index("Storage at SIRIRAJ-PH")
    assert '<a href="/lots/SEL-CD34/SK2609-031">' in evidence_section(page)  # the lot's passport


def test_a_fridge_excursion_is_assessed_on_the_page_before_a_release(app, client):
    page = fridge_page(app, client)
    decision = text_of(page[page.index('id="assessments"'):])
    assert "major LG-24101 · above_8c_30min SIR-FRIDGE-1 at SIRIRAJ-PH" in decision
    assert "Not assessed for this lot." in decision
    assert "Cannot release: 1 excursion not assessed" in decision
    assert "LG-24101 above_8c_30min (SIR-FRIDGE-1 at SIRIRAJ-PH): not assessed" in decision
    card = page[page.index('<article class="card assessment"'):]
    card = card[:card.index("</article>")]
    assert 'value="other"' in card and 'value="handling"' not in card  # storage has no leg to name
    assert 'name="leg"' not in card


def test_the_storage_period_in_thai(app, client):
    section = evidence_section(fridge_page(app, client, "th"))
    assert translated("th", "Storage at %(site)s") % {"site": "SIRIRAJ-PH"} in section
    place = translated("th", "%(zone)s at %(site)s") % {"zone": "SIR-FRIDGE-1", "site": "SIRIRAJ-PH"}
    assert f'data-subject="{place}"' in section  # the chart's caption
    assert "LG-24101" in section and THAI.search(section)


def test_a_zone_loggers_chart_zooms_within_its_storage_period(app, client, token_for):
    runtime = app.extensions["logistics"]
    into_the_fridge(runtime)
    address = f"/storage/SIR-FRIDGE-1/charts?logger=LG-24101&profile=refrigerated&start={ms(RECEIVED)}"
    assert client.get(address).status_code == 302  # signed out: to the sign-in page
    by_script = client.get(address, headers=bearer(token_for("viewer")))  # as a shipment's charts are read
    assert by_script.status_code == 200 and by_script.get_json()[0]["logger"] == "LG-24101"
    assert client.get(address, headers=bearer("not-a-token")).status_code == 401
    login(client, "viewer")  # anyone signed in may read the evidence
    zoomed = client.get(f"{address}&from={ms(FRIDGE_WARM)}&to={ms(FRIDGE_WARM + timedelta(hours=1))}")
    [chart] = zoomed.get_json()
    assert (chart["logger"], chart["start"], chart["end"]) == (
        "LG-24101", ms(FRIDGE_WARM), ms(FRIDGE_WARM + timedelta(hours=1)))
    assert [value for _, value in chart["points"]] == [12.0] * 5 + [5.0]
    assert client.get(address.replace("LG-24101", "LG-24102")).status_code == 404  # it never watched there
    assert client.get(address.replace("SIR-FRIDGE-1", "SIR-FRIDGE-9")).status_code == 404
    for wrong, field in ((address.replace("&start", "&begin"), "start:"), (f"{address}&end=1", "end:"),
                         (address.replace(str(ms(RECEIVED)), "9" * 40), "start:"),
                         (address.replace("refrigerated", "warm"), "profile:")):
        refused = client.get(wrong)
        assert refused.status_code == 400 and refused.get_json()["error"].startswith(field), wrong
