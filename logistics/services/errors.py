"""Errors that services raise for the adapters (web, API, CLI) to show to people."""

from __future__ import annotations

from pydantic import ValidationError


class InputError(ValueError):
    """Input that cannot be accepted; `errors` maps each field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class NotFound(LookupError):
    """The record asked for does not exist."""


def input_error_from(error: ValidationError) -> InputError:
    """Name the field of each pydantic error; model-level messages start with "field: "."""
    errors: dict[str, str] = {}
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in item["loc"])
        if not field and ": " in message:
            field, message = message.split(": ", 1)
        if item["type"] == "extra_forbidden":
            message = "is not a known field"
        errors.setdefault(field or "request", message)
    return InputError(errors)
