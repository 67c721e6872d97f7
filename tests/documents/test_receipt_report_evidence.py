"""The receipt report carries the evidence QA's page shows, with the same figures, in tables whose words are
never split and whose text stands out from what is behind it (read back with pypdf)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from pypdf.generic import ContentStream

from logistics.documents import receipt_report
from logistics.services import documents
from tests.conftest import NOW
from tests.documents.test_packing_list import page_texts
from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_qa_evidence import REFERENCE, VECTOR_LOT, dry_ice_journey, line_of
from tests.services.test_receiving import REFERENCE as REFRIGERATED
from tests.services.test_receiving import receive
from tests.web.conftest import login, web_app
from tests.web.test_qa_evidence_page import text_of

COLUMNS = (receipt_report.SUMMARY_COLUMNS, receipt_report.EXCURSION_COLUMNS, receipt_report.LINE_COLUMNS,
           receipt_report.DECISION_COLUMNS)


def report_pdf(runtime, reference: str) -> bytes:
    with runtime.sessions() as session:
        return documents.receipt_report_pdf(session, reference, settings=runtime.settings,
                                            profiles=runtime.profiles, now=NOW + timedelta(hours=1))


def split_words(text: str, words: set[str]) -> list[str]:
    """The words that print broken in two across a line ("Reading s", "refrigerat ed")."""
    pieces = (f"{word[:cut]} {word[cut:]}" for word in words for cut in range(1, len(word)))
    return sorted(piece for piece in pieces if re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text))


def test_no_word_of_a_heading_or_a_profile_is_split(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    send(sqlite_demo_runtime, trace_with_a_40_minute_excursion())  # and a refrigerated shipment
    run_scan(sqlite_demo_runtime)
    receive(sqlite_demo_runtime)
    headings = {column.title for columns in COLUMNS for column in columns}
    profiles = {REFERENCE: ("dry_ice v1", "frozen v1"), REFRIGERATED: ("refrigerated v1",)}
    for reference, judged_by in profiles.items():
        text = " ".join(page_texts(report_pdf(sqlite_demo_runtime, reference)))
        present = {title for title in headings if title in text}
        assert {"Logger", "Judged by", "Readings", "Min / max", "No data", "Duration", "Lot shipped / found",
                "Disposition"} <= present
        words = {word for title in headings for word in title.split() if len(word) > 1}
        words |= {word for profile in judged_by for word in profile.split()}
        assert split_words(text, words) == [], reference
        assert all(profile in text for profile in judged_by)


def test_the_report_has_the_figures_qa_sees(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    client = web_app(sqlite_demo_runtime).test_client()
    login(client, "qa")
    page = text_of(client.get(f"/qa/lines/{line_of(sqlite_demo_runtime, VECTOR_LOT)}").get_data(as_text=True))
    text = " ".join(page_texts(report_pdf(sqlite_demo_runtime, REFERENCE)))
    # The two loggers of this shipment, in the order the page shows them, against the report's rows.
    rows = re.findall(r"Readings (\d+) Min / max (\S+ / \S+ °C) Mean \(time-weighted\) (\S+ °C) MKT (\S+ °C) "
                      r"over .*? Above (\d+ min) Below (\d+ min) No data (\d+ min)", page)
    assert len(rows) == 3  # LG-24008 in the earlier shipment, then LG-24005 and LG-24007
    for logger, (readings, min_max, mean, mkt, above, below, no_data) in zip(("LG-24005", "LG-24007"),
                                                                             rows[1:], strict=True):
        assert (f"{logger} dry_ice v1 {readings} {min_max} {mean} {mkt} {above} {below} {no_data}") in text
    for excursion in re.findall(r"(LG-2400[57]) above_minus60c_15min dry_ice v1 critical .*? (\d+ min) "
                                r"(\S+ °C) open", page):
        logger, duration, peak = excursion
        assert re.search(rf"{logger} above_minus60c_15min \(dry_ice v1\) critical \S+ \S+ \+07:00 "
                         rf"{duration} {re.escape(peak)} open", text), excursion
    allowance = re.search(r"Used [\d.]+ h outside the range; peak \S+ °C\.", page).group(0)
    assert f"LV-BGLOB LV-B-26-007 {allowance}" in text
    assert ("Counted: HG-2026-0039 by LG-24008, 0.3 h; HG-2026-0046 by LG-24007, 0.8 h; "
            "storage at SIRIRAJ-CM · SIR-ULT-1 by LG-24104, 0.0 h.") in text  # stored since the receipt


def test_an_allowance_with_a_budget_reads_as_on_the_page(sqlite_demo_runtime):
    send(sqlite_demo_runtime, trace_with_a_40_minute_excursion())
    run_scan(sqlite_demo_runtime)
    receive(sqlite_demo_runtime)
    text = " ".join(page_texts(report_pdf(sqlite_demo_runtime, REFRIGERATED)))
    # 40 min at 9.5 °C: 2/3 h · e^(10000 · (1/298.15 − 1/282.65)) = 0.106 h at 25 °C (SPEC §2.3)
    assert ("SEL-CD34 SK2609-031 Used 0.7 h (0.1 h equivalent at 25 °C) of 72.0 h at ≤ 25 °C; peak 9.5 °C. "
            "71.3 h left. Counted: HG-2026-0045 by LG-24003, 0.7 h; "
            "storage at SIRIRAJ-PH · SIR-FRIDGE-1 by LG-24101, 0.0 h.") in text


def test_frozen_kits_on_dry_ice_say_why_that_is_no_excursion(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)
    text = " ".join(page_texts(report_pdf(sqlite_demo_runtime, REFERENCE)))
    assert ("LG-24005 judged by frozen v1: lowest -75.0 °C, 2,460 min below the range: no excursion, because "
            "the profile has no rule below its range.") in text


def contrast(colour: tuple[float, ...], other: tuple[float, ...]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours given as 0..1 components."""
    def luminance(rgb: tuple[float, ...]) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    lighter, darker = sorted((luminance(colour), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def filled_rectangles(content: bytes) -> list[tuple[float, ...]]:
    """The colour of every rectangle the document fills (table cells, chart bands), page by page."""
    reader = PdfReader(io.BytesIO(content))
    colours = []
    for page in reader.pages:
        fill, saved, rectangle = (0.0, 0.0, 0.0), [], False
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"q":
                saved.append(fill)
            elif operator == b"Q":
                fill = saved.pop()
            elif operator == b"rg":
                fill = tuple(float(value) for value in operands)
            elif operator == b"g":
                fill = (float(operands[0]),) * 3
            elif operator in (b"f", b"f*", b"B", b"b") and rectangle:
                colours.append(fill)
            rectangle = operator == b"re"
    return colours


def test_every_filled_rectangle_is_light_enough_for_black_text(sqlite_demo_runtime):
    dry_ice_journey(sqlite_demo_runtime)  # LG-24005's chart first: its fill colours once leaked into tables
    colours = filled_rectangles(report_pdf(sqlite_demo_runtime, REFERENCE))
    assert len(colours) > 50  # the table cells are there
    dark = sorted({colour for colour in colours if contrast(colour, (0.0, 0.0, 0.0)) < 4.5})
    assert dark == []
