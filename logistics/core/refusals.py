"""Refusals that read in English where records and the API keep them, and in the reader's language on a
page: the core cannot translate (it knows no request), so a refusal carries its message template and
values, and the web says it again through gettext (`logistics.web.i18n.say`)."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it: the web translates it when shown."""
    return message


class Refusal(str):
    """Why an input is refused, as English text, keeping the `template` and `values` it was made of."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Refusal:
        # A word among the values reads in English as people write it: "in transit", not "in_transit".
        english = {name: value.replace("_", " ") if isinstance(value, Term) else value
                   for name, value in values.items()}
        refusal = super().__new__(cls, template % english if values else template)
        refusal.template, refusal.values = template, values
        return refusal


class Term(str):
    """A refusal's value that is itself a word of `core.words` (a unit, a status): a page says it in the
    reader's language too, where records and the API keep it as it is."""
