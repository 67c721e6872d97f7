"""The Flask application factory: pages, JSON API and login, over one runtime."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import IntegerConverter

from logistics.core.limits import NUL_PROBLEM, loads_bounded
from logistics.db.engine import REFUSALS, refusal_reason
from logistics.db.text_limits import TextTooLong
from logistics.services.errors import InputError
from logistics.services.metrics import database_problem
from logistics.services.telemetry import TelemetryStore
from logistics.web import (
    api,
    auth,
    db,
    documents,
    forecast,
    form_state,
    handovers,
    i18n,
    lane_analytics,
    lanes,
    legs,
    pages,
    permits,
    profiles,
    receiving,
    records,
    recruitment,
    registry,
    replay,
    request_log,
    sites,
    stock,
    storage,
    telemetry,
)
from logistics.web.formatting import install_filters
from logistics.web.i18n import label, say

if TYPE_CHECKING:
    from logistics.app import Runtime

MAX_REQUEST_BYTES = 2 * 1024 * 1024
log = logging.getLogger(__name__)


def create_app(runtime: Runtime, *, demo: bool = False) -> Flask:
    """Build the web app. Without a secret key only demo mode may run (with a throw-away key)."""
    settings = runtime.settings
    secret_key = settings.secret_key or (secrets.token_hex(32) if demo else "")
    if not secret_key:
        raise RuntimeError(
            "LOGISTICS_SECRET_KEY is not set: set it (e.g. `python -c \"import secrets; "
            "print(secrets.token_hex(32))\"`) or run `logistics demo`"
        )
    app = Flask(__name__)
    app.url_map.converters["int"] = DatabaseInteger  # before any route is added
    app.json = BoundedJSON(app)
    app.config.update(
        SECRET_KEY=secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_lifetime_minutes),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.extensions["logistics"] = runtime
    app.extensions["telemetry_store"] = TelemetryStore(runtime.engine,
                                                       max_shock_g=settings.telemetry_max_shock_g)
    csrf = CSRFProtect(app)
    csrf.exempt(api.blueprint)  # the API authenticates writes with bearer tokens
    csrf.exempt(telemetry.blueprint)
    request_log.install(app)
    auth.install(app)
    db.install(app)
    i18n.install(app)
    form_state.install(app)
    install_filters(app)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(legs.blueprint)
    app.register_blueprint(lanes.blueprint)
    app.register_blueprint(lane_analytics.blueprint)
    app.register_blueprint(permits.blueprint)
    app.register_blueprint(sites.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(telemetry.blueprint)
    app.register_blueprint(registry.blueprint)
    app.register_blueprint(records.blueprint)
    app.register_blueprint(receiving.blueprint)
    app.register_blueprint(handovers.blueprint)
    app.register_blueprint(stock.blueprint)
    app.register_blueprint(storage.blueprint)
    app.register_blueprint(forecast.blueprint)
    app.register_blueprint(recruitment.blueprint)
    app.register_blueprint(documents.blueprint)
    app.register_blueprint(profiles.blueprint)
    app.register_blueprint(replay.blueprint)
    app.add_url_rule("/health", "health", _health)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.before_request(_refuse_nul_characters)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _error_page)  # every code: JSON under /api/, a page elsewhere
    app.register_error_handler(InternalServerError, _server_error)
    for refusal in REFUSALS:
        app.register_error_handler(refusal, _database_refused)
    app.register_error_handler(TextTooLong, _too_long)
    app.register_error_handler(InputError, _invalid_input)
    return app


ERROR_PAGES = {
    400: (_l("Bad request"), _l("The form was incomplete or has expired. Go back, reload and try again.")),
    403: (_l("Forbidden"), _l("Your role may not do this. Ask an administrator if you need to.")),
    404: (_l("Not found"), _l("There is no such page or record.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("The upload or form is larger than this site accepts (2 MiB).")),
}


class DatabaseInteger(IntegerConverter):
    """<int:...> in a route matches only what a BIGINT column holds: a larger id is a 404, not a database
    error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


class BoundedJSON(DefaultJSONProvider):
    """Bodies nested deeper than core/limits.py allows are invalid JSON (a 4xx), not a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_bounded(s)


def _error_page(error: HTTPException) -> Any:
    code = error.code or 500
    title, message = ERROR_PAGES.get(code, (_l("Error"), error.description or ""))
    if request.path.startswith("/api/"):
        return jsonify(error=error.description or str(title)), code
    if code == 400 and error.description:
        message = error.description  # e.g. "The CSRF token is missing."
    return render_template("error.html", code=code, title=title, message=message), code


def _too_long(error: TextTooLong) -> Any:
    return _invalid_input(InputError({error.field: error.message}))


def _invalid_input(error: InputError) -> Any:
    """Input refused where a view did not expect it (at the flush, say): 422 naming the fields."""
    if request.path.startswith("/api/"):
        return jsonify(error="invalid input", fields=error.errors), 422
    message = "; ".join(f"{label(field)}: {say(problem)}" for field, problem in error.errors.items())
    return render_template("error.html", code=422, title=_l("Invalid input"), message=message), 422


def _server_error(error: InternalServerError) -> Any:
    """A fault of ours: Flask has logged the traceback; the answer names the incident, to find it there."""
    incident = secrets.token_hex(4)
    log.error("internal error %s on %s %s: %r", incident, request.method, request.path,
              error.original_exception or error)
    if request.path.startswith("/api/"):
        return jsonify(error=f"internal error {incident}: the server failed on this request and logged it; "
                             "read the record again to see what was saved"), 500
    message = _l("Something went wrong on the server (incident %(incident)s). Open the record again to see "
                 "what was saved, and tell your administrator if it goes on.", incident=incident)
    return render_template("error.html", code=500, title=_l("Server error"), message=message), 500


def _database_refused(error: DBAPIError) -> Any:
    """503 naming the database's reason: the transaction was rolled back, nothing was saved."""
    log.exception("the database refused %s %s", request.method, request.path)
    reason = refusal_reason(error)
    headers = {"Retry-After": "30"}
    if request.path.startswith("/api/"):
        return jsonify(error=f"the database refused the request ({reason}); nothing was saved, "
                             "try again later"), 503, headers
    message = _l("The database refused the request (%(reason)s). Nothing was saved: try again later, "
                 "and tell your administrator if it goes on.", reason=reason)
    page = render_template("error.html", code=503, title=_l("Database unavailable"), message=message)
    return page, 503, headers


# Read as a return address and never stored: auth and i18n send anything odd in them home instead.
ADDRESS_FIELDS = frozenset({"next"})


def _refuse_nul_characters() -> Any:
    """A query parameter or form field holding U+0000: refused naming it (PostgreSQL cannot store it, and
    it would otherwise fail deep in a query). JSON bodies are checked where they are read
    (api_io.read_body)."""
    fields = list(request.args.items(multi=True))
    if request.method == "POST" and not request.path.startswith("/api/"):  # the API's bodies are its own
        fields += list(request.form.items(multi=True))
    named = next((name for name, value in fields
                  if name not in ADDRESS_FIELDS and ("\x00" in name or "\x00" in value)), None)
    if named is None:
        return None
    if request.path.startswith("/api/"):
        return jsonify(error="invalid input", fields={named: NUL_PROBLEM}), 422
    message = _l("The field %(field)s holds a NUL character (U+0000), which no record can keep. Go back and "
                 "remove it.", field=named.replace("\x00", "\\0"))
    return render_template("error.html", code=422, title=_l("Invalid input"), message=message), 422


def _health() -> Any:
    problem = database_problem(db.runtime().engine)
    if problem is not None:
        return jsonify(status="error", database=problem), 503
    return jsonify(status="ok", database="ok")


def _favicon() -> Any:
    """Browsers ask for /favicon.ico whatever the page links; answer with the SVG icon (read whole: it is
    tiny, and no file stays open behind a response that is never read)."""
    icon = Path(current_app.static_folder or "static", "favicon.svg").read_bytes()
    response = current_app.response_class(icon, mimetype="image/svg+xml")
    response.cache_control.public, response.cache_control.max_age = True, 86_400
    return response


def _security_headers(response: Any) -> Any:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
