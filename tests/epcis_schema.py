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

# The shared reference data: named by LOGISTICS_EPCIS_DATA, else beside the repository, else at the
# workplace's usual place (a clone elsewhere, such as CI's, still finds it there).
_CANDIDATES = [Path(os.environ["LOGISTICS_EPCIS_DATA"])] if os.environ.get("LOGISTICS_EPCIS_DATA") else []
_CANDIDATES += [Path(__file__).resolve().parents[2] / "shared/data/epcis", Path("/work/shared/data/epcis")]
SCHEMA = next((folder / "EPCIS-JSON-Schema.json" for folder in _CANDIDATES
               if (folder / "EPCIS-JSON-Schema.json").is_file()), _CANDIDATES[0] / "EPCIS-JSON-Schema.json")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")  # RFC 3986: a scheme, then no spaces


def official_schema() -> dict[str, Any]:
    """The schema; the test is skipped when the reference data is missing, and fails so on CI."""
    if not SCHEMA.is_file():
        places = ", ".join(str(folder) for folder in _CANDIDATES)
        reason = (f"GS1's EPCIS JSON schema (EPCIS-JSON-Schema.json) is in none of {places}; "
                  "set LOGISTICS_EPCIS_DATA to its folder")
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
