"""Languages: the user's own choice (kept on their account), else the browser's, else English.

Messages come from gettext catalogs under `translations/` (edit the .po files, then compile them: see the
README); dates and numbers are formatted by Babel with the CLDR data of the chosen locale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Blueprint, Flask, abort, g, redirect, request, session, url_for
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user

from logistics.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from logistics.core.redirects import same_site_path
from logistics.core.refusals import Refusal
from logistics.services import users
from logistics.services.errors import InputError
from logistics.web import db

TRANSLATIONS = Path(__file__).with_name("translations")

blueprint = Blueprint("i18n", __name__)


def catalog_folder(code: str) -> Path:
    """Where a language's messages.po/.mo live, named as Babel spells the locale (zh_CN: zh_Hans_CN)."""
    return TRANSLATIONS / str(Locale.parse(code)) / "LC_MESSAGES"


def select_language() -> str:
    if request.path.startswith("/api/"):
        return DEFAULT_LANGUAGE  # the API speaks to programs: its messages stay stable
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return str(current_user.language)
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def locale() -> Locale:
    """The request's locale, looked up once per request (pages format hundreds of values)."""
    if "locale" not in g:
        g.locale = get_locale() or Locale.parse(DEFAULT_LANGUAGE)
    return g.locale  # type: ignore[no-any-return]


def catalog() -> NullTranslations:
    """The request's translations, looked up once per request: Flask-Babel's own lookup costs several
    context checks per message, which a page of a thousand rows notices."""
    if "catalog" not in g:
        g.catalog = get_translations()
    return g.catalog  # type: ignore[no-any-return]


def gettext(message: str, **values: Any) -> str:
    """`message` in the reader's language, with %(name)s values filled in."""
    text = catalog().ugettext(message)
    return text % values if values else text


def say(message: object) -> object:
    """A core refusal (`logistics.core.refusals.Refusal`) in the reader's language; anything else as is."""
    if isinstance(message, Refusal):
        template = catalog().ugettext(message.template)
        return template % message.values if message.values else template
    return message


def current_language() -> str:
    """The code in LANGUAGES of the request's locale (Babel spells zh_CN as zh_Hans_CN)."""
    chosen = locale()
    return next((code for code in LANGUAGES if Locale.parse(code) == chosen), DEFAULT_LANGUAGE)


@blueprint.route("/language", methods=["POST"])
def choose() -> Any:
    """Keep the language on the user's account (so it follows them to any device) and go back."""
    language = request.form.get("language", "")
    try:
        users.set_language(db.writing(f"language set to {language}"), current_user.username, language)
    except InputError as error:
        abort(400, error.errors["language"])
    db.commit()
    session["language"] = language
    return redirect(same_site_path(request.form.get("next")) or url_for("pages.index"))


def install(app: Flask) -> None:
    Babel(app, locale_selector=select_language, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: catalog().ugettext(text),
        ngettext=lambda singular, plural, n: catalog().ungettext(singular, plural, n), newstyle=True)
    app.register_blueprint(blueprint)
    app.context_processor(lambda: {"languages": LANGUAGES, "language": current_language(), "label": label})
    # Every value a template writes passes here: a refusal from the core reads in the reader's language.
    app.jinja_env.finalize = say


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it yet (gettext's "no-op" keyword)."""
    return message


# Words the code keeps as identifiers (statuses, severities, modes…), as people read them.
LABELS = {
    # shipment status
    "planned": N_("planned"), "packed": N_("packed"), "in_transit": N_("in transit"),
    "arrived": N_("arrived"), "received": N_("received"), "closed": N_("closed"),
    "cancelled": N_("cancelled"),
    # logger status
    "active": N_("active"), "maintenance": N_("maintenance"), "retired": N_("retired"),
    # severities
    "info": N_("info"), "minor": N_("minor"), "major": N_("major"), "critical": N_("critical"),
    # excursion review
    "open": N_("open"), "acknowledged": N_("acknowledged"), "resolved": N_("resolved"),
    "withdrawn": N_("withdrawn"),
    "no_impact": N_("no impact"), "use_within_stability_budget": N_("use within stability budget"),
    "quarantine": N_("quarantine"), "reject": N_("reject"),
    # leg modes
    "truck": N_("truck"), "air": N_("air"), "customs": N_("customs"), "courier": N_("courier"),
    "storage": N_("storage"),
    # milestones
    "picked_up": N_("picked up"), "departed": N_("departed"), "landed": N_("landed"),
    "customs_cleared": N_("customs cleared"), "out_for_delivery": N_("out for delivery"),
    "delivered": N_("delivered"),
    # roles
    "admin": N_("admin"), "logistics": N_("logistics"), "pharmacy": N_("pharmacy"), "qa": N_("QA"),
    "viewer": N_("viewer"),
    # a reading against its range
    "above": N_("above range"), "below": N_("below range"), "in": N_("in range"),
    # form fields, as named in a refusal ("quantity: …")
    "quantity": N_("quantity"), "lot": N_("lot"), "logger": N_("logger"), "at": N_("when"),
    "site": N_("site"), "kind": N_("what"), "comment": N_("comment"), "assessment": N_("assessment"),
    "disposition": N_("disposition"), "status": N_("status"), "reason": N_("reason"), "mode": N_("mode"),
    "origin": N_("origin"), "destination": N_("destination"), "record": N_("record"),
    "planned_start": N_("planned start"), "planned_end": N_("planned end"),
    "actual_start": N_("actual start"), "actual_end": N_("actual end"), "starts_at": N_("from"),
    "carrier": N_("carrier"), "transport_ref": N_("flight or truck"),
    "max_quantity": N_("largest quantity per entry"),
    # receiving: the checklist, coolant, dispositions, why a line is quarantined, what differs
    "packaging_intact": N_("Outer packaging intact"), "seals_intact": N_("Seals intact"),
    "coolant_present": N_("Coolant present"), "logger_present": N_("Logger present"),
    "logger_alarm": N_("Logger shows an alarm"), "documents_complete": N_("Documents complete"),
    "import_permit_present": N_("Import permit present"),
    "frozen": N_("frozen"), "cold": N_("cold"), "partly_thawed": N_("partly thawed"), "thawed": N_("thawed"),
    "dry_ice_present": N_("dry ice present"), "dry_ice_gone": N_("dry ice gone"), "not_used": N_("not used"),
    "accept": N_("accept"), "open_excursion": N_("excursion not resolved"),
    "no_monitor": N_("not monitored"), "discrepancy": N_("differs from the shipping record"),
    "packaging_damaged": N_("packaging damaged"), "seal_broken": N_("seal broken"),
    "coolant_missing": N_("coolant missing"), "coolant_spent": N_("coolant spent"),
    "logger_missing": N_("logger missing"), "documents_missing": N_("documents missing"),
    "import_permit_missing": N_("import permit missing"),
    "lot_mismatch": N_("other lot"), "expiry_mismatch": N_("other expiry"),
    "count_mismatch": N_("count differs"), "damaged": N_("damaged"), "missing": N_("missing"),
    # QA and stock
    "released": N_("released"), "partially_released": N_("partially released"), "rejected": N_("rejected"),
    "available": N_("available"), "quarantined": N_("in quarantine"), "expired": N_("expired"),
    "on_hold": N_("on hold"), "hold": N_("put on hold"), "relot": N_("booked under the lot read"),
    "release": N_("release"), "consume": N_("consumed"), "receipt": N_("receipt"),
    "opening": N_("opening balance"),
    # QA's assessment of an excursion, and why a release is not possible
    "packaging": N_("packaging"), "handling": N_("handling"), "customs_dwell": N_("customs dwell"),
    "logger_fault": N_("logger fault"), "other": N_("other"),
    "blocked_running": N_("still running"), "blocked_unassessed": N_("not assessed for this lot"),
    "blocked_impact": N_("assessed with an impact on the product"),
    # alert deliveries
    "pending": N_("pending"), "sent": N_("sent"), "failed": N_("failed"),
    # the trial: what a bill-of-materials line counts per, where an enrolment came from, who ran a forecast
    "patient": N_("patient"), "screened": N_("screened patient"), "batch": N_("manufacturing batch"),
    "page": N_("web page"), "api": N_("API"), "csv": N_("CSV file"), "registry": N_("registry"),
    "manual": N_("by hand"), "schedule": N_("scheduler"), "cli": N_("command line"),
    # storage profiles and stability allowances: their settings, as a version's changes name them
    "label": N_("label"), "min_c": N_("lower limit (°C)"), "max_c": N_("upper limit (°C)"),
    "shock_g": N_("shock threshold (g)"), "max_hold_minutes": N_("longest hold of one reading (min)"),
    "activation_energy_kj": N_("activation energy (kJ/mol)"), "gap_severity": N_("severity of a data gap"),
    "threshold_c": N_("threshold (°C)"), "minutes": N_("minutes"), "severity": N_("severity"),
    "single": N_("single run"), "cumulative": N_("cumulative"), "budget_hours": N_("budget (h)"),
    "limit_c": N_("at or below (°C)"), "profile": N_("profile"), "allowance": N_("allowance"),
    # the audit trail: what happened to a record, and the kinds of record (their tables)
    "create": N_("created"), "update": N_("changed"), "delete": N_("removed"), "leg": N_("leg"),
    "filters": N_("filters"),
    "shipments": N_("shipment"), "shipment_lines": N_("shipment line"), "legs": N_("route leg"),
    "milestones": N_("milestone"), "logger_assignments": N_("logger assignment"), "loggers": N_("logger"),
    "sites": N_("site"), "items": N_("item"), "lots": N_("lot"), "users": N_("user"),
    "api_tokens": N_("API token"), "receipts": N_("receipt"), "receipt_lines": N_("received line"),
    "stock_movements": N_("stock movement"), "excursions": N_("excursion"),
    "excursion_assessments": N_("excursion assessment"), "signatures": N_("electronic signature"),
    "signing_failures": N_("refused signature"), "storage_zones": N_("storage zone"),
    "storage_profile_versions": N_("storage profile version"),
    "item_allowance_versions": N_("stability allowance version"), "recruitment_plans": N_("recruitment plan"),
    "recruitment_sites": N_("recruitment site"), "enrolments": N_("enrolment"),
    "bom_lines": N_("bill of materials line"),
    # lanes: their records, fields and coolants
    "lanes": N_("lane"), "lane_legs": N_("lane leg"), "lane_id": N_("lane"), "code": N_("code"),
    "name": N_("name"), "packaging_hold_hours": N_("qualified hold time (h)"),
    "storage_profiles": N_("storage profiles"), "loggers_per_box": N_("loggers per box"),
    "coolant": N_("coolant"), "coolant_kg": N_("coolant (net kg)"), "wait_hours": N_("wait before (h)"),
    "duration_hours": N_("duration (h)"), "none": N_("none"), "gel_packs": N_("gel packs"),
    "dry_ice": N_("dry ice"), "ln2_dry_shipper": N_("LN2 dry shipper"),
}


def label(value: object) -> str:
    """The translated label of an identifier; one without a label is shown with spaces for underscores."""
    text = str(value)
    return catalog().ugettext(LABELS[text]) if text in LABELS else text.replace("_", " ")
