"""Alerts raised once per state change and delivered to a real local webhook receiver and SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from sqlmodel import col, select

from logistics.core.alerting import AlertFacts, parse_routes
from logistics.db.engine import unit_of_work
from logistics.db.models import AlertDelivery
from logistics.outbound.notify import make_senders
from logistics.services.alerts import dispatch_due, raise_alert

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def facts(key="excursion:7:opened", severity="critical"):
    return AlertFacts(key=key, kind="excursion", severity=severity, site="SIRIRAJ-PH", subject="HG-2026-0045",
                      title="Above 8 °C for 42 min on LG-24003", body="Peak 9.6 °C at 14:05 +07:00.",
                      raised_at=NOW, link="http://127.0.0.1:8000/shipments/HG-2026-0045")


def routes(url):
    return parse_routes({"routes": [{"targets": [
        {"channel": "webhook", "address": url}, {"channel": "slack", "address": url},
        {"channel": "email", "address": "qa@hospital.example"}, {"channel": "in_app", "address": "qa"}]}]})


def deliveries(runtime):
    with runtime.sessions() as session:
        rows = session.exec(select(AlertDelivery).order_by(col(AlertDelivery.id)))
        return {row.channel: row for row in rows}


def test_an_alert_reaches_the_webhook_slack_and_mailbox_once(sqlite_runtime, receiver, mailbox):
    box, smtp_port = mailbox
    with unit_of_work(sqlite_runtime.sessions, actor="scheduler") as session:
        assert raise_alert(session, routes(receiver.url), facts()) is not None
        assert raise_alert(session, routes(receiver.url), facts()) is None  # same state change: nothing new
    with requests.Session() as http:
        senders = make_senders(http, smtp_url=f"smtp://127.0.0.1:{smtp_port}", sender="tracker@example")
        report = dispatch_due(sqlite_runtime.sessions, senders, now=NOW)
        again = dispatch_due(sqlite_runtime.sessions, senders, now=NOW + timedelta(minutes=5))
    assert (report.sent, again.sent) == (3, 0)
    generic, slack = receiver.bodies
    assert generic["key"] == "excursion:7:opened" and generic["severity"] == "critical"
    assert slack["text"].startswith(":rotating_light: *CRITICAL*")
    [mail] = box.messages
    assert mail.rcpt_tos == ["qa@hospital.example"]
    assert b"Subject: [CRITICAL] Above 8" in mail.content and b"Peak 9.6" in mail.content
    assert {channel: row.status for channel, row in deliveries(sqlite_runtime).items()} == {
        "webhook": "sent", "slack": "sent", "email": "sent", "in_app": "sent"}


def test_a_failing_channel_is_retried_with_back_off_and_does_not_hold_up_others(
        sqlite_runtime, receiver, mailbox):
    box, smtp_port = mailbox
    receiver.failing = True
    with unit_of_work(sqlite_runtime.sessions, actor="scheduler") as session:
        raise_alert(session, routes(receiver.url), facts())
    with requests.Session() as http:
        senders = make_senders(http, smtp_url=f"smtp://127.0.0.1:{smtp_port}", sender="tracker@example")
        first = dispatch_due(sqlite_runtime.sessions, senders, now=NOW)
        assert (first.sent, first.retrying) == (1, 2)  # the e-mail went; both webhooks wait
        webhook = deliveries(sqlite_runtime)["webhook"]
        assert webhook.next_attempt_at == NOW + timedelta(seconds=30) and "503" in webhook.last_error
        assert dispatch_due(sqlite_runtime.sessions, senders, now=NOW + timedelta(seconds=10)).retrying == 0
        receiver.failing = False
        later = dispatch_due(sqlite_runtime.sessions, senders, now=NOW + timedelta(seconds=31))
    assert later.sent == 2 and len(receiver.bodies) == 2 and len(box.messages) == 1
    assert deliveries(sqlite_runtime)["webhook"].attempts == 2


def test_email_without_a_server_is_a_recorded_failure(sqlite_runtime, receiver):
    with unit_of_work(sqlite_runtime.sessions, actor="scheduler") as session:
        raise_alert(session, routes(receiver.url), facts())
    with requests.Session() as http:
        dispatch_due(sqlite_runtime.sessions, make_senders(http, smtp_url="", sender="x@example"), now=NOW)
    assert "smtp_url" in deliveries(sqlite_runtime)["email"].last_error


def test_mail_queued_while_the_smtp_server_is_down_goes_out_once_it_is_back(sqlite_runtime, receiver):
    from aiosmtpd.controller import Controller

    from tests.browser.conftest import free_port
    from tests.local_receivers import Mailbox

    port = free_port()  # nothing listens here yet: the server is down
    with unit_of_work(sqlite_runtime.sessions, actor="scheduler") as session:
        raise_alert(session, routes(receiver.url), facts())
    with requests.Session() as http:
        senders = make_senders(http, smtp_url=f"smtp://127.0.0.1:{port}", sender="tracker@example")
        down = dispatch_due(sqlite_runtime.sessions, senders, now=NOW)
        assert (down.sent, down.retrying) == (2, 1) and deliveries(sqlite_runtime)["email"].last_error
        box = Mailbox()
        server = Controller(box, hostname="127.0.0.1", port=port)
        server.start()
        try:
            back = dispatch_due(sqlite_runtime.sessions, senders, now=NOW + timedelta(seconds=31))
            again = dispatch_due(sqlite_runtime.sessions, senders, now=NOW + timedelta(hours=2))
        finally:
            server.stop()
    assert (back.sent, again.sent) == (1, 0) and len(box.messages) == 1
    assert deliveries(sqlite_runtime)["email"].status == "sent"


def test_a_webhook_receiver_that_is_down_gets_the_alert_once_it_is_back(sqlite_runtime):
    from tests.browser.conftest import free_port
    from tests.local_receivers import Receiver

    port = free_port()  # nothing listens here yet: connections are refused
    url = f"http://127.0.0.1:{port}/hook"
    webhook_only = parse_routes({"routes": [{"targets": [{"channel": "webhook", "address": url}]}]})
    with unit_of_work(sqlite_runtime.sessions, actor="scheduler") as session:
        raise_alert(session, webhook_only, facts())
    with requests.Session() as http:
        senders = make_senders(http, smtp_url="", sender="tracker@example")
        down = dispatch_due(sqlite_runtime.sessions, senders, now=NOW)
        assert (down.sent, down.retrying) == (0, 1)
        assert "refused" in deliveries(sqlite_runtime)["webhook"].last_error.lower()
        back_up = Receiver(port)
        try:
            back = dispatch_due(sqlite_runtime.sessions, senders, now=NOW + timedelta(seconds=31))
            again = dispatch_due(sqlite_runtime.sessions, senders, now=NOW + timedelta(hours=2))
        finally:
            back_up.close()
    assert (back.sent, again.sent) == (1, 0) and len(back_up.bodies) == 1
    assert deliveries(sqlite_runtime)["webhook"].status == "sent"
