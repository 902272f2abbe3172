"""The OpenAPI 3 document, generated from the routes: each view declares its operation with
`@operation(...)` next to its code, and `document(app)` walks `app.url_map` for them.

Schemas are plain JSON Schema dicts built by the small helpers below, so the document and the
code that answers cannot drift apart silently: `tests/test_api_schema.py` checks every
response against them with schemathesis.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from models import WorkStatus
from models.base import MAX_ID

Schema = dict[str, Any]
OPENAPI_VERSION = "3.1.0"
API_PREFIX = "/api/v1"


# --- schema builders --------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None, **extra) -> Schema:
    """An object with these required and optional properties, and no others."""
    properties = {**required, **(optional or {})}
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }
    schema.update(extra)
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
DATE: Schema = {"type": "string", "format": "date"}
DATETIME: Schema = {"type": "string", "format": "date-time"}
PERCENT: Schema = {"type": "integer", "minimum": 0, "maximum": 100}
STATUS: Schema = {"type": "string", "enum": [s.value for s in WorkStatus]}
ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

# Every component the operations refer to, by name.
COMPONENTS: dict[str, Schema] = {}


def component(name: str, schema: Schema) -> Schema:
    """Register a named schema and return a reference to it."""
    COMPONENTS[name] = schema
    return ref(name)


ERROR = component(
    "Error",
    obj(
        {
            "error": obj(
                {"status": INTEGER, "title": STRING, "message": STRING},
                {
                    "field": nullable(STRING),
                    "current_version": INTEGER,
                },
            )
        }
    ),
)

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


def page_of(item: Schema) -> Schema:
    return obj(
        {
            "data": array(item),
            "links": obj(
                {
                    "self": STRING,
                    "first": STRING,
                    "last": STRING,
                    "next": nullable(STRING),
                    "prev": nullable(STRING),
                }
            ),
            "meta": obj(
                {
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                    "total": {"type": "integer", "minimum": 0},
                }
            ),
        }
    )


def query(name: str, schema: Schema, description: str = "") -> dict:
    param = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        param["description"] = description
    return param


# --- operations declared next to the views ------------------------------------------------------

# Operations of views that are not in the api blueprint (the network blueprint's route),
# by endpoint; filled with `describe_endpoint`.
EXTERNAL: dict[str, dict[str, dict]] = {}


def _spec(
    summary: str,
    *,
    tag: str,
    responses: dict[int, tuple[str, Schema | None]],
    params: list[dict] | None = None,
    body: Schema | None = None,
    description: str = "",
    writes: bool = False,
) -> dict:
    return {
        "summary": summary,
        "tag": tag,
        "responses": responses,
        "params": params or [],
        "body": body,
        "description": description,
        "writes": writes,
    }


def operation(method: str, **kwargs) -> Callable:
    """Attach the OpenAPI description of `method` to a view function."""

    def attach(view: Callable) -> Callable:
        specs = view.__dict__.setdefault("_openapi", {})
        specs[method.upper()] = _spec(**kwargs)
        return view

    return attach


def describe_endpoint(endpoint: str, method: str, **kwargs) -> None:
    """Describe a route that lives in another blueprint."""
    EXTERNAL.setdefault(endpoint, {})[method.upper()] = _spec(**kwargs)


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


def _responses(spec: dict) -> dict:
    out: dict[str, Any] = {}
    statuses = {401: None, 429: None, 500: None, **spec["responses"]}
    if spec["params"] or spec["body"] is not None:
        statuses.setdefault(400, None)
    if spec["writes"]:
        statuses.setdefault(403, None)
    for status in sorted(statuses):
        entry = statuses[status]
        if entry is None or status >= 400:
            description = ERROR_DESCRIPTIONS.get(status, "Error")
            if entry is not None:
                description = entry[0]
            out[str(status)] = {
                "description": description,
                "content": {"application/json": {"schema": ERROR}},
            }
        else:
            description, schema = entry
            content = {"application/json": {"schema": schema}} if schema is not None else None
            out[str(status)] = {"description": description}
            if content:
                out[str(status)]["content"] = content
    out["default"] = {
        "description": "Any other error, in the same shape",
        "content": {"application/json": {"schema": ERROR}},
    }
    return out


def _operation(endpoint: str, method: str, spec: dict, path_params: list[dict]) -> dict:
    op: dict[str, Any] = {
        "operationId": f"{endpoint.replace('.', '_')}_{method.lower()}",
        "summary": spec["summary"],
        "tags": [spec["tag"]],
        "responses": _responses(spec),
    }
    if spec["description"]:
        op["description"] = spec["description"]
    parameters = path_params + spec["params"]
    if parameters:
        op["parameters"] = parameters
    if spec["body"] is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": spec["body"]}},
        }
    if spec["writes"]:
        op["security"] = [{"bearer": []}, {"cookie": [], "csrf": []}]
    return op


def specs_for(app: Flask, endpoint: str) -> dict[str, dict]:
    view = app.view_functions.get(endpoint)
    return getattr(view, "_openapi", None) or EXTERNAL.get(endpoint, {})


def api_rules(app: Flask):
    """Every route under /api/v1, sorted by path."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")),
        key=lambda rule: rule.rule,
    )


def document(app: Flask) -> dict:
    """The OpenAPI document of every route under /api/v1 (a route left undescribed is an error)."""
    paths: dict[str, dict] = {}
    for rule in api_rules(app):
        specs = specs_for(app, rule.endpoint)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        missing = [m for m in methods if m not in specs]
        if missing:
            raise LookupError(f"{rule.rule} {missing}: describe it with @operation")
        path, path_params = _path_and_params(rule.rule)
        item = paths.setdefault(path, {})
        for method in methods:
            item[method.lower()] = _operation(rule.endpoint, method, specs[method], path_params)
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
                "something send the CSRF token in an `X-CSRFToken` header."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(COMPONENTS.items())),
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
