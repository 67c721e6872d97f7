"""One console line per request: method, path, status, duration and who asked (waitress logs none)."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, g, request

log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    """Time every request and log it when answered."""
    # The clock starts before every other hook (CSRF, login): one that answers stops those after it.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_log_request)


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Any) -> Any:
    started = g.get("request_started")
    duration = f"{(time.perf_counter() - started) * 1000:.0f} ms" if started is not None else "? ms"
    level = logging.WARNING if response.status_code >= 500 else logging.INFO
    log.log(level, "%s %s %s %s %s", request.method, request.path, response.status_code, duration,
            _user_name())
    return response


def _user_name() -> str:
    """The user Flask-Login loaded for this request, if it loaded one: asking `current_user` here would
    query the database for every static file, and fail with it when the database is away."""
    user = g.get("_login_user")
    return str(getattr(user, "username", None) or "-")
