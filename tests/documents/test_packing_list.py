"""PDF documents: the packing list read back with pypdf, its QR code, its fonts, and the shared blocks."""

from __future__ import annotations

import io
import logging
import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from logistics.cli import main
from logistics.db.engine import unit_of_work
from logistics.documents import packing_list
from logistics.documents.fonts import SYSTEM_FONT_GROUPS, FontChoice, choose_fonts, latin1_only
from logistics.documents.pdf import (
    Column,
    Document,
    PageFrame,
    heading,
    key_values,
    picture,
    qr_symbol,
    signature_lines,
    table,
)
from logistics.schemas.shipments import ShipmentCreate, ShipmentUpdate
from logistics.services import catalogue, documents, handovers, shipments
from logistics.services.errors import NotFound
from logistics.settings import SettingsError, load_settings
from tests.conftest import NOW

REFERENCE = "HG-2026-0045"  # the demo's shipment in transit: four refrigerated lines, two loggers
THAI_NOTE = "เก็บในตู้เย็นทันทีที่มาถึง ห้ามแช่แข็ง"
CHINESE_NOTE = "到货后立即冷藏，切勿冷冻。"


def make_pdf(runtime, reference=REFERENCE, **settings):
    with runtime.sessions() as session:
        return documents.packing_list_pdf(session, reference, settings=replace(runtime.settings, **settings),
                                          profiles=runtime.profiles, now=NOW)


def page_texts(content: bytes) -> list[str]:
    """Each page's text with runs of white space made one space (table cells wrap)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def test_the_packing_list_carries_what_the_receiver_checks(sqlite_demo_runtime):
    [text] = page_texts(make_pdf(sqlite_demo_runtime))
    for expected in (REFERENCE, "Packing list", "160-48123880", "HG-SZ — Hemogen warehouse, Shenzhen",
                     "SIRIRAJ-PH — Siriraj Hospital pharmacy, Bangkok", "TFDA-CT-2026-0031",
                     "validated for 120 h", "LG-24003", "LG-24004", "TempTrack 4G (probe, shock)",
                     "Packed by", "Checked by", "Generated 2026-11-24 06:00 UTC", "page 1 of 1"):
        assert expected in text
    # Demo loaded at 06:00 UTC: departure 9 h before from Shenzhen (UTC+8), arrival 40 h later in Bangkok.
    assert "2026-11-24 05:00 +08:00 (Asia/Shanghai)" in text
    assert "2026-11-26 05:00 +07:00 (Asia/Bangkok)" in text
    contents = text.split("Item code Item Lot Expiry Quantity Storage", 1)[1]
    for item, lot, quantity in (("SEL-CD34", "SK2609-031", "6 kit"), ("MED-HSC", "M26K05", "12 bottle"),
                                ("TE-POLOX", "TE-26-019", "10 vial"), ("CRYO-CS10", "CS10-26H2", "4 bottle")):
        row = contents.split(f"{item} ", 1)[1].split("refrigerated", 1)[0]
        assert f" {lot} " in row and row.endswith(f" {quantity} ")
    assert ("refrigerated Refrigerated, 2–8 °C: keep between 2 °C and 8 °C. "
            "Items: SEL-CD34, MED-HSC, TE-POLOX, CRYO-CS10.") in text


def test_a_long_contents_table_continues_with_its_heading_on_the_next_page(sqlite_demo_runtime):
    lots = [f"T-{number:03d}" for number in range(60)]
    with unit_of_work(sqlite_demo_runtime.sessions, actor="test", reason="test") as session:
        shipments.create_shipment(session, ShipmentCreate(reference="HG-2026-0900", origin="HG-SZ",
                                                          destination="SIRIRAJ-PH"))
        for lot in lots:
            catalogue.add_lot(session, item_code="QC-ENDO", lot_number=lot, expiry=date(2027, 6, 30))
        session.flush()
        for lot in lots:
            shipments.add_line(session, "HG-2026-0900", lot=f"QC-ENDO/{lot}", quantity="2 kit")
    texts = page_texts(make_pdf(sqlite_demo_runtime, "HG-2026-0900"))
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"page {number} of {len(texts)}" in text and "Packing list · HG-2026-0900" in text
    second = texts[1]
    first_row = next(lot for lot in lots if lot in second)
    assert second.index("Item code Item Lot Expiry Quantity Storage") < second.index(first_row)
    everything = " ".join(texts)
    assert all(everything.count(f"{lot} 2027-06-30 2 kit") == 1 for lot in lots)


def unicode_fonts_or_skip() -> None:
    missing = [group[0] for group in SYSTEM_FONT_GROUPS if not any(Path(name).is_file() for name in group)]
    if missing:
        reason = f"font files missing (Debian: fonts-dejavu-core fonts-thai-tlwg fonts-wqy-zenhei): {missing}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def test_thai_and_chinese_notes_print(sqlite_demo_runtime):
    unicode_fonts_or_skip()
    with unit_of_work(sqlite_demo_runtime.sessions, actor="test", reason="test") as session:
        shipments.update_shipment(session, REFERENCE, ShipmentUpdate(notes=f"{THAI_NOTE} / {CHINESE_NOTE}"),
                                  now=NOW)
    [text] = page_texts(make_pdf(sqlite_demo_runtime))
    assert THAI_NOTE in text and CHINESE_NOTE in text


def test_without_unicode_fonts_the_document_is_still_made_in_helvetica(sqlite_demo_runtime, caplog):
    with unit_of_work(sqlite_demo_runtime.sessions, actor="test", reason="test") as session:
        shipments.update_shipment(session, REFERENCE, ShipmentUpdate(notes=f"Keep cold {THAI_NOTE[:4]}"),
                                  now=NOW)
    with sqlite_demo_runtime.sessions() as session:
        content = documents.packing_list_content(session, REFERENCE, settings=sqlite_demo_runtime.settings,
                                                 profiles=sqlite_demo_runtime.profiles, now=NOW)
    with caplog.at_level(logging.WARNING):
        [text] = page_texts(packing_list.render(content, FontChoice(faces=())))
    assert "no Unicode font found" in caplog.text
    assert "Keep cold ????" in text and "Refrigerated, 2-8 °C" in text and "HG-SZ -> SIRIRAJ-PH" in text


def test_a_damaged_font_file_is_skipped_with_a_warning(sqlite_demo_runtime, tmp_path, caplog):
    damaged = tmp_path / "Damaged.ttf"
    damaged.write_bytes(b"not a font at all")
    with caplog.at_level(logging.WARNING):
        text = page_texts(make_pdf(sqlite_demo_runtime, pdf_fonts=(str(damaged),)))[0]
    assert f"font {damaged} cannot be embedded" in caplog.text and REFERENCE in text


def test_the_qr_code_is_the_receiving_pages_address(sqlite_demo_runtime):
    url = "https://coldchain.example.org/receiving/HG-2026-0045"
    assert documents.receiving_url("https://coldchain.example.org/", REFERENCE) == url
    assert documents.receiving_url("http://x", "HG/2026 1") == "http://x/receiving/HG%2F2026%201"
    content = make_pdf(sqlite_demo_runtime, public_url="https://coldchain.example.org")
    [image] = PdfReader(io.BytesIO(content)).pages[0].images
    assert modules_of(image.image, size=len(qr_symbol(url).matrix)) == dark_modules(url)


def dark_modules(payload: str) -> list[list[bool]]:
    return [[bool(module) for module in row] for row in qr_symbol(payload).matrix_iter(border=0)]


def modules_of(image, *, size: int) -> list[list[bool]]:
    """Read an upright, unrotated QR code image back into modules, sampling each one's centre."""
    grey = image.convert("L")
    scale = grey.width / (size + 8)  # four light modules of quiet zone on each side
    centre = [int((4 + index + 0.5) * scale) for index in range(size)]
    return [[grey.getpixel((x, y)) < 128 for x in centre] for y in centre]


def test_an_unknown_shipment_is_not_found(sqlite_demo_runtime):
    with pytest.raises(NotFound, match="NOPE-0001"):
        make_pdf(sqlite_demo_runtime, "NOPE-0001")


def test_configured_fonts_come_first_and_missing_ones_are_named(caplog):
    files = {"/fonts/Sarabun.ttf", "/fonts/Sarabun-Bold.ttf", "/sys/DejaVuSans.ttf", "/sys/Loma.ttf"}
    exists = lambda path: str(path) in files  # noqa: E731
    groups = [["/sys/DejaVuSans.ttf"], ["/sys/Garuda.ttf", "/sys/Loma.ttf"], ["/sys/wqy-zenhei.ttc"]]
    with caplog.at_level(logging.WARNING):
        configured = choose_fonts(["/fonts/Sarabun.ttf", "/fonts/Gone.ttf"], groups, exists)
    assert [(str(face.regular), str(face.bold)) for face in configured.faces] == [
        ("/fonts/Sarabun.ttf", "/fonts/Sarabun-Bold.ttf")]
    assert "no font file at /fonts/Gone.ttf" in caplog.text
    system = choose_fonts([], groups, exists)
    assert [(str(face.regular), face.bold) for face in system.faces] == [
        ("/sys/DejaVuSans.ttf", None), ("/sys/Loma.ttf", None)]
    assert choose_fonts(["/fonts/Gone.ttf"], groups, exists).faces == system.faces


def test_latin1_stand_ins():
    assert latin1_only("2–8 °C → ≤ −60 °C · ห้าม 冷藏") == "2-8 °C -> <= -60 °C · ???? ??"


def test_the_pdf_fonts_setting_takes_a_list_or_a_path_list():
    assert load_settings(environ={}).pdf_fonts == ()
    both = load_settings(environ={"LOGISTICS_PDF_FONTS": "/a/One.ttf:/b/Two.ttc"})
    assert both.pdf_fonts == ("/a/One.ttf", "/b/Two.ttc")
    assert load_settings(environ={}, overrides={"pdf_fonts": ["/a/One.ttf"]}).pdf_fonts == ("/a/One.ttf",)
    with pytest.raises(SettingsError, match="pdf_fonts: expected a list of file paths"):
        load_settings(environ={}, overrides={"pdf_fonts": [1, 2]})


def test_the_blocks_make_other_documents_too():
    """What a receipt report needs: facts, a table, a chart image, signatures, in the same frame."""
    doc = Document(PageFrame("Shipment receipt report", "HG-2026-0046", NOW), choose_fonts([]))
    heading(doc, "Receipt")
    key_values(doc, [("Received by", "Somchai P."), ("Condition", "Accepted")])
    table(doc, [Column("Logger", 40), Column("Minimum", 30, "RIGHT")], [["LG-24005", "−78.2 °C"]])
    chart = io.BytesIO()
    qr_symbol("a stand-in for a chart").save(chart, kind="png", scale=4)
    picture(doc, chart.getvalue(), width=60, caption="Temperature of LG-24005")
    signature_lines(doc, ["Received by"])
    reader = PdfReader(io.BytesIO(doc.to_bytes()))
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in ("Shipment receipt report · HG-2026-0046", "Received by Somchai P.", "LG-24005 −78.2 °C",
                     "Temperature of LG-24005", "page 1 of 1"):
        assert expected in text
    assert len(reader.pages[0].images) == 1


def test_the_command_writes_a_pdf(sqlite_demo_runtime, tmp_path, monkeypatch):
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", sqlite_demo_runtime.settings.database_url)
    monkeypatch.chdir(tmp_path)
    runner, target = CliRunner(), tmp_path / "packing.pdf"
    written = runner.invoke(main, ["documents", "packing-list", REFERENCE, "-o", str(target)])
    assert written.exit_code == 0 and target.read_bytes().startswith(b"%PDF-")
    named = runner.invoke(main, ["documents", "packing-list", REFERENCE])  # named after the shipment
    assert named.exit_code == 0 and (tmp_path / f"packing-list-{REFERENCE}.pdf").read_bytes()[:5] == b"%PDF-"
    unknown = runner.invoke(main, ["documents", "packing-list", "NOPE-0001"])
    assert unknown.exit_code == 1 and "no shipment 'NOPE-0001'" in unknown.output


def test_the_command_has_help():
    result = CliRunner().invoke(main, ["documents", "packing-list", "--help"], prog_name="logistics")
    assert result.exit_code == 0 and "Usage: logistics documents packing-list" in result.output


def test_printed_with_the_secret_it_carries_the_hand_over_link_as_a_second_qr_code(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    public = "https://coldchain.example.org"
    with runtime.sessions() as session:
        settings = replace(runtime.settings, public_url=public)
        content = documents.packing_list_pdf(session, REFERENCE, settings=settings, profiles=runtime.profiles,
                                             now=NOW, handover_secret="test-secret")
        link = handovers.make_link(session, REFERENCE, secret="test-secret", now=NOW)
    url = documents.handover_url(public, link.token)
    assert url.startswith(f"{public}/handover/")
    images = [image for page in PdfReader(io.BytesIO(content)).pages for image in page.images]
    assert len(images) == 2
    assert modules_of(images[1].image, size=len(qr_symbol(url).matrix)) == dark_modules(url)
    text = " ".join(page_texts(content))
    assert "Hand-overs on the way" in text and f"the link is for {REFERENCE} only" in text
    assert "works until 2026-11-29 05:00 +07:00" in text  # the planned arrival (in 40 h) and three days
