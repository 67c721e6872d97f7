"""Enrolments pulled from the trial's registry or CTMS: one GET of a JSON document (requests), read
through the field names the settings give, so any such endpoint can be mapped without code."""

from __future__ import annotations

from typing import Any

import requests

from logistics.settings import Settings

TIMEOUT_S = 20.0
MAX_BYTES = 5 * 1024 * 1024


class FeedError(RuntimeError):
    """The endpoint did not give a readable list of enrolments; nothing was taken from it."""


def fetch_enrolments(http: requests.Session, settings: Settings) -> list[dict[str, Any]]:
    """The enrolments at `recruitment_url` as {patient_code, site, enrolled_on} records."""
    headers = {"Accept": "application/json"}
    if settings.recruitment_token:
        headers["Authorization"] = f"Bearer {settings.recruitment_token}"
    try:
        response = http.get(settings.recruitment_url, headers=headers, timeout=TIMEOUT_S)
        response.raise_for_status()
    except requests.RequestException as error:
        raise FeedError(f"{type(error).__name__}: {error}") from None
    if len(response.content) > MAX_BYTES:
        raise FeedError(f"the answer is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        document = response.json()
    except ValueError:
        raise FeedError("the answer is not JSON") from None
    records = _at(document, settings.recruitment_records)
    fields = {"patient_code": settings.recruitment_patient_field, "site": settings.recruitment_site_field,
              "enrolled_on": settings.recruitment_date_field}
    return [{ours: record.get(theirs) for ours, theirs in fields.items()} if isinstance(record, dict)
            else dict.fromkeys(fields) for record in records]


def _at(document: Any, path: str) -> list[Any]:
    found = document
    for step in [part for part in path.split(".") if part]:
        if not isinstance(found, dict) or step not in found:
            raise FeedError(f"no {path!r} in the answer (recruitment_records)")
        found = found[step]
    if not isinstance(found, list):
        raise FeedError(f"{path or 'the answer'} is not a list of enrolments")
    return found
