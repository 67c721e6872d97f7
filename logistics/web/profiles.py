"""The storage profiles page: profiles and items' stability allowances with their versions, and a form
for each that records the next version (admin and QA only). Nothing is edited in place: every change
is a new version, made through the services in a writing session, so the audit trail has it and why."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from logistics.core.profiles import StorageProfile, profile_body
from logistics.core.quantities import plain_number
from logistics.core.roles import Permission
from logistics.core.units import QuantityError, parse_quantity
from logistics.services import allowances, profile_views, profiles
from logistics.services.errors import InputError, NotFound
from logistics.web import db, form_state
from logistics.web.auth import require
from logistics.web.i18n import gettext as _

blueprint = Blueprint("profiles", __name__)
SETTINGS = ("label", "min_c", "max_c", "shock_g", "max_hold_minutes", "activation_energy_kj", "gap_severity")
RULE_SETTINGS = ("name", "kind", "threshold_c", "mode", "minutes", "severity")
BLANK_RULE_ROWS = 2  # room for new rules below the current ones
MAX_RULE_ROWS = 50
_RULE_ROW = re.compile(r"rules\.(\d{1,2})\.name")


@blueprint.route("/profiles")
@require(Permission.MANAGE_PROFILES)
def overview() -> Any:
    shown = profile_views.profiles_page(db.session(), db.runtime().profiles)
    return render_template("profiles/overview.html", page=shown)


# -- storage profiles ----------------------------------------------------------------------------------

@blueprint.route("/profiles/<name>")
@require(Permission.MANAGE_PROFILES)
def profile_form(name: str) -> Any:
    history = _history(name)
    values = _profile_values(history.current)
    return _profile_page(history, values, {})


@blueprint.route("/profiles/<name>", methods=["POST"])
@require(Permission.MANAGE_PROFILES)
def profile_save(name: str) -> Any:
    history = _history(name)
    body, rows = _profile_body(request.form)
    reason = request.form.get("reason", "")
    try:
        made = profiles.add_profile_version(
            db.writing(f"storage profile {name}: {reason.strip()}"[:1000]), db.runtime().profiles, name, body,
            by=current_user.username, reason=reason, now=datetime.now(UTC))
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _profile_page(history, request.form.to_dict(), _form_fields(error.errors, rows)), 422
    flash(_("Version %(version)d of %(name)s recorded: it judges from the next scan on.",
            version=made.version, name=name), "info")
    return redirect(url_for("profiles.overview") + f"#profile-{name}")


def _history(name: str) -> profiles.ProfileHistory:
    try:
        return profile_views.profile_history(db.session(), db.runtime().profiles, name)
    except NotFound:
        abort(404)


def _profile_page(history: profiles.ProfileHistory, values: dict[str, str], errors: dict[str, str]) -> Any:
    if errors:
        form_state.refuse(errors)
    numbers = [int(found[1]) for key in values if (found := _RULE_ROW.fullmatch(key))]
    rows = min(max(numbers, default=0) + (BLANK_RULE_ROWS if not errors else 0), MAX_RULE_ROWS)
    return render_template("profiles/profile.html", history=history, values=values, errors=errors,
                           rows=range(1, rows + 1), choices=profile_views.CHOICES)


def _profile_values(profile: StorageProfile) -> dict[str, str]:
    """The form's fields filled with `profile`, rules numbered from 1."""
    body = profile_body(profile)
    values = {name: _text(body.get(name)) for name in SETTINGS}
    for number, rule in enumerate(body["rules"], start=1):
        values |= {f"rules.{number}.{name}": _text(rule[name]) for name in RULE_SETTINGS}
    return values


def _text(value: object) -> str:
    if value is None:
        return ""
    return plain_number(value) if isinstance(value, float) else str(value)


def _profile_body(form: Any) -> tuple[dict[str, Any], list[int]]:
    """The profile the form describes (blank fields left out) and the form row of each rule kept: a row
    with neither name nor threshold is no rule (that is how one is removed)."""
    given = {name: form.get(name, "").strip() for name in SETTINGS}
    body: dict[str, Any] = {name: value for name, value in given.items() if value}
    rows = sorted({int(found[1]) for key in form if (found := _RULE_ROW.fullmatch(key))})[:MAX_RULE_ROWS]
    rules, kept = [], []
    for row in rows:
        rule = {name: form.get(f"rules.{row}.{name}", "").strip() for name in RULE_SETTINGS}
        if rule["name"] or rule["threshold_c"]:
            rules.append({name: value for name, value in rule.items() if value})
            kept.append(row)
    body["rules"] = rules
    return body, kept


def _form_fields(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    """Errors keyed as the form names its fields: the nth rule kept is the form's row rows[n - 1]."""
    named = {}
    for field, problem in errors.items():
        found = re.fullmatch(r"rules\.(\d+)\.(\w+)", field)
        if found and int(found[1]) <= len(rows):
            field = f"rules.{rows[int(found[1]) - 1]}.{found[2]}"
        named[field] = problem
    return named


# -- items' stability allowances -----------------------------------------------------------------------

@blueprint.route("/allowances/<code>")
@require(Permission.MANAGE_PROFILES)
def allowance_form(code: str) -> Any:
    shown = _allowances(code)
    current = shown.current
    values = {} if current is None else {"budget_hours": _text(current.budget_hours),
                                         "limit_c": _text(current.limit_c),
                                         "activation_energy_kj": _text(current.activation_energy_kj)}
    return render_template("profiles/allowance.html", item=shown, values=values, errors={})


@blueprint.route("/allowances/<code>", methods=["POST"])
@require(Permission.MANAGE_PROFILES)
def allowance_save(code: str) -> Any:
    shown, form, errors = _allowances(code), request.form, {}
    values = {"budget_hours": _read(form, "budget_hours", errors, _hours),
              "limit_c": _read(form, "limit_c", errors, float),
              "activation_energy_kj": _read(form, "activation_energy_kj", errors, float)}
    reason = form.get("reason", "")
    try:
        if errors:
            raise InputError(errors)
        made = allowances.add_allowance_version(
            db.writing(f"stability allowance of {code}: {reason.strip()}"[:1000]), code, **values,
            by=current_user.username, reason=reason, now=datetime.now(UTC))
        db.commit()
    except InputError as error:
        db.session().rollback()
        form_state.refuse(error.errors)
        return render_template("profiles/allowance.html", item=shown, values=form.to_dict(),
                               errors=error.errors), 422
    flash(_("Version %(version)d of the allowance of %(item)s recorded.", version=made.version, item=code),
          "info")
    return redirect(url_for("profiles.overview") + f"#item-{code}")


def _allowances(code: str) -> allowances.ItemAllowances:
    try:
        return profile_views.item_allowances(db.session(), code)
    except NotFound:
        abort(404)


def _hours(text: str) -> float:
    """A duration with its unit ("72 h", "3 day"), in hours; a bare number is hours."""
    try:
        return parse_quantity(text, "hour")
    except QuantityError as error:
        raise ValueError(str(error)) from None


def _read(form: Any, name: str, errors: dict[str, str], read: Callable[[str], float]) -> float:
    """A number from the form; a field error (never an exception) when it is not one."""
    text = form.get(name, "").strip()
    try:
        return read(text)
    except ValueError:
        errors[name] = _("enter a number, e.g. %(example)s", example={"budget_hours": "72 h"}.get(name, "25"))
        return 0.0
