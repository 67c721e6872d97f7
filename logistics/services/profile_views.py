"""What the storage profiles page shows: every profile and item allowance with its versions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from logistics.core.profiles import KINDS, MODES, SEVERITIES
from logistics.services.allowances import ItemAllowances, allowance_histories
from logistics.services.errors import NotFound
from logistics.services.profiles import ProfileHistory, Profiles, newest_version_id, profile_histories

CHOICES = {"kinds": tuple(map(str, KINDS)), "modes": tuple(map(str, MODES)),
           "severities": tuple(map(str, SEVERITIES))}


@dataclass(frozen=True)
class ProfilesPage:
    profiles: list[ProfileHistory]
    items: list[ItemAllowances]
    recorded: bool  # False while the profiles are config/profiles.toml's, not yet recorded here


def profiles_page(session: Session, current: Profiles) -> ProfilesPage:
    return ProfilesPage(profiles=profile_histories(session, current), items=allowance_histories(session),
                        recorded=newest_version_id(session) is not None)


def profile_history(session: Session, current: Profiles, name: str) -> ProfileHistory:
    """One profile's versions, newest first, for its form; NotFound for an unknown name."""
    found = next((history for history in profile_histories(session, current) if history.name == name), None)
    if found is None:
        raise NotFound(f"no storage profile {name!r}")
    return found


def item_allowances(session: Session, code: str) -> ItemAllowances:
    """One item's allowance versions, newest first, for its form; NotFound for an unknown item."""
    found = next((row for row in allowance_histories(session) if row.code == code), None)
    if found is None:
        raise NotFound(f"no item {code!r}")
    return found
