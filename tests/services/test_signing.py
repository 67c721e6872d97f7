"""21 CFR 11.300(d): wrong passwords at an electronic signature are detected and reported. The failure that
reaches the limit locks signing for the signer, ends their sessions and alerts QA and administrators through
the alert routes; while locked, not even the right password signs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlmodel import col, select

from logistics.core.alerting import parse_routes
from logistics.core.signatures import Meaning
from logistics.db.models import Alert, AlertDelivery, AuditEvent, Signature, SigningFailure, User
from logistics.outbound.notify import make_senders
from logistics.services import quality
from logistics.services.alerts import dispatch_due
from logistics.services.signing import SigningPolicy
from logistics.services.users import AttemptsLocked
from tests.conftest import DEMO_PASSWORD, NOW
from tests.services.test_receiving import quarantined_line_id, receive

WINDOW = timedelta(minutes=30)


def policy(url="http://127.0.0.1:9/hook"):
    routes = parse_routes({"routes": [{"severities": ["major", "critical"],
                                       "targets": [{"channel": "webhook", "address": url}]}]})
    return SigningPolicy(max_failures=3, lockout=WINDOW, routes=tuple(routes), public_url="http://tracker")


def attempt(runtime, line_id, password, at, signing=None):
    """One signing as the page makes it: committed on success, and on a refusal too (it is kept)."""
    with runtime.sessions(info={"actor": "qa", "reason": "QA decision signed"}) as session:
        try:
            quality.sign_decision(session, line_id, quality.Decision(Meaning.RELEASED, None, "In budget"),
                                  signer="qa", password=password, now=at, policy=signing or policy())
        except quality.SignatureRefused as refused:
            session.commit()
            return refused
        session.commit()
        return "signed"


def session_version(runtime, username="qa"):
    with runtime.sessions() as session:
        return session.exec(select(User.session_version).where(User.username == username)).one()


def test_the_third_wrong_password_locks_signing_ends_sessions_and_alerts(demo_runtime, receiver):
    receive(demo_runtime)  # no telemetry: every line quarantined
    line_id, signing = quarantined_line_id(demo_runtime), policy(receiver.url)
    first, second = (attempt(demo_runtime, line_id, "guess", NOW + timedelta(minutes=minute), signing)
                     for minute in (0, 1))
    assert first.locked_until is None and second.locked_until is None
    assert session_version(demo_runtime) == 0
    third = attempt(demo_runtime, line_id, "guess", NOW + timedelta(minutes=2), signing)
    assert third.locked_until == NOW + WINDOW  # when the first of the three leaves the window
    assert session_version(demo_runtime) == 1  # every session of the signer ended

    with pytest.raises(AttemptsLocked) as locked:  # the right password, without it being looked at
        attempt(demo_runtime, line_id, DEMO_PASSWORD, NOW + timedelta(minutes=3), signing)
    assert locked.value.until == NOW + WINDOW
    with demo_runtime.sessions() as session:
        assert len(session.exec(select(SigningFailure)).all()) == 3
        assert session.exec(select(Signature)).all() == []
        ended = session.exec(select(AuditEvent).where(AuditEvent.field == "session_version")).one()
        assert (ended.actor, ended.reason) == ("qa", "e-signature locked after 3 wrong passwords")
        alert = session.exec(select(Alert).where(Alert.kind == "signing_locked")).one()
        targets = session.exec(select(AlertDelivery.channel, AlertDelivery.address).where(
            AlertDelivery.alert_id == alert.id).order_by(col(AlertDelivery.id))).all()
    assert (alert.severity, alert.subject) == ("major", "qa")
    assert "3 wrong passwords" in alert.title and "sessions were ended" in alert.body
    assert [tuple(target) for target in targets] == [("webhook", receiver.url), ("in_app", "qa"),
                                                     ("in_app", "admin")]
    with requests.Session() as http:
        report = dispatch_due(demo_runtime.sessions, make_senders(http, smtp_url="", sender="t@example"),
                              now=NOW + timedelta(minutes=3))
    assert report.sent == 1 and receiver.bodies[0]["kind"] == "signing_locked"

    unlocked = NOW + WINDOW + timedelta(seconds=1)
    assert attempt(demo_runtime, line_id, DEMO_PASSWORD, unlocked, signing) == "signed"


def test_a_signature_clears_the_count_and_old_failures_leave_the_window(demo_runtime):
    receive(demo_runtime)
    first_line, second_line = quarantined_line_id(demo_runtime), quarantined_line_id(demo_runtime, "M26K05")
    for minute in (0, 1):
        attempt(demo_runtime, first_line, "guess", NOW + timedelta(minutes=minute))
    assert attempt(demo_runtime, first_line, DEMO_PASSWORD, NOW + timedelta(minutes=2)) == "signed"
    for minute in (3, 4):
        refused = attempt(demo_runtime, second_line, "guess", NOW + timedelta(minutes=minute))
        assert refused.locked_until is None
    later = NOW + timedelta(minutes=4) + WINDOW  # the failures at 3 and 4 minutes have left the window
    assert attempt(demo_runtime, second_line, "guess", later).locked_until is None
    assert session_version(demo_runtime) == 0
    with demo_runtime.sessions() as session:
        assert session.exec(select(Alert).where(Alert.kind == "signing_locked")).all() == []
