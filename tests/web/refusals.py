"""Reading a refused form back from its page: the refusal beside its control, and what the control holds."""

from __future__ import annotations

import html
import re

CLOSING = {"select": "</select>", "textarea": "</textarea>", "fieldset": "</fieldset>"}


def control(page: str, field_id: str) -> str:
    """The opening tag of the control with id `field_id` (empty when the page has none)."""
    found = re.search(rf'<(input|select|textarea|fieldset)\b[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    return found.group(0) if found else ""


def field_error(page: str, field_id: str) -> str:
    """The refusal right after the control `field_id`, which names it in aria-describedby; empty when the
    control is not described by it or something else stands between them."""
    tag = control(page, field_id)
    if f'aria-describedby="{field_id}-error"' not in tag or 'aria-invalid="true"' not in tag:
        return ""
    rest = page.split(tag, 1)[1]
    kind = tag[1:].split(" ", 1)[0]
    error = rf'\s*<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>\s*'
    if kind in CLOSING:
        inside, rest = rest.split(CLOSING[kind], 1)
        if kind == "fieldset" and (last := re.search(error + "$", inside)):  # the group's last word
            return html.unescape(last.group(1))
    found = re.match(error, rest)
    return html.unescape(found.group(1)) if found else ""


def kept_value(page: str, field_id: str) -> str:
    """What the control `field_id` holds: an input's value, a textarea's text, a select's chosen option."""
    tag = control(page, field_id)
    rest = page.split(tag, 1)[1] if tag else ""
    if tag.startswith("<select"):
        chosen = re.search(r'<option value="([^"]*)"[^>]*\bselected', rest.split("</select>", 1)[0])
        return html.unescape(chosen.group(1)) if chosen else ""
    if tag.startswith("<textarea"):
        return html.unescape(rest.split("</textarea>", 1)[0])
    found = re.search(r'\bvalue="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else ""


def focused(page: str) -> list[str]:
    """The ids of the controls that ask for the focus."""
    return re.findall(r'<(?:input|select|textarea|fieldset)\b[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page)
