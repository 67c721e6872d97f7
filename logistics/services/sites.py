"""Sites: read them, and change a site's name, time zone and geofence.

The geofence's rule (all three of centre and radius, or none, each in its range) is the core's
(`core.geofence.fence_problems`); the database keeps the same ranges as checks. Every change is a GxP
record in the audit trail, with the reason the writing session carries.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from logistics.core.geofence import fence_problems
from logistics.core.refusals import N_, Refusal
from logistics.db.models import Site
from logistics.schemas.sites import SiteDetail, SiteFields, SiteList
from logistics.services.catalogue import get_site
from logistics.services.errors import InputError


def list_sites(session: Session) -> SiteList:
    """Every site, by code."""
    found = session.exec(select(Site).order_by(col(Site.code))).all()
    return SiteList(items=[detail(site) for site in found])


def describe_site(session: Session, code: str) -> SiteDetail:
    """One site; NotFound for an unknown code."""
    return detail(get_site(session, code))


def update_site(session: Session, code: str, draft: SiteFields) -> Site:
    """Set the site's name, time zone and geofence as `draft` has them; InputError naming each field
    refused (the fence's by `fence_problems`)."""
    site = get_site(session, code)
    errors: dict[str, str] = dict(fence_problems(draft.latitude, draft.longitude, draft.radius_m))
    name, zone = draft.name.strip(), draft.timezone.strip()
    if not name:
        errors["name"] = Refusal(N_("give the site a name"))
    if problem := timezone_problem(zone):
        errors["timezone"] = problem
    if errors:
        raise InputError(errors)
    site.name, site.timezone = name, zone
    site.latitude, site.longitude, site.radius_m = draft.latitude, draft.longitude, draft.radius_m
    session.add(site)
    session.flush()
    return site


def timezone_problem(zone: str) -> Refusal | None:
    """Why `zone` is not an IANA time zone this machine knows, or None."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return Refusal(N_("%(zone)s is not an IANA time zone (e.g. Asia/Bangkok)"), zone=repr(zone[:64]))
    return None


def detail(site: Site) -> SiteDetail:
    return SiteDetail(code=site.code, name=site.name, kind=site.kind, country=site.country,
                      timezone=site.timezone, latitude=site.latitude, longitude=site.longitude,
                      radius_m=site.radius_m)
