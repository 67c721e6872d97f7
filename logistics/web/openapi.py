"""An OpenAPI 3.1 document built from the routes' own declarations and pydantic models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

import logistics

REF = "#/components/schemas/{model}"
OPERATION = "api_operation"  # the attribute of a view function that holds its declaration


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form: /shipments/{reference}
    summary: str
    response: type[BaseModel] | None
    status: int
    body: type[BaseModel] | None
    query: tuple[tuple[str, str, str], ...]  # (name, JSON type, description)
    media_types: tuple[str, ...] = ("application/json",)
    schema_url: str | None = None  # a published JSON schema the answer follows, when no model describes it
    text_media_types: tuple[str, ...] = ()  # other forms of the answer, as text (e.g. text/csv)
    errors: tuple[tuple[str, str], ...] = ()  # (status, meaning) beyond the ones every operation has


@dataclass(frozen=True)
class ApiDescription:
    """Declares each route's operation on its view function, and renders the document from the routes an
    app has: what is described is what is served."""

    prefix: str

    def operation(
        self, method: str, path: str, summary: str, *, response: type[BaseModel] | None = None,
        status: int = 200, body: type[BaseModel] | None = None,
        query: tuple[tuple[str, str, str], ...] = (), media_types: tuple[str, ...] = ("application/json",),
        schema_url: str | None = None, text_media_types: tuple[str, ...] = (),
        errors: tuple[tuple[str, str], ...] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def record(view: Callable[..., Any]) -> Callable[..., Any]:
            setattr(view, OPERATION, Operation(method.lower(), path, summary, response, status,
                                               body, query, media_types, schema_url, text_media_types,
                                               errors))
            return view

        return record

    def document(self, app: Flask) -> dict[str, Any]:
        """The document of the operations `app` serves, in the order of its routes."""
        views = [app.view_functions[rule.endpoint] for rule in app.url_map.iter_rules()]
        operations = [getattr(view, OPERATION) for view in views if hasattr(view, OPERATION)]
        models = {model for op in operations for model in (op.response, op.body) if model}
        _, schemas = models_json_schema(
            [(model, "validation") for model in sorted(models, key=lambda m: m.__name__)],
            ref_template=REF,
        )
        paths: dict[str, dict[str, Any]] = {}
        for op in operations:
            paths.setdefault(self.prefix + op.path, {})[op.method] = _describe(op)
        return {
            "openapi": "3.1.0",
            "info": {"title": "Cold-chain logistics tracker API", "version": logistics.__version__},
            "paths": paths,
            "components": {
                "schemas": schemas.get("$defs", {}),
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}],
        }


def _describe(op: Operation) -> dict[str, Any]:
    described: dict[str, Any] = {"summary": op.summary, "responses": {}}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _path_names(op.path)
    ] + [
        {"name": name, "in": "query", "required": False, "schema": {"type": kind},
         "description": text}
        for name, kind, text in op.query
    ]
    if parameters:
        described["parameters"] = parameters
    if op.body:
        described["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}}}}
    ok: dict[str, Any] = {"description": "OK"}
    schema_ref = op.schema_url or (REF.format(model=op.response.__name__) if op.response else None)
    if schema_ref:
        ok["content"] = {media_type: {"schema": {"$ref": schema_ref}} for media_type in op.media_types}
    for media_type in op.text_media_types:
        ok.setdefault("content", {})[media_type] = {"schema": {"type": "string"}}
    described["responses"][str(op.status)] = ok
    for status, text in (("401", "Not signed in"), ("403", "Role not allowed"),
                         ("404", "Not found"), ("422", "Invalid input; names the fields"), *op.errors):
        described["responses"][status] = {"description": text}
    return described


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
