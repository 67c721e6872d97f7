"""Words the records keep in English (count units, storage profiles, statuses, refusals' values) read in
the reader's language on every main page and on the packing list; the records and the API keep English,
and a form takes a unit typed either way."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from babel import Locale
from babel.support import Translations
from sqlmodel import select

from logistics.app import build_runtime
from logistics.core.words import PROFILE_LABELS
from logistics.db.models import ReceiptLine, ShipmentLine
from logistics.web.i18n import TRANSLATIONS
from tests.conftest import settings_for
from tests.web.conftest import csrf_token, login, web_app
from tests.web.test_forecast_pages import wait_for_the_run
from tests.web.test_languages import choose
from tests.web.test_quantity_entry import field_error, kit_line
from tests.web.test_receiving_pages import PAGE as RECEIPT
from tests.web.test_receiving_pages import REFERENCE, receipt_form


def said(code: str, message: str, **values: str) -> str:
    """`message` as the catalog of `code` says it; a message without a translation fails the test."""
    text = Translations.load(str(TRANSLATIONS), [Locale.parse(code)]).gettext(message)
    assert text != message, f"{message!r} has no {code} translation"
    return text % values if values else text


def main(page: str) -> str:
    return page.split("<main", 1)[1]


def reader(app, username: str, language: str):
    client = login(app.test_client(), username)
    choose(client, language)
    return client


# What each main page shows of the demo in words the records keep in English, and where an English one
# would remain. Each page is read by a user allowed to see it.
PAGES = [
    ("/", "logistics", ["Refrigerated, 2–8 °C"]),
    (f"/shipments/{REFERENCE}", "logistics", ["kit", "bottle", "refrigerated"]),
    (RECEIPT, "pharmacy", ["kit", "vial", "Refrigerated, 2–8 °C"]),
    ("/stock", "pharmacy", ["kit", "vial", "bag", "set"]),
    ("/storage", "pharmacy", ["Refrigerated, 2–8 °C", "Frozen, −25 to −15 °C", "Dry ice, ≤ −60 °C"]),
    ("/audit", "qa", ["planned departure", "air waybill"]),
]


UNITS = ("kit", "set", "bag", "vial", "bottle")


@pytest.mark.parametrize(("path", "username", "words"), PAGES, ids=[path for path, _, _ in PAGES])
def test_the_main_pages_say_units_and_storage_in_thai(app, path, username, words):
    english = main(login(app.test_client(), username).get(path).get_data(as_text=True))
    page = main(reader(app, username, "th").get(path).get_data(as_text=True))
    for word in words:
        assert re.search(rf"\b{re.escape(word)}\b", english), f"{path} shows no {word!r} in English"
        assert said("th", word) in page, f"{path}: {word!r} is not in Thai"
    assert_no_english_units_or_profiles(path, page)


def assert_no_english_units_or_profiles(path: str, page: str) -> None:
    """No quantity with an English unit ("6 kit") and no shipped profile's English label is left."""
    left = re.findall(rf"\d (?:{'|'.join(UNITS)})s?\b", page)
    left += [profile for profile in PROFILE_LABELS if profile in page]
    assert not left, f"{path} still says {left}"


def test_the_forecast_says_its_units_in_thai(sqlite_templates, tmp_path):
    database = tmp_path / "shipments.db"
    shutil.copyfile(sqlite_templates["demo"], database)
    runtime = build_runtime(settings_for(f"sqlite:///{database}", forecast_runs=2000))
    try:
        app = web_app(runtime)
        client = reader(app, "logistics", "th")
        client.post("/forecast/run", data={"csrf_token": csrf_token(client, "/forecast")})
        assert wait_for_the_run(client)["state"] == "done"  # it runs in the background
        for path in ("/forecast", "/forecast/compare"):
            page = main(client.get(path).get_data(as_text=True))
            assert re.search(rf"\d {said('th', 'vial')}", page), path
            assert_no_english_units_or_profiles(path, page)
        assert said("th", "as planned") in page and said("th", "Least ready slot") in page
    finally:
        runtime.close()


def test_the_qa_queue_says_its_units_in_thai(app):
    pharmacy = reader(app, "pharmacy", "th")
    # A line set aside at receipt goes to QA's queue, where its quantity waits with its unit.
    kit = kit_line(app)
    set_aside = {f"{kit}-disposition": "quarantine"}
    recorded = pharmacy.post(RECEIPT, data=receipt_form(app, pharmacy, **set_aside))
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    page = main(reader(app, "qa", "th").get("/qa").get_data(as_text=True))
    assert re.search(rf"6 {said('th', 'kit')}", page)


def test_a_refused_count_says_its_unit_in_the_readers_language(app):
    pharmacy = reader(app, "pharmacy", "th")
    kit = kit_line(app)
    refused = pharmacy.post(RECEIPT, data=receipt_form(app, pharmacy, **{f"{kit}-received": "5.5"}))
    assert refused.status_code == 422
    template = "must be a whole number of %(unit)s (they are counted, not measured), got %(amount)s"
    expected = said("th", template, unit=said("th", "kit"), amount="5.5")
    assert field_error(refused.get_data(as_text=True), f"{kit}-received") == expected


def test_a_refused_count_in_chinese(app):
    chinese = reader(app, "pharmacy", "zh_CN")
    kit = kit_line(app)
    refused = chinese.post(RECEIPT, data=receipt_form(app, chinese, **{f"{kit}-received": "10001"}))
    template = "must be at most %(most)s %(unit)s, the largest quantity of %(item)s one entry may hold"
    expected = said("zh_CN", template, most="10,000", unit="套", item="SEL-CD34")
    assert field_error(refused.get_data(as_text=True), f"{kit}-received") == expected


@pytest.mark.parametrize(("language", "typed"), [("th", "6 คิท"), ("zh_CN", "6套")])
def test_a_unit_typed_in_the_readers_language_is_read_and_kept_in_english(app, language, typed):
    pharmacy = reader(app, "pharmacy", language)
    kit = kit_line(app)
    received = pharmacy.post(RECEIPT, data=receipt_form(app, pharmacy, **{f"{kit}-received": typed}))
    assert received.status_code == 302, received.get_data(as_text=True)
    line_id = int(kit.removeprefix("line-"))
    with app.extensions["logistics"].sessions() as session:
        counted = session.exec(select(ReceiptLine.received)
                               .where(ReceiptLine.shipment_line_id == line_id)).one()
        unit = session.exec(select(ShipmentLine.unit).where(ShipmentLine.id == line_id)).one()
    assert (counted, unit) == (6.0, "kit")


def test_the_chinese_shipment_page_says_units_and_storage_in_chinese(app):
    page = main(reader(app, "logistics", "zh_CN").get(f"/shipments/{REFERENCE}").get_data(as_text=True))
    for english, chinese in (("kit", "套"), ("bottle", "瓶"), ("refrigerated", "冷藏")):
        assert said("zh_CN", english) == chinese and chinese in page


def test_the_packing_list_prints_units_and_storage_in_the_readers_language(app):
    path = f"/shipments/{REFERENCE}/packing-list.pdf"
    english = pdf_text(login(app.test_client(), "logistics").get(path))
    assert re.search(r"\d kit\b", english) and "Refrigerated, 2–8 °C" in english
    text = pdf_text(reader(app, "logistics", "th").get(path))
    for word in ("kit", "bottle", "vial", "Refrigerated, 2–8 °C", "refrigerated"):
        assert said("th", word) in text, f"{word!r} not in Thai on the packing list"
    assert not re.search(r"\d (?:kit|bottle|vial)\b", text) and "Refrigerated, 2–8 °C" not in text


def pdf_text(response) -> str:
    """The PDF's text as poppler's pdftotext reads it (poppler-utils), columns kept apart."""
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True,
                          check=True).stdout.decode()
