"""Storage profiles as versioned records: the book the running tracker judges by, and new versions.

A change to a profile adds a version; no version is edited or removed, so every excursion record can
be read against the rules it names (`profile`, `profile_version`). config/profiles.toml is only the
seed: `logistics init` copies it into a database that holds no profile, keeping its version numbers,
and until then it is what the book reads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from logistics.core.profiles import ProfileError, StorageProfile, parse_profile, rule_body
from logistics.core.refusals import N_, Refusal
from logistics.core.version_changes import Change, profile_changes
from logistics.db.models import StorageProfileVersion
from logistics.services.errors import InputError, NotFound

Profiles = dict[str, StorageProfile]
SEED_SOURCE = "config/profiles.toml"
MAX_LABEL_CHARACTERS = 200
MAX_REASON_CHARACTERS = 1000


class ProfileBook:
    """The current version of every storage profile, and any past one by name and number.

    Kept between calls and read again only when a version has been added, which one indexed max(id)
    tells (versions are only ever added): the scan, each page and each worker process see an edit at
    their next call, without a restart and without reading every version each time.
    """

    def __init__(self, sessions: sessionmaker[Session], seed: Callable[[], Profiles]) -> None:
        self._sessions, self._seed = sessions, seed
        self._lock = threading.Lock()
        self._known: tuple[int | None, Profiles] | None = None  # (newest version id, current profiles)
        self._past: dict[tuple[str, int], StorageProfile] = {}

    def current(self) -> Profiles:
        """Each profile's newest version, by name (a copy: the caller may keep or change it)."""
        with self._sessions() as session:
            newest = newest_version_id(session)
            known = self._known
            if known is None or known[0] != newest:
                known = (newest, current_profiles(session) if newest is not None else self._seed())
                with self._lock:
                    self._known = known
        return dict(known[1])

    def profile(self, name: str, version: int) -> StorageProfile:
        """Version `version` of profile `name`; NotFound when there is none."""
        if (name, version) not in self._past:
            found = self.current().get(name)
            if found is None or found.version != version:
                with self._sessions() as session:
                    found = profile_version(session, name, version)
            with self._lock:
                self._past[name, version] = found
        return self._past[name, version]


# -- reading ------------------------------------------------------------------------------------------

def newest_version_id(session: Session) -> int | None:
    """The id of the newest version of any profile; None while the database holds none."""
    return session.exec(select(func.max(StorageProfileVersion.id))).one()


def current_profiles(session: Session) -> Profiles:
    """Each profile's newest version, by name."""
    rows = session.exec(select(StorageProfileVersion).order_by(col(StorageProfileVersion.name),
                                                               col(StorageProfileVersion.version))).all()
    return {row.name: profile_of(row) for row in rows}  # the newest of each name comes last


def profile_version(session: Session, name: str, version: int) -> StorageProfile:
    row = session.exec(select(StorageProfileVersion).where(StorageProfileVersion.name == name,
                                                           StorageProfileVersion.version == version)).first()
    if row is None:
        raise NotFound(f"no version {version} of storage profile {name!r}")
    return profile_of(row)


def profile_of(row: StorageProfileVersion) -> StorageProfile:
    """The profile a stored version describes, read by the same rules as the TOML files."""
    body = {"version": row.version, "label": row.label, "min_c": row.min_c, "max_c": row.max_c,
            "rules": json.loads(row.rules), "shock_g": row.shock_g, "max_hold_minutes": row.max_hold_minutes,
            "activation_energy_kj": row.activation_energy_kj, "gap_severity": row.gap_severity}
    return parse_profile(row.name, {key: value for key, value in body.items() if value is not None})


# -- the page's view -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProfileVersionView:
    profile: StorageProfile
    created_by: str | None  # None: the seed, not recorded in this database yet
    created_at: datetime | None
    reason: str
    changes: tuple[Change, ...]  # against the version before it

    @property
    def version(self) -> int:
        return self.profile.version


@dataclass(frozen=True)
class ProfileHistory:
    name: str
    versions: tuple[ProfileVersionView, ...]  # newest first

    @property
    def current(self) -> StorageProfile:
        return self.versions[0].profile


def profile_histories(session: Session, seed: Profiles) -> list[ProfileHistory]:
    """Every profile with its versions, newest first, each with what it changed; `seed` while none is
    recorded."""
    rows = session.exec(select(StorageProfileVersion).order_by(col(StorageProfileVersion.name),
                                                               col(StorageProfileVersion.version))).all()
    if not rows:
        return [ProfileHistory(name, (ProfileVersionView(profile, None, None, SEED_SOURCE, ()),))
                for name, profile in sorted(seed.items())]
    by_name: dict[str, list[ProfileVersionView]] = {}
    for row in rows:
        versions = by_name.setdefault(row.name, [])
        profile = profile_of(row)
        before = versions[-1].profile if versions else None
        versions.append(ProfileVersionView(profile, row.created_by, row.created_at, row.reason,
                                           profile_changes(before, profile)))
    return [ProfileHistory(name, tuple(reversed(versions))) for name, versions in by_name.items()]


# -- writing -------------------------------------------------------------------------------------------

def seed_profiles(session: Session, seed: Profiles, *, by: str, now: datetime) -> int:
    """Record the seed's profiles, with their own version numbers, in a database that holds none."""
    if newest_version_id(session) is not None:
        return 0
    for profile in seed.values():
        session.add(_row_of(profile, by=by, now=now, reason=f"seeded from {SEED_SOURCE}"))
    session.flush()
    return len(seed)


def add_profile_version(session: Session, current: Profiles, name: str, body: dict[str, object], *,
                        by: str, reason: str, now: datetime) -> StorageProfile:
    """Record `body` (a TOML table's shape, without its version) as the next version of profile `name`.

    Checked by the rules the TOML files are read by; InputError names the field at fault. `current`
    is the book's: while the database holds no profile, they are recorded first.
    """
    check_reason(reason)
    if len(str(body.get("label", ""))) > MAX_LABEL_CHARACTERS:
        raise InputError({"label": Refusal(N_("at most %(count)s characters"), count=MAX_LABEL_CHARACTERS)})
    seed_profiles(session, current, by=by, now=now)
    before = _newest(session, name)
    try:
        profile = parse_profile(name, {**body, "version": before.version + 1})
    except ProfileError as error:
        raise InputError({error.field or "profile": str(error).split(": ", 1)[-1]}) from None
    if not profile_changes(before, profile):
        refusal = Refusal(N_("nothing differs from version %(version)s"), version=before.version)
        raise InputError({"profile": refusal})
    session.add(_row_of(profile, by=by, now=now, reason=reason.strip()))
    session.flush()
    return profile


def _newest(session: Session, name: str) -> StorageProfile:
    row = session.exec(select(StorageProfileVersion).where(StorageProfileVersion.name == name)
                       .order_by(col(StorageProfileVersion.version).desc())).first()
    if row is None:
        raise NotFound(f"no storage profile {name!r}")
    return profile_of(row)


def _row_of(profile: StorageProfile, *, by: str, now: datetime, reason: str) -> StorageProfileVersion:
    return StorageProfileVersion(
        name=profile.name, version=profile.version, label=profile.label, min_c=profile.min_c,
        max_c=profile.max_c, rules=json.dumps([rule_body(rule) for rule in profile.rules]),
        shock_g=profile.shock_g, max_hold_minutes=profile.max_hold_minutes,
        activation_energy_kj=profile.activation_energy_kj, gap_severity=str(profile.gap_severity),
        created_by=by, created_at=now, reason=reason)


def check_reason(reason: str) -> None:
    """A new version says why it was made (it is the audit trail's reason too)."""
    if not reason.strip():
        raise InputError({"reason": Refusal(N_("say why this version is made"))})
    if len(reason.strip()) > MAX_REASON_CHARACTERS:
        raise InputError({"reason": Refusal(N_("at most %(count)s characters"), count=MAX_REASON_CHARACTERS)})
