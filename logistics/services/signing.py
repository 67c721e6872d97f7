"""Who may sign electronically: the signer re-enters their own password at every signing (21 CFR
11.200(a)(1)), and guessing it is detected and reported (11.300(d)). Every wrong password is kept as an
audited `SigningFailure`; the one that reaches `signing_max_failures` within `signing_lockout_minutes`
locks signing for that user for that long, ends all their sessions (they must sign in again) and raises an
alert to QA and administrators, besides the alert routes that match it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from logistics.core.alerting import AlertFacts, Channel, Route, Target, targets_for
from logistics.core.throttle import ThrottlePolicy, locked_until
from logistics.db.locks import Lock, hold
from logistics.db.models import Signature, SigningFailure, User
from logistics.services import users
from logistics.services.alerts import raise_alert
from logistics.services.users import AttemptsLocked

ALERTED = (Target(Channel.IN_APP, "qa"), Target(Channel.IN_APP, "admin"))

__all__ = ["AttemptsLocked", "SignatureRefused", "SigningPolicy", "check_signer", "signing_locked_until"]


class SignatureRefused(Exception):
    """The password given at signing was wrong: nothing was signed. `locked_until` is set when this
    failure locked signing (and ended the signer's sessions)."""

    def __init__(self, locked_until: datetime | None = None) -> None:
        super().__init__("the password is not this user's")
        self.locked_until = locked_until


@dataclass(frozen=True)
class SigningPolicy:
    max_failures: int = 3
    lockout: timedelta = timedelta(minutes=30)
    routes: tuple[Route, ...] = field(default=())
    public_url: str = ""


def check_signer(session: Session, username: str, password: str, policy: SigningPolicy, *,
                 record_type: str, record_id: int, now: datetime) -> User:
    """The signer, when `password` is theirs. While signing is locked for them raises AttemptsLocked
    without looking at the password. A wrong password is recorded in this transaction, which the caller
    commits (rolling back anything else it did), then SignatureRefused is raised. The lock taken first
    is held until that commit, so guesses sent at the same time are each counted."""
    hold(session, Lock.SIGNING)
    until = signing_locked_until(session, username, policy, now)
    if until is not None:
        raise AttemptsLocked(until)
    user = users.get_user(session, username)
    if users.password_matches(user, password):
        return user
    session.info["reason"] = "signature refused: wrong password"
    session.add(SigningFailure(at=now, username=username, record_type=record_type, record_id=record_id,
                               reason="wrong password"))
    session.flush()
    until = signing_locked_until(session, username, policy, now)
    if until is not None:
        _lock_out(session, user, policy, until, now)
    raise SignatureRefused(until)


def signing_locked_until(session: Session, username: str, policy: SigningPolicy,
                         now: datetime) -> datetime | None:
    """When the user may sign again (None: now). Counts wrong passwords within the lockout window since
    their last signature."""
    since = now - policy.lockout
    last_signed = session.exec(select(func.max(Signature.signed_at))
                               .where(Signature.signer == username)).one()
    failures = session.exec(select(SigningFailure.at).where(
        SigningFailure.username == username, SigningFailure.at > max(since, last_signed or since))).all()
    throttle = ThrottlePolicy(failures_per_name=policy.max_failures, window=policy.lockout)
    return locked_until(failures, [], throttle, now)


def _lock_out(session: Session, user: User, policy: SigningPolicy, until: datetime, now: datetime) -> None:
    session.info["reason"] = f"e-signature locked after {policy.max_failures} wrong passwords"
    users.end_sessions(session, user.username)
    minutes = round(policy.lockout.total_seconds() / 60)
    facts = AlertFacts(
        key=f"signing-locked:{user.username}:{now.isoformat()}", kind="signing_locked", severity="major",
        site=None, subject=user.username,
        title=f"E-signature locked for {user.username} after {policy.max_failures} wrong passwords",
        body=(f"{policy.max_failures} wrong passwords were given within {minutes} minutes when signing as "
              f"{user.username} ({user.full_name or 'no name'}, role {user.role}). Signing is locked for "
              f"this user until {until:%Y-%m-%d %H:%M} UTC and their sessions were ended. If they did not "
              "make these attempts, someone else may have their session: change their password "
              "(logistics users passwd) and review the refused signatures in the audit trail."),
        raised_at=now, link=f"{policy.public_url}/audit?entity=signing_failures")
    targets = list(dict.fromkeys([*targets_for(list(policy.routes), facts), *ALERTED]))
    raise_alert(session, list(policy.routes), facts, targets)
