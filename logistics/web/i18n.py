"""Languages: the user's own choice (kept on their account), else the browser's, else English.

Messages come from gettext catalogs under `translations/` (edit the .po files, then compile them: see the
README); dates and numbers are formatted by Babel with the CLDR data of the chosen locale.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Blueprint, Flask, abort, g, redirect, request, session, url_for
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user

from logistics.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from logistics.core.redirects import same_site_path
from logistics.core.refusals import Refusal, Term
from logistics.core.units import COUNT_UNITS
from logistics.core.words import word
from logistics.services import users
from logistics.services.errors import InputError
from logistics.web import db

TRANSLATIONS = Path(__file__).with_name("translations")
_TYPED_QUANTITY = re.compile(r"^\s*(?P<number>[+-]?[0-9.]+)\s*(?P<unit>\S.*?)\s*$")

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
        values = {name: label(value) if isinstance(value, Term) else value
                  for name, value in message.values.items()}
        return template % values if values else template
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
        ngettext=lambda singular, plural, n: catalog().ungettext(singular, plural, n), newstyle=True,
        # A word that says two things in other languages ("Sites": places goods travel, or a trial's
        # recruiting centres) carries its context: pgettext("places", "Sites").
        pgettext=lambda context, text: catalog().upgettext(context, text))
    app.register_blueprint(blueprint)
    app.context_processor(lambda: {"languages": LANGUAGES, "language": current_language(), "label": label})
    app.add_template_filter(label, "label")  # `{{ line.unit | label }}`: the same words as label(…)
    # Every value a template writes passes here: a refusal from the core reads in the reader's language.
    app.jinja_env.finalize = say


def label(value: object) -> str:
    """How an identifier, a count unit or a storage profile reads in the reader's language."""
    return word(value, catalog().ugettext)


def typed_quantity(text: str) -> str:
    """A quantity as typed, its count unit put back in English when written in the reader's language
    ("6 คิท", "6套": "6 kit"): the core reads the units the records keep."""
    typed = _TYPED_QUANTITY.match(text)
    if typed is None:
        return text
    english = next((unit for unit in COUNT_UNITS if label(unit) == typed["unit"] != unit), None)
    return f"{typed['number']} {english}" if english else text
