"""Who may do what. Roles are part of the contract; permissions are named by the action."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    LOGISTICS = "logistics"
    PHARMACY = "pharmacy"
    QA = "qa"
    VIEWER = "viewer"


class Permission(StrEnum):
    VIEW = "view"
    EDIT_SHIPMENTS = "edit_shipments"
    MANAGE_LOGGERS = "manage_loggers"
    RECEIVE = "receive"
    RELEASE = "release"
    MANAGE_USERS = "manage_users"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.LOGISTICS: frozenset({Permission.VIEW, Permission.EDIT_SHIPMENTS, Permission.MANAGE_LOGGERS}),
    Role.PHARMACY: frozenset({Permission.VIEW, Permission.RECEIVE}),
    Role.QA: frozenset({Permission.VIEW, Permission.RELEASE}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}


def can(role: Role | str, permission: Permission) -> bool:
    """True when `role` holds `permission`; unknown roles hold nothing."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
