"""Pages for the pharmacy receiving goods (role pharmacy) and for QA deciding on quarantined goods."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from logistics.core.receiving import YES_NO_CHECKS, CoolantState, Disposition
from logistics.core.roles import Permission
from logistics.core.signatures import Meaning
from logistics.readers.gs1 import BarcodeError
from logistics.services import assessments, qa_evidence, quality, receiving, shipment_views, shipments
from logistics.services.errors import InputError, NotFound
from logistics.services.users import AttemptsLocked
from logistics.web import db, form_state
from logistics.web.auth import end_this_session, require, signing_policy
from logistics.web.i18n import gettext as _
from logistics.web.pages import chart_context
from logistics.web.receipt_form import fill_from_scan, read_receipt_form, scan_notice, scan_problem, scan_text

blueprint = Blueprint("receiving", __name__)


@blueprint.route("/receiving")
@require(Permission.RECEIVE)
def find() -> Any:
    """Type or scan a reference (or the packing list's QR code) to open its receipt."""
    scanned = request.args.get("scan", "").strip()
    if scanned:
        try:
            shipment = receiving.find_scanned(db.session(), scanned)
        except NotFound:
            flash(_("No shipment %(reference)s.", reference=receiving.reference_from_scan(scanned)), "error")
        else:
            return redirect(url_for("receiving.receive", reference=shipment.reference))
    return render_template("receiving/find.html", awaiting=receiving.awaiting(db.session()), scanned=scanned)


@blueprint.route("/receiving/<reference>")
@require(Permission.RECEIVE)
def receive(reference: str) -> Any:
    return _receipt_page(reference, {}, {})


@blueprint.route("/receiving/<reference>", methods=["POST"])
@require(Permission.RECEIVE)
def record(reference: str) -> Any:
    """Record the receipt. A pack's code in the scan field is read first: with the scan button (the form's
    first, so also Enter in any field without script) the form comes back with its line's lot and expiry
    filled in, recording nothing; with the record button those go into the receipt."""
    session, values = db.session(), request.form.to_dict()
    scanning = request.form.get("action") == "scan"
    try:
        if scanning and not scan_text(values):  # Enter in a count or a lot field: nothing to read
            return _receipt_page(reference, {}, values, _("Nothing recorded yet: scan a pack's code, or "
                                                          "press Record the receipt once every line is "
                                                          "counted."))
        notice = fill_from_scan(session, reference, values) if scan_text(values) else None
        if scanning:
            return _receipt_page(reference, {}, values, notice)
        lines = shipments.describe_shipment(session, reference).lines
        draft = read_receipt_form(values, lines, blind=db.runtime().settings.receiving_blind_count)
        receiving.receive(db.writing("received"), reference, draft, db.runtime().profiles,
                          by=current_user.username, now=datetime.now(UTC),
                          default_most=db.runtime().settings.max_quantity)
        db.commit()
    except NotFound:
        abort(404)
    except InputError as error:
        session.rollback()
        return _receipt_page(reference, error.errors, values), 422
    flash(_("%(reference)s received.", reference=reference), "info")
    return redirect(url_for("receiving.receive", reference=reference))


@blueprint.route("/receiving/<reference>/pack")
@require(Permission.RECEIVE)
def read_pack(reference: str) -> Any:
    """A pack's scanned code (?code=) read for the receiving page's script: the line it belongs to and
    what to fill in; 422 with the reason when it fills nothing."""
    try:
        pack = receiving.scanned_pack(db.session(), reference, request.args.get("code", ""))
    except NotFound:
        return jsonify(error=_("No shipment %(reference)s.", reference=reference)), 404
    except (BarcodeError, receiving.NotOnShipment) as error:
        return jsonify(error=scan_problem(error)), 422
    code = pack.code
    return jsonify(line=pack.line_id, item=pack.item_code, gtin=code.gtin, lot=code.lot,
                   expiry=code.expiry.isoformat() if code.expiry else None, serial=code.serial,
                   message=scan_notice(pack))


@blueprint.route("/receiving/<reference>/stop-loggers", methods=["POST"])
@require(Permission.RECEIVE)
def stop_loggers(reference: str) -> Any:
    session = db.writing("loggers stopped on arrival")
    try:
        shipment = shipments.get_shipment(session, reference)
    except NotFound:
        abort(404)
    stopped = receiving.stop_loggers(session, shipment, datetime.now(UTC))
    db.commit()
    flash(_("Stopped: %(loggers)s.", loggers=", ".join(stopped)) if stopped
          else _("No logger was recording."), "info")
    return redirect(url_for("receiving.receive", reference=reference) + "#loggers")


def _receipt_page(reference: str, errors: dict[str, str], form: Any, notice: str | None = None) -> Any:
    if errors:
        form_state.refuse(errors)
    now = datetime.now(UTC)
    try:
        shown = shipment_views.receipt_view(db.session(), reference, db.runtime().profiles, now=now)
    except NotFound:
        abort(404)
    return render_template(
        "receiving/receive.html", shipment=shown.shipment, receipt=shown.receipt,
        received_lines=shown.received_lines, differences=shown.count_differences, errors=errors, form=form,
        scan_notice=notice, blind=db.runtime().settings.receiving_blind_count,
        coolant_states=list(CoolantState), dispositions=list(Disposition), checks=YES_NO_CHECKS,
        journey=shown.journey, excursions=shown.excursions, zone=shown.zone, recording=shown.recording,
        **chart_context(shown.charts, shown.zone, now))


# --- QA -----------------------------------------------------------------------------------------

@blueprint.route("/qa")
def qa_queue() -> Any:
    shown = quality.queue_page(db.session(), db.runtime().profiles, now=datetime.now(UTC))
    return render_template("receiving/qa_queue.html", rows=shown.rows, releases=shown.release_times)


@blueprint.route("/qa/lines/<int:line_id>")
def qa_line(line_id: int) -> Any:
    return _decision_page(line_id, {}, {})


@blueprint.route("/qa/lines/<int:line_id>", methods=["POST"])
@require(Permission.RELEASE)
def qa_sign(line_id: int) -> Any:
    """Two steps: the decision is reviewed first (what is released, what rejected, under which lot), then
    signed from that summary with the signer's password."""
    form, now = request.form, datetime.now(UTC)
    step = form.get("step", "")
    try:
        decision = read_decision(form)
        if step == "edit":
            return _decision_page(line_id, {}, form)
        if step != "sign":
            summary = quality.review_decision(db.session(), line_id, decision)
            return _decision_page(line_id, {}, form, summary)
        quality.sign_decision(db.writing("QA decision signed"), line_id, decision,
                              signer=current_user.username, password=form.get("password", ""), now=now,
                              policy=signing_policy())
        db.commit()
    except NotFound:
        abort(404)
    except InputError as error:
        db.session().rollback()
        return _decision_page(line_id, error.errors, form), 422
    except AttemptsLocked as locked:  # refused without looking at the password
        db.session().rollback()
        minutes = max(math.ceil((locked.until - now).total_seconds() / 60), 1)
        problem = ngettext("Signing is locked after too many wrong passwords. Try again in %(num)d minute.",
                           "Signing is locked after too many wrong passwords. Try again in %(num)d minutes.",
                           minutes)
        return (_confirmation_page(line_id, {"password": problem}, form), 429,
                {"Retry-After": str(minutes * 60)})
    except quality.SignatureRefused as refused:
        db.commit()  # keeps the refusal, and at the limit the ended sessions and the alert
        if refused.locked_until is not None:
            return _signed_out_for_guessing()
        return _confirmation_page(line_id, {"password": _("wrong password: nothing was signed, and the "
                                                          "attempt is recorded")}, form), 401
    flash(_("Decision signed."), "info")
    return redirect(url_for("receiving.qa_queue"))


@blueprint.route("/qa/lines/<int:line_id>/excursions/<int:excursion_id>/assess", methods=["POST"])
@require(Permission.RELEASE)
def qa_assess(line_id: int, excursion_id: int) -> Any:
    """QA's assessment of one excursion for the line's lot; it resolves the excursion's review."""
    form = request.form
    try:
        assessments.assess_excursion(db.writing("excursion assessed for a lot"), line_id, excursion_id,
                                     read_assessment(form), db.runtime().profiles,
                                     by=current_user.username, now=datetime.now(UTC))
        db.commit()
    except NotFound:
        abort(404)
    except InputError as error:
        db.session().rollback()
        return _decision_page(line_id, error.errors, form), 422
    flash(_("Assessment recorded."), "info")
    return redirect(url_for("receiving.qa_line", line_id=line_id) + f"#assess-{excursion_id}")


def _signed_out_for_guessing() -> Any:
    end_this_session()
    flash(_("Too many wrong passwords: signing is locked for a while, QA and administrators are told, and "
            "you are signed out of every device. Sign in again."), "error")
    return redirect(url_for("auth.login"))


def read_decision(form: Any) -> quality.Decision:
    """The decision as the form gives it; the quantity released stays text, read with its unit by the
    service."""
    try:
        meaning = Meaning(form.get("decision", ""))
    except ValueError:
        raise InputError({"decision": _("choose release, partial release or reject")}) from None
    expiry = None
    if form.get("lot_expiry", "").strip():
        try:
            expiry = date.fromisoformat(form.get("lot_expiry").strip())
        except ValueError:
            raise InputError({"lot_expiry": _("enter a date, e.g. 2027-03-31")}) from None
    return quality.Decision(meaning, form.get("released", "").strip() or None, form.get("comment", ""),
                            accept_lot_read=form.get("accept_lot_read") == "yes", lot_expiry=expiry)


def read_assessment(form: Any) -> assessments.AssessmentDraft:
    leg = form.get("leg", "").strip()
    return assessments.AssessmentDraft(root_cause=form.get("root_cause", ""),
                                       leg_id=int(leg) if leg.isdigit() else None,
                                       comment=form.get("assessment_comment", ""),
                                       outcome=form.get("outcome", ""))


def _confirmation_page(line_id: int, errors: dict[str, str], form: Any) -> Any:
    """The signing step again (a wrong password, a lock), with its summary."""
    try:
        summary = quality.review_decision(db.session(), line_id, read_decision(form))
    except InputError as error:
        return _decision_page(line_id, {**error.errors, **errors}, form)
    return _decision_page(line_id, errors, form, summary)


def _decision_page(line_id: int, errors: dict[str, str], form: Any,
                   summary: quality.DecisionSummary | None = None) -> Any:
    if errors:
        form_state.refuse(errors)
    session, profiles, now = db.session(), db.runtime().profiles, datetime.now(UTC)
    try:
        shown = quality.line_decision(session, line_id, profiles, now=now)
        evidence = qa_evidence.line_evidence(session, line_id, profiles, now=now)
    except NotFound:
        abort(404)
    return render_template("receiving/qa_line.html", row=shown.row, errors=errors, form=form,
                           meanings=list(Meaning), signature=shown.signature,
                           signature_holds=shown.signature_holds, decision=shown, summary=summary,
                           root_causes=list(assessments.RootCause), outcomes=list(assessments.Outcome),
                           evidence=evidence, **chart_context([], evidence.zone, now))
