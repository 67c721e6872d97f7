"""Every page and endpoint needs a signed-in user, except login, static files, the favicon and /health."""

import dataclasses
import re

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.web.conftest import csrf_token, login, web_app

PUBLIC = {"auth.login", "static", "health", "favicon"}
# Authenticated by a one-shipment link instead of a login (tests/web/test_handover_pages.py).
BY_LINK = {"handover.link_page", "handover.link_record"}
SAMPLE_ARGS = {"reference": "HG-2026-0045", "filename": "style.css", "logger_id": "LG-24003"}


def all_routes(app):
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: SAMPLE_ARGS.get(match.group(1), "1"), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_every_route_except_the_public_ones_refuses_anonymous_requests(app, client):
    routes = list(all_routes(app))
    assert len(routes) >= 10
    for endpoint, method, path in routes:
        if endpoint in PUBLIC:
            continue
        if endpoint in BY_LINK:  # "1" is no link: refused, never served
            assert client.open(path, method=method).status_code in (400, 403), (method, path)
            continue
        response = client.open(path, method=method)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert "Bearer" in response.get_json()["error"]
        elif method == "GET":
            assert response.status_code == 302, (method, path)
            assert response.location.startswith("/login"), (method, path)
        else:
            assert response.status_code in (400, 302), (method, path)  # CSRF first, then login


def test_public_routes_answer_without_login(client):
    assert client.get("/health").get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/login").status_code == 200
    with client.get("/static/style.css") as response:
        assert response.status_code == 200


def test_the_favicon_answers_without_a_login_and_pages_link_it(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).startswith("<svg")
    with client.get("/static/favicon.svg") as linked:
        assert linked.status_code == 200
    link = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert link in client.get("/login").get_data(as_text=True)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and link in missing.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    response = client.post("/login", data={"username": "admin", "password": "nope",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert "Unknown user name or wrong password" in response.get_data(as_text=True)
    assert client.get("/shipments").status_code == 302


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "admin", "password": "coldchain-demo"})
    assert response.status_code == 400
    assert client.get("/shipments").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_off_site(client):
    token = csrf_token(client)
    response = client.post("/login", data={"username": "viewer", "password": "coldchain-demo",
                                           "csrf_token": token, "next": "/shipments/HG-2026-0045"})
    assert response.location == "/shipments/HG-2026-0045"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/shipments")})
    response = client.post("/login", data={"username": "viewer", "password": "coldchain-demo",
                                           "csrf_token": csrf_token(client),
                                           "next": "//evil.example/phish"})
    assert response.location == "/"


def test_logout_ends_the_session(client):
    login(client, "viewer")
    assert client.get("/shipments").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/shipments")})
    assert client.get("/shipments").status_code == 302


@pytest.mark.parametrize(("username", "allowed"), [
    ("admin", True), ("logistics", True), ("pharmacy", False), ("qa", False), ("viewer", False),
])
def test_only_roles_that_edit_shipments_see_the_form(client, username, allowed):
    login(client, username)
    assert client.get("/shipments/new").status_code == (200 if allowed else 403)
    assert client.get("/shipments/HG-2026-0045/edit").status_code == (200 if allowed else 403)
    page = client.get("/shipments").get_data(as_text=True)
    assert ("New shipment" in page) == allowed


def test_responses_carry_security_headers(client):
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("username", "plans", "enrols"), [
    ("admin", True, True), ("logistics", True, True), ("pharmacy", False, True), ("qa", False, False),
    ("viewer", False, False),
])
def test_supply_planning_and_enrolment_forms_follow_the_role(client, username, plans, enrols):
    login(client, username)
    forecast = client.get("/forecast").get_data(as_text=True)
    recruitment = client.get("/recruitment").get_data(as_text=True)
    assert ("Run the forecast now" in forecast) == plans
    assert (">Save the plan</button>" in recruitment) == plans
    assert (">Record the enrolment</button>" in recruitment) == enrols


def test_repeated_failed_sign_ins_lock_the_name_without_checking_the_password(client):
    def attempt(username, password):
        return client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    for _ in range(5):
        assert attempt("pharmacy", "guess").status_code == 401
    locked = attempt("pharmacy", DEMO_PASSWORD)  # even the right password is not looked at
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 15 * 60
    assert "Too many failed sign-ins. Try again in 15 minutes." in locked.get_data(as_text=True)
    assert attempt("qa", DEMO_PASSWORD).status_code == 302  # another name is not held up


def test_a_successful_sign_in_clears_the_count_for_its_name(app):
    from datetime import UTC, datetime, timedelta

    from logistics.core.throttle import ThrottlePolicy
    from logistics.db.engine import unit_of_work
    from logistics.services import users

    runtime, now = app.extensions["logistics"], datetime.now(UTC)
    policy = ThrottlePolicy(failures_per_name=2)
    with unit_of_work(runtime.sessions, actor="test") as session:
        for minutes, ok in ((5, False), (4, True), (3, False)):
            users.record_sign_in(session, "qa", "10.0.0.9", ok=ok, now=now - timedelta(minutes=minutes))
    with runtime.sessions() as session:
        assert users.sign_in_locked_until(session, "qa", "10.0.0.1", policy, now) is None
        with unit_of_work(runtime.sessions, actor="test") as writing:
            users.record_sign_in(writing, "qa", "10.0.0.9", ok=False, now=now - timedelta(minutes=1))
        until = users.sign_in_locked_until(session, "qa", "10.0.0.1", policy, now)
    assert until == now - timedelta(minutes=3) + timedelta(minutes=15)


@pytest.mark.parametrize("secure", [True, False])
def test_the_session_cookie_is_http_only_same_site_and_secure_when_served_over_tls(sqlite_demo_runtime,
                                                                                   secure):
    settings = dataclasses.replace(sqlite_demo_runtime.settings, session_cookie_secure=secure)
    app = web_app(dataclasses.replace(sqlite_demo_runtime, settings=settings))
    client = app.test_client()
    signed_in = client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD,
                                            "csrf_token": csrf_token(client)})
    [cookie] = [value for name, value in signed_in.headers.items()
                if name == "Set-Cookie" and value.startswith("session=")]
    flags = {flag.strip().split("=")[0].lower(): flag.strip() for flag in cookie.split(";")[1:]}
    assert "httponly" in flags and flags["samesite"] == "SameSite=Lax"
    assert ("secure" in flags) == secure


FORECAST_READS = ("/forecast/compare", "/forecast/compare.csv", "/forecast/run/progress")


def test_the_forecast_comparison_and_a_run_s_progress_need_a_sign_in(app, client):
    paths = {path for _endpoint, _method, path in all_routes(app)}
    assert {*FORECAST_READS, "/api/v1/forecast/compare"} <= paths
    for path in FORECAST_READS:
        answer = client.get(path)
        assert answer.status_code == 302 and answer.location.startswith("/login"), path
    assert client.get("/api/v1/forecast/compare").status_code == 401


@pytest.mark.parametrize("username", ["admin", "logistics", "pharmacy", "qa", "viewer"])
def test_every_role_may_read_the_comparison_and_a_run_s_progress(client, username):
    login(client, username)
    assert "Forecast scenarios compared" in client.get("/forecast/compare").get_data(as_text=True)
    assert client.get("/forecast/compare.csv").status_code == 404  # no forecast yet: nothing to compare
    assert client.get("/forecast/run/progress").get_json() == {"state": "idle"}
