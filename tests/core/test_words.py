"""The words the core keeps for people: the labels of the profiles config/profiles.toml ships are marked
for the catalogs, and a word reads in the language of the gettext it is given."""

from __future__ import annotations

import tomllib
from pathlib import Path

from logistics.core.refusals import Refusal, Term
from logistics.core.words import PROFILE_LABELS, PROFILE_NAMES, word

PROFILES = Path(__file__).resolve().parents[2] / "config" / "profiles.toml"
THAI = {"kit": "คิท", "vial": "ไวอัล", "in transit": "ระหว่างขนส่ง", "Refrigerated, 2–8 °C": "แช่เย็น 2–8 °C",
        "refrigerated": "แช่เย็น"}


def thai(message: str) -> str:
    return THAI.get(message, message)


def test_every_shipped_profile_has_its_name_and_label_marked():
    shipped = tomllib.loads(PROFILES.read_text(encoding="utf-8"))
    assert set(shipped) == set(PROFILE_NAMES)
    assert {profile["label"] for profile in shipped.values()} == PROFILE_LABELS


def test_identifiers_units_and_profiles_read_in_the_given_language():
    assert word("in_transit", thai) == "ระหว่างขนส่ง"
    assert word("kit", thai) == "คิท" and word("vials", thai) == "ไวอัล"
    assert word("Refrigerated, 2–8 °C", thai) == "แช่เย็น 2–8 °C" and word("refrigerated", thai) == "แช่เย็น"


def test_english_keeps_a_unit_as_written_and_anything_unknown_reads_as_it_is():
    assert word("vials", str) == "vials" and word("mL", thai) == "mL"
    assert word("Ward fridge, 2–8 °C", thai) == "Ward fridge, 2–8 °C"  # a profile defined elsewhere
    assert word("customs_dwell_extra", str) == "customs dwell extra"


def test_a_refusal_keeps_its_english_text_and_marks_a_word_among_its_values():
    refusal = Refusal("must be a whole number of %(unit)s", unit=Term("kit"))
    assert refusal == "must be a whole number of kit" and isinstance(refusal.values["unit"], Term)
