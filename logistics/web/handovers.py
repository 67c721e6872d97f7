"""Hand-overs on the way: the one-shipment link's page, where a carrier, customs broker or courier records
a hand-over on a phone without an account, and the page where logistics staff make (or end) the links.

The link's page is authenticated by the link itself (auth.SELF_AUTHENTICATED): its signed token names one
shipment and when it stops working. A link that does not hold is answered 403 and counted as a failed
sign-in from its address; from an address that has failed too often, 429 until the lock passes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from logistics.core.handovers import LINK_PARTIES, HandoverDraft, handover_problems
from logistics.core.receiving import CoolantState
from logistics.core.roles import Permission
from logistics.services import documents, handovers
from logistics.services.errors import InputError, NotFound
from logistics.web import db, form_state
from logistics.web.auth import require, throttle_policy
from logistics.web.forms import read_local_time
from logistics.web.i18n import gettext as _
from logistics.web.i18n import label

blueprint = Blueprint("handover", __name__)
YES_NO = {"yes": True, "no": False}


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


@blueprint.route("/handover/<token>")
def link_page(token: str) -> Any:
    """The link's page: the shipment's reference and legs, and the hand-over form."""
    checked = _check_link(token)
    if not isinstance(checked, handovers.LinkPage):
        return checked
    return _form_page(token, checked)


@blueprint.route("/handover/<token>", methods=["POST"])
def link_record(token: str) -> Any:
    """Record a hand-over through the link, audited as done by the name written on the form."""
    checked = _check_link(token)
    if not isinstance(checked, handovers.LinkPage):
        return checked
    now = datetime.now(UTC)
    writer = db.writing("hand-over recorded through the shipment's link")
    try:
        shipment = handovers.linked_shipment(writer, token, secret=_secret(), now=now)[0]
        handovers.record_by_link(writer, shipment, read_handover_form(request.form, checked, now), now=now)
        db.commit()
    except handovers.LinkRefused as refused:  # ended while the form was filled in
        writer.rollback()
        return _refused_page(refused.reason)
    except handovers.TooManyUses:
        writer.rollback()
        message = _("This link has recorded many hand-overs within the hour. Wait a while, or ask the "
                    "shipper for a new link.")
        return render_template("error.html", code=429, title=_("Too many hand-overs"), message=message,
                               public=True), 429
    except InputError as error:
        writer.rollback()
        form_state.refuse(error.errors)
        return _form_page(token, checked), 422
    return render_template("handover/recorded.html", reference=checked.reference, token=token)


def read_handover_form(form: Any, page: handovers.LinkPage, now: datetime) -> HandoverDraft:
    """The hand-over as the link's form sends it; its time is local where it happens (or now)."""
    errors: dict[str, str] = {}
    place, leg_text = form.get("place", "").strip(), form.get("leg", "").strip()
    leg = int(leg_text) if leg_text.isdigit() and len(leg_text) <= 6 else None
    if leg_text and leg is None:
        errors["leg"] = _("choose one of the shipment's legs")
    try:
        at = read_local_time(form, "at", handovers.place_zone(page, place, leg)) or now
    except InputError as error:
        errors.update(error.errors)
        at = now
    draft = HandoverDraft(
        from_party=form.get("from_party", ""), to_party=form.get("to_party", ""), name=form.get("name", ""),
        place=place, at=at, seals_intact=YES_NO.get(form.get("seals_intact", "")),
        packaging_intact=YES_NO.get(form.get("packaging_intact", "")),
        coolant_state=form.get("coolant_state", ""), note=form.get("note", ""), leg=leg)
    problems = {**handover_problems(draft, legs=frozenset(found.sequence for found in page.legs), now=now),
                **errors}
    if problems:
        raise InputError(problems)
    return draft


def _check_link(token: str) -> handovers.LinkPage | Any:
    """The page of the shipment the link names, or the answer refusing it (403, or 429 when its address
    has failed too often)."""
    now, address = datetime.now(UTC), request.remote_addr or "unknown"
    session = db.writing("hand-over link checked")
    until = handovers.link_locked_until(session, address, throttle_policy(), now)
    if until is not None:  # refused without looking at the link
        session.rollback()
        minutes = max(math.ceil((until - now).total_seconds() / 60), 1)
        message = _("Too many links that do not work were tried from here. Try again in %(minutes)d min.",
                    minutes=minutes)
        page = render_template("error.html", code=429, title=_("Too many attempts"), message=message,
                               public=True)
        return page, 429, {"Retry-After": str(minutes * 60)}
    try:
        shipment, expires = handovers.linked_shipment(session, token, secret=_secret(), now=now)
    except handovers.LinkRefused as refused:
        handovers.record_refused_link(session, address, now)
        db.commit()
        return _refused_page(refused.reason)
    page = handovers.link_page(session, shipment, expires)
    db.commit()
    return page


def _refused_page(reason: str) -> Any:
    messages = {
        "tampered": _("This hand-over link is not valid: it may have been copied incompletely. Scan the QR "
                      "code on the packing list again, or ask the shipper for a new link."),
        "expired": _("This hand-over link has expired. Ask the shipper for a new link."),
        "ended": _("This hand-over link was withdrawn by the shipper. Ask them for a new link."),
        "closed": _("This shipment has been received or cancelled: it takes no more hand-overs."),
    }
    return render_template("error.html", code=403, title=_("Link not valid"), message=messages[reason],
                           public=True), 403


def _form_page(token: str, page: handovers.LinkPage) -> Any:
    leg_choices = [(str(leg.sequence), f"{leg.sequence} · {label(leg.mode)} {leg.origin} → {leg.destination}")
                   for leg in page.legs]
    return render_template("handover/link.html", page=page, token=token, parties=list(LINK_PARTIES),
                           coolant_states=list(CoolantState), leg_choices=leg_choices)


# --- the links, for logistics staff -------------------------------------------------------------------

@blueprint.route("/shipments/<reference>/handover-link")
@require(Permission.EDIT_SHIPMENTS)
def make_link(reference: str) -> Any:
    """A new link for the shipment, to send to a carrier, customs broker or courier (as its QR code)."""
    try:
        made = handovers.make_link(db.session(), reference, secret=_secret(), now=datetime.now(UTC))
    except NotFound:
        abort(404)
    except InputError as error:
        flash("; ".join(str(problem) for problem in error.errors.values()), "error")
        return redirect(url_for("pages.shipment_detail", reference=reference))
    url = link_url(made.token)
    return render_template("handover/make.html", link=made, url=url, qr=handovers.link_qr(url),
                           zone=handovers.destination_zone(db.session(), reference))


@blueprint.route("/shipments/<reference>/handover-link/end", methods=["POST"])
@require(Permission.EDIT_SHIPMENTS)
def end_links(reference: str) -> Any:
    """End every link made for the shipment so far (one sent to the wrong party, or lost)."""
    return db.one_change("hand-over links ended", _("The hand-over links made so far no longer work."),
                         lambda session: handovers.end_links(session, reference),
                         url_for("pages.shipment_detail", reference=reference))


def link_url(token: str) -> str:
    """The link as people open it, at the tracker's public address."""
    return documents.handover_url(db.runtime().settings.public_url, token)
