"""The gettext catalogs: every message the code and templates show is translated into every language,
with the same placeholders, and the compiled catalogs the app loads are those of the .po files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from logistics.web.i18n import LANGUAGES, catalog_folder

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None,
            "lazy_gettext": None, "N_": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w+\}")


def source_messages() -> set[str | tuple[str, str]]:
    """What `pybabel extract -F babel.cfg -k _l` finds, as msgid or (singular, plural)."""
    method_map = [("logistics/web/templates/**.html", "jinja2"), ("logistics/**.py", "python")]
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS, options_map={"**.html": {}}):
        found.add(message if isinstance(message, str) else tuple(message[:2]))
    return found


def catalog(code: str):
    with open(catalog_folder(code) / "messages.po", encoding="utf-8") as po:
        return read_po(po, locale=code)


@pytest.fixture(scope="module")
def messages():
    return source_messages()


def test_the_extraction_finds_the_pages_messages(messages):
    # Guards the test itself: if extraction broke, "everything is translated" would hold vacuously.
    assert "Shipments under way" in messages and "Unknown user name or wrong password." in messages
    assert ("%(num)d shipment", "%(num)d shipments") in messages and len(messages) > 200


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated(code, messages):
    translations = catalog(code)
    missing = []
    for message in messages:
        msgid = message if isinstance(message, str) else message[0]
        entry = translations.get(msgid)
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else entry.string)
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(msgid)
    assert not missing, f"{code}: {len(missing)} untranslated, e.g. {sorted(missing)[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders(code):
    wrong = []
    for entry in catalog(code):
        if not entry.id:
            continue
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        wrong += [ids[0] for string in strings if string and set(PLACEHOLDER.findall(string)) != expected]
    assert not wrong, f"{code}: placeholders differ in {wrong[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_is_up_to_date(code):
    """The app reads messages.mo: after editing a .po, run `pybabel compile -d logistics/web/translations`."""
    with open(catalog_folder(code) / "messages.mo", "rb") as mo:
        compiled = {(entry.context, key(entry.id)): key(entry.string) for entry in read_mo(mo) if entry.id}
    written = {(entry.context, key(entry.id)): key(entry.string) for entry in catalog(code)
               if entry.id and not entry.fuzzy}
    assert compiled == written


def key(text):
    """A plural entry's forms are a list; as a tuple they can be compared and used as a key."""
    return text if isinstance(text, str) else tuple(text)


def test_the_template_holds_every_message_and_each_language_translates_it(messages):
    """messages.pot is what the extraction finds (run `pybabel extract` after adding a message), and every
    id in it, each word marked with N_() in the core among them, has a translation that is not fuzzy."""
    with open(ROOT / "logistics/web/translations/messages.pot", encoding="utf-8") as pot:
        template = {key(entry.id) for entry in read_po(pot) if entry.id}
    assert template == {key(message) for message in messages}
    for code in TRANSLATED:
        translations = {key(entry.id): entry for entry in catalog(code) if entry.id}
        untranslated = [msgid for msgid in template if msgid not in translations
                        or translations[msgid].fuzzy or not all(key_strings(translations[msgid].string))]
        assert not untranslated, f"{code}: {sorted(map(str, untranslated))[:5]}"


def test_the_cores_words_are_marked_for_the_catalogs(messages):
    # Guards the words' extraction: units, storage profiles and identifiers' labels are N_() in the core.
    from logistics.core.units import COUNT_UNITS
    from logistics.core.words import LABELS, PROFILE_LABELS, PROFILE_NAMES

    words = {*COUNT_UNITS, *PROFILE_LABELS, *PROFILE_NAMES.values(), *LABELS.values()}
    assert {"vial", "Refrigerated, 2–8 °C", "in transit"} <= words and words <= messages


def key_strings(string):
    return [string] if isinstance(string, str) else list(string)
