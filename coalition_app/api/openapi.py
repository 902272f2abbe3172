"""The OpenAPI 3.1 document, generated from the routes and the pydantic models they declare.

Each API view declares its operation with `@operation(...)` next to its code, naming the
models of its query string, body and responses (`api/schemas.py` and the features'
`schemas.py`). `document(app)` walks `app.url_map` for the routes under /api/v1 (a route left
undescribed is an error) and takes every schema from the models' own `model_json_schema`: the
definition that validates the request and produces the answer is the one in the document.
`tests/api/test_api_schema.py` runs schemathesis against it, and checks that each declared
model is the document's schema and that every answer validates against its model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from models.base import MAX_ID

from ..policy import PUBLIC, declared_access
from .schemas import Error

JsonSchema = dict[str, Any]
Mode = Literal["validation", "serialization"]
OPENAPI_VERSION = "3.1.0"
API_PREFIX = "/api/v1"
REF_TEMPLATE = "#/components/schemas/{model}"
ID: JsonSchema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

ERROR_DESCRIPTIONS = {
    400: "Malformed request (a parameter or body that cannot be read)",
    401: "No valid token or session",
    403: "Signed in, but the policy or the token's scope does not allow this",
    404: "No such object, or not visible to you",
    405: "Method not allowed",
    409: "Stale version: someone saved it in the meantime (current_version is given)",
    422: "A rule was broken (field names which one)",
    429: "Too many requests",
    500: "Unexpected error (nothing was half-saved)",
    503: "Database or network measures temporarily unavailable",
}


class SchemaGenerator(GenerateJsonSchema):
    """Pydantic's JSON Schema, without a title on every property (the name says it)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


def json_schema(model: type[BaseModel], mode: Mode) -> JsonSchema:
    """The model's JSON Schema as the document has it (its `$defs` are components)."""
    return model.model_json_schema(
        mode=mode, ref_template=REF_TEMPLATE, schema_generator=SchemaGenerator
    )


# --- operations declared next to the views ------------------------------------------------------

Responses = dict[int, tuple[str, type[BaseModel] | None]]


def operation(
    method: str,
    *,
    summary: str,
    tag: str,
    responses: Responses,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    description: str = "",
    writes: bool = False,
) -> Callable:
    """Attach the OpenAPI description of `method` to a view function.

    `responses` maps a status to its description and the model of its body (None: no body,
    or for an error status the `Error` model). `query` is the model of the query string,
    `body` the model of the JSON body; `writes` adds the 403 and the CSRF header.
    """
    spec = {
        "summary": summary,
        "tag": tag,
        "responses": responses,
        "query": query,
        "body": body,
        "description": description,
        "writes": writes,
    }

    def attach(view: Callable) -> Callable:
        view.__dict__.setdefault("_openapi", {})[method.upper()] = spec
        return view

    return attach


def specs_for(app: Flask, endpoint: str) -> dict[str, dict]:
    """The operations declared on the view of `endpoint`, by method.

    Each spec also says whether the view is `@public` (reachable without a token or a
    session): the document then gives it no security requirement and no 401, so what it
    says is what the sign-in gate does.
    """
    view = app.view_functions.get(endpoint)
    specs = getattr(view, "_openapi", None) or {}
    public = declared_access(view) == PUBLIC
    return {method: {**spec, "public": public} for method, spec in specs.items()}


def api_rules(app: Flask):
    """Every route under /api/v1, sorted by path."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")),
        key=lambda rule: rule.rule,
    )


def declared_models(spec: dict) -> list[tuple[type[BaseModel], Mode]]:
    """The models an operation's bodies are made of: the request's, then each answer's."""
    models: list[tuple[type[BaseModel], Mode]] = []
    if spec["body"] is not None:
        models.append((spec["body"], "validation"))
    for status, (_description, model) in statuses(spec).items():
        if status >= 400:
            model = Error
        if model is not None:
            models.append((model, "serialization"))
    return models


def statuses(spec: dict) -> dict[int, tuple[str, type[BaseModel] | None]]:
    """Every status an operation may answer, with its description and model."""
    out: dict[int, tuple[str, type[BaseModel] | None]] = {
        status: (ERROR_DESCRIPTIONS[status], Error)
        for status in ((429, 500) if spec.get("public") else (401, 429, 500))
    }
    if spec["query"] is not None or spec["body"] is not None:
        out[400] = (ERROR_DESCRIPTIONS[400], Error)
    if spec["writes"]:
        out[403] = (ERROR_DESCRIPTIONS[403], Error)
    for status, (description, model) in spec["responses"].items():
        out[status] = (description, Error if status >= 400 else model)
    return dict(sorted(out.items()))


# --- the document ---------------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _path_and_params(rule: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match: re.Match) -> str:
        converter = match.group("converter") or "string"
        schema = ID if converter == "int" else {"type": "string", "minLength": 1}
        params.append(
            {"name": match.group("name"), "in": "path", "required": True, "schema": schema}
        )
        return "{" + match.group("name") + "}"

    return _CONVERTER.sub(replace, rule), params


def _query_params(model: type[BaseModel], components: dict[str, JsonSchema]) -> list[dict]:
    """One query parameter per field of the model, in its order."""
    schema = json_schema(model, "validation")
    components.update(schema.get("$defs", {}))
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        param = {"name": name, "in": "query", "required": name in required}
        description = prop.pop("description", "")
        if description:
            param["description"] = description
        param["schema"] = prop
        params.append(param)
    return params


def _content(schema: JsonSchema) -> dict:
    return {"application/json": {"schema": schema}}


def _operation(
    endpoint: str,
    method: str,
    spec: dict,
    path_params: list[dict],
    refs: dict[tuple[type[BaseModel], Mode], JsonSchema],
    components: dict[str, JsonSchema],
) -> dict:
    responses: dict[str, Any] = {}
    for status, (description, model) in statuses(spec).items():
        responses[str(status)] = {"description": description}
        if model is not None:
            responses[str(status)]["content"] = _content(refs[(model, "serialization")])
    responses["default"] = {
        "description": "Any other error, in the same shape",
        "content": _content(refs[(Error, "serialization")]),
    }
    op: dict[str, Any] = {
        "operationId": f"{endpoint.replace('.', '_')}_{method.lower()}",
        "summary": spec["summary"],
        "tags": [spec["tag"]],
        "responses": responses,
    }
    if spec["description"]:
        op["description"] = spec["description"]
    parameters = path_params
    if spec["query"] is not None:
        parameters = parameters + _query_params(spec["query"], components)
    if parameters:
        op["parameters"] = parameters
    if spec["body"] is not None:
        body = refs[(spec["body"], "validation")]
        op["requestBody"] = {"required": True, "content": _content(body)}
    if spec["writes"]:
        op["security"] = [{"bearer": []}, {"cookie": [], "csrf": []}]
    elif spec.get("public"):
        op["security"] = []  # no token or session needed
    return op


def document(app: Flask) -> dict:
    """The OpenAPI document of every route under /api/v1 (a route left undescribed is an error)."""
    operations = []
    for rule in api_rules(app):
        specs = specs_for(app, rule.endpoint)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        missing = [m for m in methods if m not in specs]
        if missing:
            raise LookupError(f"{rule.rule} {missing}: describe it with @operation")
        operations.extend((rule, method, specs[method]) for method in methods)

    # Every model any operation names, in one pass: shared parts become one component each.
    wanted = {(Error, "serialization"): None}
    for _rule, _method, spec in operations:
        wanted.update(dict.fromkeys(declared_models(spec)))
    refs, definitions = models_json_schema(
        list(wanted), ref_template=REF_TEMPLATE, schema_generator=SchemaGenerator
    )
    components: dict[str, JsonSchema] = dict(definitions.get("$defs", {}))

    paths: dict[str, dict] = {}
    for rule, method, spec in operations:
        path, path_params = _path_and_params(rule.rule)
        paths.setdefault(path, {})[method.lower()] = _operation(
            rule.endpoint, method, spec, path_params, refs, components
        )
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Coalition API",
            "version": "1",
            "description": (
                "The coalition's institutions, working groups, deliverables and tasks, "
                "network and growth. Authenticate with a personal token "
                "(`Authorization: Bearer coal_...`, created on /account/tokens) or, from the "
                "app's own pages, with the session cookie; session calls that change "
                "something send the CSRF token in an `X-CSRFToken` header. This document "
                "itself (`/api/v1/openapi.json`, readable at `/api/v1/docs`) is public."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token: coal_ followed by 43 characters.",
                },
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": app.config.get("SESSION_COOKIE_NAME", "session"),
                    "description": "The app's session, for its own pages.",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRFToken",
                    "description": "With the session cookie, on calls that change something.",
                },
            },
        },
    }
