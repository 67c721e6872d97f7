"""GS1's EPCIS 2.0 JSON schema, from the shared reference data beside the repository, and a validator.

jsonschema checks the `date-time` and `uri` formats only when optional packages are installed; the small
checkers here make those checks happen regardless, so a time or an identifier the schema would accept
only by not looking is caught.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

SCHEMA = Path(__file__).resolve().parents[2] / "shared/data/epcis/EPCIS-JSON-Schema.json"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")  # RFC 3986: a scheme, then no spaces


def official_schema() -> dict[str, Any]:
    """The schema; the test is skipped when the reference data is missing, and fails so on CI."""
    if not SCHEMA.is_file():
        reason = f"GS1's EPCIS JSON schema is not at {SCHEMA} (the shared reference data)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return _read(SCHEMA)


@cache
def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _formats() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(RFC3339.match(value)) and _parses(value)

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or bool(URI.match(value))

    return checker


def _parses(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every way the document breaks the official schema (formats included), as "path: message"."""
    validator = Draft7Validator(official_schema(), format_checker=_formats())
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]
