"""A refused form comes back as it was sent: the same page, answered 422, the values typed kept and each
refusal beside its field (templates/_fields.html draws them). A redirect would lose both, and a banner at
the top of a long page sits where nobody is looking.

The refused form is known by its action (the path it posted to): on a page of many forms only that one
shows what was typed and what is wrong; the others show their usual values. Accepted forms still redirect
(POST-redirect-GET)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, make_response, redirect, request
from werkzeug.datastructures import MultiDict

from logistics.web.i18n import label, say

REFUSED_STATUS = 422
WHOLE_FORM = "form"  # the key of a refusal about the form as a whole, shown at its top without a field name


@dataclass(frozen=True)
class Refusal:
    """What a refused form sent and why it was refused, field by field."""

    action: str
    values: MultiDict[str, str]
    errors: Mapping[str, object]


@dataclass
class FormState:
    """One form as a template draws it: typed values over the record's when it is the refused form, its
    errors, and which field takes the focus (the first refused one drawn)."""

    refusal: Refusal | None
    shown: set[str] = field(default_factory=set)
    focused: bool = False

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    def value(self, name: str, default: object = "") -> object:
        """What was typed in `name` if this form was refused, else `default` (the record's value)."""
        if self.refusal is None:
            return "" if default is None else default
        return self.refusal.values.get(name, "")

    def chosen(self, name: str, option: object, default: bool = False) -> bool:
        """Whether `option` is selected (or ticked) in `name`: as sent, or `default` for a fresh form."""
        if self.refusal is None:
            return default
        return str(option) in self.refusal.values.getlist(name)

    def error(self, name: str) -> object | None:
        """The refusal of field `name`, marked as shown beside it (so it is not repeated at the top)."""
        if self.refusal is None or name not in self.refusal.errors:
            return None
        self.shown.add(name)
        return self.refusal.errors[name]

    def takes_focus(self, name: str) -> bool:
        """True for the first refused field drawn: it gets `autofocus`, which scrolls it into view."""
        if self.focused or self.refusal is None or name not in self.refusal.errors:
            return False
        self.focused = True
        return True

    def problems(self) -> Iterator[tuple[str, object]]:
        """The refusals that no field of the form showed: they belong to the form as a whole."""
        if self.refusal is not None:
            yield from ((name, text) for name, text in self.refusal.errors.items() if name not in self.shown)


def refuse(errors: Mapping[str, object]) -> None:
    """Remember this submission as refused, for the page drawn next in this request. A form sent by GET
    (a choice that leads to the next page) is read from the address."""
    sent = request.form if request.method == "POST" else request.args
    g.refused_form = Refusal(request.path, sent.copy(), dict(errors))


def form_state(action: str | None = None) -> FormState:
    """The state of the form posting to `action` (a URL; None: this page's own path)."""
    refusal: Refusal | None = g.get("refused_form")
    path = urlsplit(action).path if action else request.path
    if refusal is None or refusal.action != path:
        return FormState(None)
    g.refused_form_drawn = True
    return FormState(refusal)


def page_again(url: str, errors: Mapping[str, object]) -> Any:
    """The page at `url` drawn again, answered 422, with the refused form as typed: the view behind `url`
    (its GET) draws it in this same request. A page that no longer holds the form (the button was for a
    state that has passed) cannot show the refusal beside it: then it goes to the banner, as before."""
    refuse(errors)
    adapter = current_app.url_map.bind_to_environ(request.environ)
    endpoint, arguments = adapter.match(urlsplit(url).path, method="GET")
    response = make_response(current_app.view_functions[endpoint](**arguments))
    if not g.get("refused_form_drawn"):
        flash("; ".join(_named(name, say(text)) for name, text in errors.items()), "error")
        return redirect(url)
    response.status_code = REFUSED_STATUS
    return response


def _named(name: str, text: object) -> str:
    return str(text) if name == WHOLE_FORM else f"{label(name)}: {text}"


def labelled(values: Iterable[object]) -> list[tuple[object, str]]:
    """Identifiers as (value, label) options of a select."""
    return [(value, label(value)) for value in values]


def install(app: Flask) -> None:
    app.jinja_env.globals["form_state"] = form_state
    app.jinja_env.filters["labelled"] = labelled
