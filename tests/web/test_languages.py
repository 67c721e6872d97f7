"""Languages: chosen per user and kept on their account, else the browser's; dates and numbers written
the locale's way; the API stays in English."""

from __future__ import annotations

import json
import re

import pytest
from babel import Locale
from babel.support import Translations
from sqlmodel import select

from logistics.db.models import AuditEvent, User
from logistics.web.i18n import TRANSLATIONS
from tests.web.conftest import csrf_token, login
from tests.web.test_excursion_review import PAGE, record_id, with_an_excursion

THAI = re.compile("[\u0e00-\u0e7f]")
CHINESE = re.compile("[\u4e00-\u9fff]")


def translated(code: str, message: str) -> str:
    text = Translations.load(str(TRANSLATIONS), [Locale.parse(code)]).gettext(message)
    assert text != message, f"{message!r} has no {code} translation"
    return text


def choose(client, language: str, back: str = "/"):
    return client.post("/language", data={"language": language, "next": back,
                                          "csrf_token": csrf_token(client, "/")})


def test_a_user_switches_to_thai_and_keeps_it_on_their_account(app, client):
    login(client, "logistics")
    english = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in english and "Shipments under way" in english

    response = choose(client, "th", back="/shipments?status=arrived")
    assert response.status_code == 302 and response.headers["Location"] == "/shipments?status=arrived"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="th">' in page
    assert translated("th", "Shipments under way") in page and "Shipments under way" not in page
    assert "พ.ย. 2026" in page  # "As of 24 พ.ย. 2026 …": the month as Thai writes it

    runtime = app.extensions["logistics"]
    with runtime.sessions() as session:
        assert session.exec(select(User.language).where(User.username == "logistics")).one() == "th"
        change = session.exec(select(AuditEvent).where(AuditEvent.entity == "users",
                                                       AuditEvent.field == "language")).one()
        assert (change.actor, json.loads(change.old_value), json.loads(change.new_value)) == (
            "logistics", "en", "th")

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    fresh = app.test_client()  # another device: the account's language follows the user
    login(fresh, "logistics")
    assert THAI.search(fresh.get("/shipments").get_data(as_text=True).split("<main", 1)[1])


def test_simplified_chinese_dates_and_messages(client):
    login(client, "logistics")
    choose(client, "zh_CN")
    page = client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert translated("zh_CN", "Route legs") in page
    assert re.search(r"2026年11月\d+日 \d\d:\d\d \+0[78]:00", page)  # local time with its offset


def test_messages_after_an_action_are_in_the_users_language(app, client):
    with_an_excursion(app)
    login(client, "pharmacy")
    choose(client, "th")
    number = record_id(client.get(PAGE).get_data(as_text=True))
    done = client.post(f"{PAGE}/excursions/{number}/acknowledge", follow_redirects=True,
                       data={"comment": "แจ้งผู้ขนส่งแล้ว", "csrf_token": csrf_token(client, PAGE)})
    assert translated("th", "Excursion acknowledged.") in done.get_data(as_text=True)


def test_before_signing_in_the_browsers_language_is_used(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and translated("zh_CN", "Sign in") in page
    page = client.get("/login", headers={"Accept-Language": "th"}).get_data(as_text=True)
    assert translated("th", "Sign in") in page
    page = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page


def test_an_unknown_language_is_refused_by_name(client):
    login(client, "viewer")
    refused = choose(client, "fr")
    assert refused.status_code == 400 and "unknown language: fr" in refused.get_data(as_text=True)


def test_choosing_a_language_needs_a_login(client):
    response = client.post("/language", data={"language": "th", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("back", ["https://elsewhere.example/", "//elsewhere.example/x"])
def test_the_way_back_stays_on_this_site(client, back):
    login(client, "viewer")
    assert choose(client, "th", back=back).headers["Location"] == "/"


def test_the_api_answers_in_english_whatever_the_users_language(client, token_for):
    login(client, "logistics")
    choose(client, "th")
    answer = client.get("/api/v1/shipments?departs_from=soon",
                        headers={"Authorization": f"Bearer {token_for('logistics')}"})
    assert answer.status_code == 422
    assert answer.get_json()["fields"]["departs_from"] == "expected a day as YYYY-MM-DD, got 'soon'"
