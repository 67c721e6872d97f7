import json
from datetime import UTC, datetime, timedelta

import pytest

from logistics.core.alerting import (
    AlertConfigError,
    AlertFacts,
    Target,
    next_attempt,
    parse_routes,
    slack_body,
    targets_for,
    webhook_body,
)
from logistics.readers.config_files import load_alert_routes

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def facts(severity="major", site="SIRIRAJ-PH"):
    return AlertFacts(key="excursion:1:opened", kind="excursion", severity=severity, site=site,
                      subject="HG-2026-0045", title="Above 8 °C for 42 min on LG-24003",
                      body="Peak 9.6 °C.", raised_at=NOW, link="https://tracker.example/shipments/HG-2026-0045")


ROUTES = parse_routes({"routes": [
    {"severities": ["major", "critical"], "sites": ["SIRIRAJ-PH"],
     "targets": [{"channel": "email", "address": "pharmacy@hospital.example"},
                 {"channel": "slack", "address": "https://hooks.example/T1"}]},
    {"severities": ["critical"], "targets": [{"channel": "webhook", "address": "https://ops.example/hook"}]},
    {"targets": [{"channel": "in_app", "address": "logistics"},
                 {"channel": "email", "address": "pharmacy@hospital.example"}]},
]})


def test_alerts_go_to_every_matching_target_once():
    assert targets_for(ROUTES, facts("major")) == [
        Target("email", "pharmacy@hospital.example"), Target("slack", "https://hooks.example/T1"),
        Target("in_app", "logistics")]
    assert targets_for(ROUTES, facts("critical", site="HG-SZ")) == [
        Target("webhook", "https://ops.example/hook"), Target("in_app", "logistics"),
        Target("email", "pharmacy@hospital.example")]
    assert targets_for(ROUTES, facts("minor", site=None)) == [
        Target("in_app", "logistics"), Target("email", "pharmacy@hospital.example")]


@pytest.mark.parametrize(("route", "message"), [
    ({"targets": []}, "at least one target"),
    ({"targets": [{"channel": "pager", "address": "x"}]}, "channel must be one of"),
    ({"targets": [{"channel": "webhook", "address": "ftp://x"}]}, r"http\(s\) URL"),
    ({"targets": [{"channel": "email", "address": "nobody"}]}, "not an e-mail address"),
    ({"severities": ["urgent"], "targets": [{"channel": "in_app", "address": "qa"}]}, "unknown severities"),
])
def test_bad_routes_are_explained(route, message):
    with pytest.raises(AlertConfigError, match=message):
        parse_routes({"routes": [route]})


def test_retries_back_off_doubling_up_to_an_hour():
    delays = [next_attempt(attempts, NOW) - NOW for attempts in (1, 2, 3, 8, 30)]
    assert delays == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(hours=1),
                      timedelta(hours=1)]


def test_webhook_and_slack_bodies():
    generic = json.loads(webhook_body(facts()))
    assert (generic["key"], generic["severity"], generic["subject"]) == (
        "excursion:1:opened", "major", "HG-2026-0045")
    slack = json.loads(slack_body(facts()))
    assert slack["text"].startswith(":warning: *MAJOR* Above 8 °C")
    assert "|Open in the tracker>" in slack["text"]


def test_the_built_in_routes_load():
    assert load_alert_routes()
