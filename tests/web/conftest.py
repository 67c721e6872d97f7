from __future__ import annotations

import re

import pytest
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing import Rule

from logistics.app import Runtime
from logistics.db.engine import unit_of_work
from logistics.services import users
from logistics.web import create_app
from tests.conftest import DEMO_PASSWORD


class CompiledTemplates(BytecodeCache):
    """Each template compiled once per test process, as a server process compiles it once. Every test
    builds an app of its own, and compiling the templates again for each was a tenth of the web tests'
    time. Jinja checks each template's source against what was compiled."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()

# Each URL rule's builders (the two functions url_for calls, which Werkzeug generates from the parsed rule
# and compiles as each rule is added) compiled once per test process, as a server process compiles them once:
# compiling them again for every test's app was another tenth of the web tests' time. A builder is a plain
# function of the rule it is bound to, made from the rule's text, parsed parts and defaults alone.
_compile_builder = Rule._compile_builder
_BUILDERS: dict[tuple[object, ...], object] = {}


def _builder_compiled_once(rule: Rule, append_unknown: bool = True):  # type: ignore[no-untyped-def]
    try:
        key = (rule.rule, tuple(rule._trace), tuple(sorted((rule.defaults or {}).items())), append_unknown)
        built = _BUILDERS.get(key)
    except TypeError:  # defaults that cannot be a key: compiled as Werkzeug does
        return _compile_builder(rule, append_unknown)
    if built is None:
        built = _BUILDERS[key] = _compile_builder(rule, append_unknown)
    return built


Rule._compile_builder = _builder_compiled_once  # type: ignore[method-assign]


def web_app(runtime: Runtime) -> Flask:
    """The app of `runtime`, sharing its compiled templates with the other tests' apps."""
    app = create_app(runtime)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


@pytest.fixture
def app(sqlite_demo_runtime):
    return web_app(sqlite_demo_runtime)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username, password=DEMO_PASSWORD):
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def token_for(app):
    runtime = app.extensions["logistics"]

    def issue(username):
        with unit_of_work(runtime.sessions, actor="test") as session:
            return users.issue_token(session, username)

    return issue
