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
    ACKNOWLEDGE_EXCURSIONS = "acknowledge_excursions"
    RESOLVE_EXCURSIONS = "resolve_excursions"
    PLAN_SUPPLY = "plan_supply"  # the recruitment plan, bill of materials, supply terms, forecasts
    RECORD_ENROLMENTS = "record_enrolments"
    MANAGE_PROFILES = "manage_profiles"  # storage profiles and items' stability allowances
    OVERRIDE_DISPATCH = "override_dispatch"  # let a shipment leave despite the dispatch gate's reasons


P = Permission
# Anyone who acts on shipments may acknowledge an excursion; only QA decides what it means for the goods.
# Only QA overrides the dispatch gate: letting goods leave despite its reasons is a quality decision, which
# an administrator's account does not make.
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - {P.OVERRIDE_DISPATCH},
    Role.LOGISTICS: frozenset({P.VIEW, P.EDIT_SHIPMENTS, P.MANAGE_LOGGERS, P.ACKNOWLEDGE_EXCURSIONS,
                               P.PLAN_SUPPLY, P.RECORD_ENROLMENTS}),
    Role.PHARMACY: frozenset({P.VIEW, P.RECEIVE, P.ACKNOWLEDGE_EXCURSIONS, P.RECORD_ENROLMENTS}),
    Role.QA: frozenset({P.VIEW, P.RELEASE, P.ACKNOWLEDGE_EXCURSIONS, P.RESOLVE_EXCURSIONS,
                        P.MANAGE_PROFILES, P.OVERRIDE_DISPATCH}),
    Role.VIEWER: frozenset({P.VIEW}),
}


def can(role: Role | str, permission: Permission) -> bool:
    """True when `role` holds `permission`; unknown roles hold nothing."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
