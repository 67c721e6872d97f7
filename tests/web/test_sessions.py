"""A session ends, on every device, when its user signs out, gets a new password or role, or is
disabled: a session cookie copied before that is refused when replayed. A session is also tied to the
address and browser it signed in from, and a remember-me cookie signs nobody in."""

from __future__ import annotations

import pytest
from flask_login.utils import encode_cookie
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, User
from logistics.services import users
from tests.conftest import DEMO_PASSWORD
from tests.web.conftest import csrf_token, login, web_app

NEW_PASSWORD = "a-new-long-password"


@pytest.fixture
def both_app(demo_runtime):
    """The app on the demo data, on SQLite and on PostgreSQL."""
    return web_app(demo_runtime)


def signed_in_cookie(app, username, password=DEMO_PASSWORD, user_agent=None):
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    login(client, username, password)
    assert client.get("/shipments").status_code == 200
    return client.get_cookie("session").value


def replay(app, cookie):
    """A request from a fresh client carrying only the copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/shipments")


def signed_in(response):
    return response.status_code == 200


def test_signing_out_ends_every_session_of_the_user(both_app):
    laptop, tablet = signed_in_cookie(both_app, "qa"), signed_in_cookie(both_app, "qa")
    other_user = signed_in_cookie(both_app, "pharmacy")
    assert signed_in(replay(both_app, laptop)) and signed_in(replay(both_app, tablet))

    client = both_app.test_client()
    client.set_cookie("session", laptop)
    signed_out = client.post("/logout", data={"csrf_token": csrf_token(client, "/shipments")})
    assert signed_out.status_code == 302

    refused = replay(both_app, laptop)
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert not signed_in(replay(both_app, tablet))  # sign-out is everywhere
    assert signed_in(replay(both_app, other_user))
    with both_app.extensions["logistics"].sessions() as session:
        change = session.exec(select(AuditEvent).where(AuditEvent.field == "session_version")).one()
    assert (change.actor, change.reason, change.old_value, change.new_value) == ("qa", "signed out", "0", "1")
    signed_in_cookie(both_app, "qa")  # and signing in again works


@pytest.mark.parametrize("change", ["password", "role", "disable"])
def test_a_new_password_or_role_or_deactivation_ends_every_session(both_app, change):
    cookie = signed_in_cookie(both_app, "viewer")
    with unit_of_work(both_app.extensions["logistics"].sessions, actor="cli", reason=change) as session:
        if change == "password":
            users.set_password(session, "viewer", NEW_PASSWORD)
        elif change == "role":
            users.set_role(session, "viewer", "pharmacy")
        else:
            users.set_active(session, "viewer", False)
    assert not signed_in(replay(both_app, cookie))
    if change == "password":
        assert signed_in(replay(both_app, signed_in_cookie(both_app, "viewer", NEW_PASSWORD)))
    elif change == "role":
        again = both_app.test_client()
        again.set_cookie("session", signed_in_cookie(both_app, "viewer"))
        assert again.get("/receiving").status_code == 200  # now under the new role


def test_an_unchanged_role_or_state_leaves_sessions_alone(both_app):
    cookie = signed_in_cookie(both_app, "viewer")
    with unit_of_work(both_app.extensions["logistics"].sessions, actor="cli") as session:
        users.set_role(session, "viewer", "viewer")
        users.set_active(session, "viewer", True)
    assert signed_in(replay(both_app, cookie))


def test_the_users_commands_end_sessions(run):
    run("init")
    run("users", "add", "nok", "--role", "qa", stdin="long-enough-1\n")
    from logistics.app import build_runtime
    from tests.conftest import settings_for

    runtime = build_runtime(settings_for(f"sqlite:///{run.database}"))
    try:
        app = web_app(runtime)
        before = signed_in_cookie(app, "nok", "long-enough-1")
        assert "sessions ended" in run("users", "passwd", "nok", stdin=f"{NEW_PASSWORD}\n").stdout
        assert not signed_in(replay(app, before))

        before = signed_in_cookie(app, "nok", NEW_PASSWORD)
        run("users", "role", "nok", "viewer")
        assert not signed_in(replay(app, before))

        before = signed_in_cookie(app, "nok", NEW_PASSWORD)
        run("users", "disable", "nok")
        assert not signed_in(replay(app, before))
        assert "(disabled)" in run("users", "list").stdout
        run("users", "enable", "nok")
        signed_in_cookie(app, "nok", NEW_PASSWORD)
    finally:
        runtime.close()


def test_a_session_is_tied_to_the_address_and_browser_it_signed_in_from(app):
    cookie = signed_in_cookie(app, "viewer", user_agent="Firefox/140")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/shipments", headers={"User-Agent": "Firefox/140"}).status_code == 200
    assert thief.get("/shipments", headers={"User-Agent": "curl/8"}).status_code == 302
    moved = thief.get("/shipments", headers={"User-Agent": "Firefox/140"},
                      environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert moved.status_code == 302


def test_a_remember_me_cookie_signs_nobody_in(app):
    with app.extensions["logistics"].sessions() as session:
        admin_id = session.exec(select(User.id).where(User.username == "admin")).one()
    with app.test_request_context():
        remembered = encode_cookie(str(admin_id))
    client = app.test_client()
    client.set_cookie("remember_token", remembered)
    assert client.get("/shipments").status_code == 302
