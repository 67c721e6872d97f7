"""Neither signing in nor choosing a language can send the browser to another site (no open redirect),
and no `next` value breaks the answer."""

from __future__ import annotations

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.web.conftest import csrf_token, login

# Each of these takes a browser off the site, or cannot go in a Location header at all.
HOSTILE = [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example", " //evil.example",
    "/\x00/evil.example", "/\x0b/evil.example", "/\x7f/x", "/\\/evil.example", "/x\r\nSet-Cookie: a=b",
    "https://evil.example/", "http:evil.example", "http:/evil.example", "HTTPS://evil.example",
    "javascript:alert(1)", "data:text/html,hi", "evil.example", "shipments", "", None,
]
HOSTILE_VALUES = [value for value in HOSTILE if value]


@pytest.mark.parametrize("target", HOSTILE_VALUES)
def test_the_language_switch_goes_home_instead_of_off_site(client, target):
    login(client, "viewer")
    response = client.post("/language", data={"language": "en", "next": target,
                                              "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_VALUES)
def test_signing_in_goes_home_instead_of_off_site(client, target):
    response = client.post("/login", data={"username": "viewer", "password": DEMO_PASSWORD, "next": target,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_path_on_this_site_is_followed_by_both(client):
    response = client.post("/login", data={"username": "viewer", "password": DEMO_PASSWORD,
                                           "next": "/shipments?status=arrived",
                                           "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/shipments?status=arrived"
    response = client.post("/language", data={"language": "en", "next": "/shipments/HG-2026-0045",
                                              "csrf_token": csrf_token(client, "/")})
    assert response.headers["Location"] == "/shipments/HG-2026-0045"
