"""`/docs/api`: the OpenAPI document the app serves, rendered as a page people can read.

The page is made from the same document as `/api/v1/openapi.json` (`openapi.document`, built
once per app), so it cannot say anything else: each operation with the credentials it needs,
its parameters and answers, then every schema with its fields. It is public, as the
document is.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from markupsafe import Markup

from ..core.i18n import current_language
from ..policy import public
from .blueprint import served_document

bp = Blueprint("api_docs", __name__)

REF_PREFIX = "#/components/schemas/"
#: A part of a type as the page shows it: text, and the schema it links to (or None).
Part = tuple[str, str | None]


def type_parts(schema: dict[str, Any]) -> list[Part]:
    """How a field's schema reads: "integer", "array of NetworkNode", "string | null"..."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return [(name, name)]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts: list[Part] = []
            for i, option in enumerate(schema[key]):
                if i:
                    parts.append((" | ", None))
                parts.extend(type_parts(option))
            return parts
    if "enum" in schema:
        return [(" | ".join(f'"{value}"' for value in schema["enum"]), None)]
    if "const" in schema:
        return [(f"{schema['const']!r}".lower() if schema["const"] in (True, False) else
                 f'"{schema["const"]}"', None)]  # fmt: skip
    kind = schema.get("type")
    if kind == "array" and "items" in schema:
        return [("array of ", None), *type_parts(schema["items"])]
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return [("object of ", None), *type_parts(schema["additionalProperties"])]
    text = kind if isinstance(kind, str) else " | ".join(kind or ["any"])
    if "format" in schema:
        text += f" ({schema['format']})"
    return [(text, None)]


def limits(schema: dict[str, Any]) -> str:
    """The bounds a field's schema sets (minimum, maximum, lengths), as a short note."""
    notes = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤")):
        if key in schema:
            notes.append(f"{sign} {schema[key]}")
    for key, word in (("minLength", "min. length"), ("maxLength", "max. length")):
        if key in schema:
            notes.append(f"{word} {schema[key]}")
    for key, word in (("minItems", "min. items"), ("maxItems", "max. items")):
        if key in schema:
            notes.append(f"{word} {schema[key]}")
    return ", ".join(notes)


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document, by tag then path, with what the page shows of it."""
    rows = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            security = operation.get("security", doc.get("security", []))
            rows.append(
                {
                    "anchor": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "tag": operation["tags"][0],
                    "summary": operation["summary"],
                    "description": operation.get("description", ""),
                    "public": security == [],
                    "csrf": any("csrf" in option for option in security),
                    "parameters": operation.get("parameters", []),
                    "body": _schema_of(operation.get("requestBody")),
                    "responses": [
                        (status, answer["description"], _schema_of(answer))
                        for status, answer in operation["responses"].items()
                    ],
                }
            )
    return sorted(rows, key=lambda row: (row["tag"], row["path"], row["method"]))


def _schema_of(part: dict[str, Any] | None) -> dict[str, Any] | None:
    if not part or "content" not in part:
        return None
    schema: dict[str, Any] = part["content"]["application/json"]["schema"]
    return schema


def _docs_content() -> dict[str, Any]:
    """What the page reads of the document, dumped once per app as the document is built
    once (issue 17: 47.6 -> 43.0 ms of CPU per view)."""
    content: dict[str, Any] | None = current_app.extensions.get("openapi_docs_content")
    if content is None:
        doc = served_document().model_dump(mode="json")
        content = current_app.extensions["openapi_docs_content"] = {
            "doc": doc,
            "operations": operations(doc),
            "schemas": doc["components"]["schemas"],
        }
    return content


def _docs_body() -> Markup:
    """The routes and schemas of the page, rendered once per app and language: they change
    only with the code, and show nothing of the viewer (issue 17: the tables were rendered on
    every view, 55 ms of CPU). In debug mode, where a template edit shows at once, every view
    renders them again."""
    content = _docs_content()
    if current_app.debug:
        return _render_docs_body(content)
    bodies: dict[str, Markup] = current_app.extensions.setdefault("openapi_docs_bodies", {})
    language = current_language()
    body = bodies.get(language)
    if body is None:
        body = bodies[language] = _render_docs_body(content)
    return body


def _render_docs_body(content: dict[str, Any]) -> Markup:
    return Markup(
        render_template("api/_docs_body.html", **content, type_parts=type_parts, limits=limits)
    )


@bp.get("/docs/api")
@public
def docs():
    return render_template("api/docs.html", doc=_docs_content()["doc"], body=_docs_body())
