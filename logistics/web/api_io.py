"""How the JSON API reads requests and answers them, and the OpenAPI description its routes declare
themselves in (`described.operation`)."""

from __future__ import annotations

from typing import TypeVar

from flask import Response, request
from pydantic import BaseModel, ValidationError

from logistics.core.limits import MAX_PAGE, NUL_PROBLEM, loads_bounded, nul_field
from logistics.services.errors import InputError, input_error_from
from logistics.web import db
from logistics.web.openapi import ApiDescription

described = ApiDescription(prefix="/api/v1")
Model = TypeVar("Model", bound=BaseModel)


def read_body(model: type[Model]) -> Model:
    if not request.is_json:
        raise InputError({"body": "send a JSON object with Content-Type: application/json"})
    try:
        payload = loads_bounded(request.get_data(cache=True))
    except ValueError as error:  # not JSON, not UTF-8, or nested too deeply
        raise InputError({"body": f"not valid JSON: {_first_line(error)}"}) from None
    if not isinstance(payload, dict):
        raise InputError({"body": "send a JSON object with Content-Type: application/json"})
    where = nul_field(payload)
    if where:
        raise InputError({where: NUL_PROBLEM})
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise input_error_from(error) from None


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


def read_paging(default: int | None = None, most: int = 200) -> tuple[int, int]:
    """?page= (from 1 to MAX_PAGE) and ?per_page= (default: the page_size setting, at most `most`)."""
    page = _positive_int("page", 1)
    if page > MAX_PAGE:
        raise InputError({"page": f"must be a whole number from 1 to {MAX_PAGE:,}"})
    return page, min(_positive_int("per_page", default or db.runtime().settings.page_size), most)


def _positive_int(name: str, default: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    significant = text.lstrip("0")
    if not (text.isascii() and text.isdigit()) or not significant:
        raise InputError({name: "must be a whole number of at least 1"})
    return int(significant) if len(significant) < 19 else 10**18  # that long, it only says "too many"


def json_answer(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status=status, mimetype="application/json")
