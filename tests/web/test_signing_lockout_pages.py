"""Guessing the password of an electronic signature on the QA page: after `signing_max_failures` wrong
ones the signer is signed out everywhere and signing stays locked, also for requests sent at the same
moment to a real multi-threaded server (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlmodel import select

from logistics.db.models import Alert, Signature, SigningFailure
from tests.conftest import DEMO_PASSWORD, password_at_production_cost
from tests.services.test_receiving import quarantined_line_id, receive
from tests.web.conftest import csrf_token, login
from tests.web.live_server import csrf_token_of, form_session, web_server

GUESSES = 12


def decision(password, token):
    """The signing step of a release (the line has no excursion to assess)."""
    return {"decision": "released", "comment": "Within the budget", "step": "sign", "password": password,
            "csrf_token": token}


def test_three_wrong_passwords_sign_the_user_out_and_lock_signing(app, client):
    runtime = app.extensions["logistics"]
    receive(runtime)
    page = f"/qa/lines/{quarantined_line_id(runtime)}"
    login(client, "qa")
    other_device = login(app.test_client(), "qa")
    token = csrf_token(client, page)
    for _ in range(2):
        wrong = client.post(page, data=decision("guess", token))
        assert wrong.status_code == 401 and "nothing was signed" in wrong.get_data(as_text=True)
    third = client.post(page, data=decision("guess", token))
    assert third.status_code == 302 and third.headers["Location"] == "/login"
    shown = client.get("/login").get_data(as_text=True)
    assert "signing is locked for a while" in shown and "signed out of every device" in shown
    assert client.get(page).status_code == 302 and other_device.get(page).status_code == 302

    login(client, "qa")  # signing in again works; signing does not, even with the right password
    locked = client.post(page, data=decision(DEMO_PASSWORD, csrf_token(client, page)))
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Signing is locked after too many wrong passwords. Try again in" in locked.get_data(as_text=True)
    with runtime.sessions() as session:
        assert session.exec(select(Signature)).all() == []
        assert len(session.exec(select(SigningFailure)).all()) == 3
        assert session.exec(select(Alert.subject).where(Alert.kind == "signing_locked")).one() == "qa"


def test_concurrent_guesses_record_no_more_failures_than_the_limit(demo_runtime):
    receive(demo_runtime)
    password_at_production_cost(demo_runtime, "qa")
    page = f"/qa/lines/{quarantined_line_id(demo_runtime)}"
    with web_server(demo_runtime.settings.database_url) as url:
        signed_in, token = form_session(url)
        signed_in.post(f"{url}/login", data={"username": "qa", "password": DEMO_PASSWORD,
                                             "csrf_token": token})
        token = csrf_token_of(signed_in, f"{url}{page}")
        start = threading.Barrier(GUESSES)

        def guess(_index):
            with requests.Session() as http:
                http.cookies.update(signed_in.cookies)
                start.wait()
                return http.post(f"{url}{page}", data=decision("guess", token), allow_redirects=False,
                                 timeout=120).status_code

        with ThreadPoolExecutor(GUESSES) as pool:
            codes = list(pool.map(guess, range(GUESSES)))
        signed_in.close()
    limit = demo_runtime.settings.signing_max_failures
    assert codes.count(401) == limit - 1 and 302 in codes  # the last failure signs the user out
    assert set(codes) <= {401, 302, 429}
    with demo_runtime.sessions() as session:
        assert len(session.exec(select(SigningFailure)).all()) == limit
        assert len(session.exec(select(Alert).where(Alert.kind == "signing_locked")).all()) == 1
