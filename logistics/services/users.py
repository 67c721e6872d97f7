"""Users, passwords (Argon2id), sessions, sign-in throttling and API tokens (stored as SHA-256 of 256
random bits)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from logistics.core.refusals import N_, Refusal
from logistics.core.roles import Role
from logistics.core.throttle import ThrottlePolicy, locked_until
from logistics.db.locks import Lock, hold
from logistics.db.models import ApiToken, LoginAttempt, User
from logistics.services.errors import InputError, NotFound

MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B minimum for user-chosen passwords
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)  # 64 MiB, 3 passes, 4 lanes


class AttemptsLocked(Exception):
    """Too many recent failures: refused without the password being looked at, until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown user as slow as for a known one."""
    return _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """An Argon2id hash of `password`, after checking it is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        refusal = Refusal(N_("must be at least %(count)s characters"), count=MIN_PASSWORD_LENGTH)
        raise InputError({"password": refusal})
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Check `password` against the user's hash in constant-ish time, even for no user."""
    try:
        return _hasher.verify(user.password_hash if user else _dummy_hash(), password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


def add_user(
    session: Session, *, username: str, role: str, password: str, full_name: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> User:
    """Create a user; the username is lower-case letters, digits and . _ -."""
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = "use 2 to 64 lower-case letters, digits and . _ -"
    elif find_user(session, username):
        errors["username"] = f"{username!r} already exists"
    if role not in set(Role):
        errors["role"] = f"must be one of {', '.join(Role)}"
    if problem := language_problem(language):
        errors["language"] = problem
    if errors:
        raise InputError(errors)
    user = User(username=username, role=role, full_name=full_name, language=language,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = find_user(session, username)
    if password_matches(user, password) and user is not None and user.active:
        return user
    return None


def set_password(session: Session, username: str, password: str) -> None:
    """A new password; every session signed in with the old one ends."""
    hashed = hash_password(password)
    user = _locked_user(session, username)
    user.password_hash = hashed
    user.session_version += 1


def set_role(session: Session, username: str, role: str) -> None:
    """A new role; every session ends, so that none goes on with what the old role allowed."""
    if role not in set(Role):
        raise InputError({"role": Refusal(N_("must be one of %(choices)s"), choices=", ".join(Role))})
    user = _locked_user(session, username)
    if user.role != role:
        user.role = role
        user.session_version += 1


def set_active(session: Session, username: str, active: bool) -> None:
    """Enable or disable a user; disabling ends every session (tokens stop working while disabled)."""
    user = _locked_user(session, username)
    if user.active != active:
        user.active = active
        user.session_version += 1


def end_sessions(session: Session, username: str) -> None:
    """End every session of the user, on every device (signing out does this)."""
    _locked_user(session, username).session_version += 1


def signed_in_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The active user of a session cookie that carries their current session version, else None."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user


def _locked_user(session: Session, username: str) -> User:
    """The user, read afresh under a row lock, so that two concurrent changes each raise the version."""
    user = session.exec(select(User).where(User.username == username).with_for_update()
                        .execution_options(populate_existing=True)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def set_language(session: Session, username: str, language: str) -> None:
    """The language the user's pages are shown in (a locale code such as "th" or "zh_CN")."""
    problem = language_problem(language)
    if problem:
        raise InputError({"language": problem})
    get_user(session, username).language = language


def language_problem(language: str) -> str | None:
    if language in LANGUAGES:
        return None
    return f"unknown language: {language or '(none)'}; choose one of {', '.join(LANGUAGES)}"


def issue_token(session: Session, username: str, label: str = "") -> str:
    """Create an API token for the user and return it; only its hash is kept."""
    user = get_user(session, username)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), label=label))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    row = session.exec(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    ).first()
    return row if row is not None and row.active else None


def revoke_tokens(session: Session, username: str, *, at: datetime | None = None) -> int:
    """Revoke every live token of the user; returns how many."""
    user = get_user(session, username)
    tokens = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = at or datetime.now(UTC)
    return len(tokens)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in_locked_until(session: Session, username: str, address: str, policy: ThrottlePolicy,
                         now: datetime) -> datetime | None:
    """When sign-in attempts for this name or from this address may start again (None: now)."""
    since = now - policy.window
    last_success = session.exec(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.ok)).one()
    name_since = max(since, last_success) if last_success else since
    by_name = session.exec(select(LoginAttempt.at).where(
        LoginAttempt.username == username, col(LoginAttempt.ok).is_(False),
        LoginAttempt.at > name_since)).all()
    by_address = session.exec(select(LoginAttempt.at).where(
        LoginAttempt.address == address, col(LoginAttempt.ok).is_(False), LoginAttempt.at > since)).all()
    return locked_until(by_name, by_address, policy, now)


def start_sign_in(session: Session, username: str, address: str, policy: ThrottlePolicy,
                  now: datetime) -> int:
    """Admit one sign-in attempt and return its id, or raise AttemptsLocked. The attempt is recorded as
    failed before its password is checked (`sign_in_succeeded` corrects that), under a lock: concurrent
    attempts each count those admitted before them, so at most the limit's number of passwords is
    checked however many arrive at once. Commit before checking the password."""
    hold(session, Lock.SIGN_IN)
    locked = sign_in_locked_until(session, username, address, policy, now)
    if locked is not None:
        raise AttemptsLocked(locked)
    attempt = LoginAttempt(at=now, username=username[:64], address=address[:64], ok=False)
    session.add(attempt)
    session.flush()
    assert attempt.id is not None
    return attempt.id


def sign_in_succeeded(session: Session, attempt_id: int) -> None:
    attempt = session.get(LoginAttempt, attempt_id)
    if attempt is not None:
        attempt.ok = True


def record_sign_in(session: Session, username: str, address: str, *, ok: bool, now: datetime) -> None:
    session.add(LoginAttempt(at=now, username=username[:64], address=address[:64], ok=ok))
