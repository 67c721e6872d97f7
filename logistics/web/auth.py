"""Login, logout, bearer tokens for the API, and the rule that everything else needs a login."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from logistics.core.redirects import same_site_path
from logistics.core.roles import Permission, can
from logistics.core.throttle import ThrottlePolicy
from logistics.readers.config_files import load_alert_routes
from logistics.services import users
from logistics.services.signing import SigningPolicy
from logistics.web import db, form_state

if TYPE_CHECKING:
    from logistics.db.models import User

blueprint = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "health", "favicon"})
# Endpoints that check a credential of their own (a logger's secret, a one-shipment hand-over link)
# instead of a user login.
SELF_AUTHENTICATED = frozenset({"telemetry.post_readings", "handover.link_page", "handover.link_record"})
# Read-only data that pages fetch, outside /api/: a script may fetch it with a bearer token, as it reads
# the API (the routes answer GET only, so a token changes nothing there).
TOKEN_READABLE = frozenset({"pages.shipment_charts", "storage.zone_charts"})
# In the session cookie: the user id, their session version and the client binding, as at sign-in.
SIGNED_IN = "signed_in"


@dataclass
class SignedInUser(UserMixin):  # type: ignore[misc]
    """The user of this request, detached from any database session."""

    id: int
    username: str
    full_name: str
    role: str
    language: str

    @classmethod
    def of(cls, user: User) -> SignedInUser:
        assert user.id is not None
        return cls(user.id, user.username, user.full_name, user.role, user.language)

    def get_id(self) -> str:
        return str(self.id)

    def can(self, permission: Permission | str) -> bool:
        return can(self.role, Permission(permission))


def install(app: Flask) -> None:
    manager = LoginManager(app)
    # Flask-Login's "strong" protection only marks a *permanent* session stale; `_load_user` checks the
    # binding itself and ends the session instead.
    manager.session_protection = None
    manager.login_view = "auth.login"
    manager.user_loader(_load_user)
    manager.request_loader(_load_token_user)
    app.before_request(_require_login)
    app.extensions["alert_routes"] = tuple(load_alert_routes())  # who hears of a locked e-signature


def _load_user(user_id: str) -> SignedInUser | None:
    """The session's user while the session holds: signed in as this user, at their current session
    version (sign-out, a new password or role, or deactivation raise it), from the same client. Any
    other session, including one restored from a remember-me cookie, is treated as signed out."""
    signed_in = session.get(SIGNED_IN)
    if not isinstance(signed_in, list) or len(signed_in) != 3 or signed_in[0] != user_id:
        return None
    if signed_in[2] != _client_binding() or not isinstance(signed_in[1], int):
        return None
    with db.runtime().sessions() as reading:
        user = users.signed_in_user(reading, int(user_id), signed_in[1])
        return SignedInUser.of(user) if user is not None else None


def _client_binding() -> str:
    """What a session is tied to (session protection "strong"): the address and browser it signed in from."""
    client = f"{request.remote_addr}\n{request.headers.get('User-Agent', '')}"
    return hashlib.sha256(client.encode("utf-8")).hexdigest()


def _load_token_user(req: Any) -> SignedInUser | None:
    """Bearer tokens authenticate API requests and the data pages fetch (TOKEN_READABLE), never pages."""
    header = req.headers.get("Authorization", "")
    if not _takes_tokens(req) or not header.startswith("Bearer "):
        return None
    with db.runtime().sessions() as session:
        user = users.user_for_token(session, header.removeprefix("Bearer ").strip())
        if user is None:
            return None
        g.authenticated_by_token = True
        return SignedInUser.of(user)


def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if request.endpoint in SELF_AUTHENTICATED:
        return None
    if current_user.is_authenticated:
        return None
    if request.path.startswith("/api/") or (
            _takes_tokens(request) and request.headers.get("Authorization", "").startswith("Bearer ")):
        return jsonify(error="authentication required: send Authorization: Bearer TOKEN"), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _takes_tokens(req: Any) -> bool:
    return bool(req.path.startswith("/api/") or req.endpoint in TOKEN_READABLE)


def require(permission: Permission) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse the view (403) unless the signed-in user's role holds `permission`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(permission):
                if request.path.startswith("/api/"):
                    return jsonify(error=f"your role may not {permission.value}"), 403
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip().lower()[:64]
    address, now, policy = request.remote_addr or "unknown", datetime.now(UTC), throttle_policy()
    try:  # counted before the password is looked at, so that concurrent guesses are counted too
        attempt = users.start_sign_in(db.writing("sign-in"), username, address, policy, now)
    except users.AttemptsLocked as locked:  # refused without looking at the password
        db.session().rollback()
        minutes = max(math.ceil((locked.until - now).total_seconds() / 60), 1)
        flash(ngettext("Too many failed sign-ins. Try again in %(num)d minute.",
                       "Too many failed sign-ins. Try again in %(num)d minutes.", minutes), "error")
        page = render_template("login.html", username=username, next=request.form.get("next", ""))
        return page, 429, {"Retry-After": str(minutes * 60)}
    db.commit()
    user = users.authenticate(db.session(), username, request.form.get("password", ""))
    if user is None:
        form_state.refuse({form_state.WHOLE_FORM: _("Unknown user name or wrong password.")})
        return render_template("login.html", username=username,
                               next=request.form.get("next", "")), 401
    users.sign_in_succeeded(db.writing("sign-in"), attempt)
    db.commit()
    session.permanent = True  # expires after session_lifetime_minutes without a request
    login_user(SignedInUser.of(user))
    session[SIGNED_IN] = [str(user.id), user.session_version, _client_binding()]
    return redirect(same_site_path(request.form.get("next")) or url_for("pages.index"))


def throttle_policy() -> ThrottlePolicy:
    settings = db.runtime().settings
    return ThrottlePolicy(failures_per_name=settings.login_max_failures,
                          failures_per_address=settings.login_max_failures * 4,
                          window=timedelta(minutes=settings.login_lockout_minutes))


def signing_policy() -> SigningPolicy:
    """When wrong passwords at an electronic signature lock signing, and who hears of it."""
    settings = db.runtime().settings
    return SigningPolicy(max_failures=settings.signing_max_failures,
                         lockout=timedelta(minutes=settings.signing_lockout_minutes),
                         routes=current_app.extensions["alert_routes"], public_url=settings.public_url)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out everywhere: every session of this user ends, so a copied cookie is worth nothing."""
    users.end_sessions(db.writing("signed out"), current_user.username)
    db.commit()
    end_this_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def end_this_session() -> None:
    logout_user()
    session.pop(SIGNED_IN, None)
