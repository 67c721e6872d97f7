"""Languages: the user's own choice (kept on their account), else the browser's, else English.

Messages come from gettext catalogs under `translations/` (edit the .po files, then compile them: see the
README); dates and numbers are formatted by Babel with the CLDR data of the chosen locale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale
from flask import Blueprint, Flask, abort, redirect, request, session, url_for
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from logistics.core.languages import DEFAULT_LANGUAGE, LANGUAGES
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
    return get_locale() or Locale.parse(DEFAULT_LANGUAGE)


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
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("pages.index"))


def install(app: Flask) -> None:
    Babel(app, locale_selector=select_language, default_translation_directories=str(TRANSLATIONS))
    app.register_blueprint(blueprint)
    app.context_processor(lambda: {"languages": LANGUAGES, "language": current_language(), "label": label})


# Words the code keeps as identifiers (statuses, severities, modes…), as people read them.
LABELS = {
    # shipment status
    "planned": _l("planned"), "packed": _l("packed"), "in_transit": _l("in transit"),
    "arrived": _l("arrived"), "received": _l("received"), "closed": _l("closed"),
    "cancelled": _l("cancelled"),
    # severities
    "info": _l("info"), "minor": _l("minor"), "major": _l("major"), "critical": _l("critical"),
    # excursion review
    "open": _l("open"), "acknowledged": _l("acknowledged"), "resolved": _l("resolved"),
    "withdrawn": _l("withdrawn"),
    "no_impact": _l("no impact"), "use_within_stability_budget": _l("use within stability budget"),
    "quarantine": _l("quarantine"), "reject": _l("reject"),
    # leg modes
    "truck": _l("truck"), "air": _l("air"), "customs": _l("customs"), "courier": _l("courier"),
    "storage": _l("storage"),
    # milestones
    "picked_up": _l("picked up"), "departed": _l("departed"), "landed": _l("landed"),
    "customs_cleared": _l("customs cleared"), "out_for_delivery": _l("out for delivery"),
    "delivered": _l("delivered"),
    # roles
    "admin": _l("admin"), "logistics": _l("logistics"), "pharmacy": _l("pharmacy"), "qa": _l("QA"),
    "viewer": _l("viewer"),
    # a reading against its range
    "above": _l("above range"), "below": _l("below range"), "in": _l("in range"),
    # form fields, as named in a refusal ("quantity: …")
    "quantity": _l("quantity"), "lot": _l("lot"), "logger": _l("logger"), "at": _l("when"),
    "site": _l("site"), "kind": _l("what"), "comment": _l("comment"), "assessment": _l("assessment"),
    "disposition": _l("disposition"), "status": _l("status"), "reason": _l("reason"), "mode": _l("mode"),
    "origin": _l("origin"), "destination": _l("destination"), "record": _l("record"),
    "planned_start": _l("planned start"), "planned_end": _l("planned end"),
    "actual_start": _l("actual start"), "actual_end": _l("actual end"), "starts_at": _l("from"),
    # alert deliveries
    "pending": _l("pending"), "sent": _l("sent"), "failed": _l("failed"),
}


def label(value: object) -> str:
    """The translated label of an identifier; one without a label is shown with spaces for underscores."""
    text = str(value)
    return str(LABELS[text]) if text in LABELS else text.replace("_", " ")
