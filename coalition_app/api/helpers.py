"""What the features' API views share: read the request through its model, answer a model.

`parse_query(Model)` and `parse_body(Model)` validate with the model the operation declares
(so what is refused is what the document says); a refusal names the field and gives the
message of the field's `Refusal` (`api/schemas.py`), in the person's language.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import BadRequest, Forbidden

from ..core.forms import (
    CONTROL_CHARACTERS_MULTILINE,
    control_characters,
    control_characters_message,
)
from . import auth
from .schemas import Refusal, Refused

Model = TypeVar("Model", bound=BaseModel)

#: Characters no text the API receives may hold: the forms' rule (`core.forms.PlainText`), with
#: the line breaks of multi-line text (a note) allowed. PostgreSQL refuses NUL outright, and
#: XML, which the network's exports are, forbids most of the others.
CONTROL = CONTROL_CHARACTERS_MULTILINE


class Invalid(Exception):
    """A request whose shape is wrong, about one field: 422 (a body) or 400 (the query)."""

    def __init__(self, status: int, problems: list[tuple[str | None, Any]]) -> None:
        field, message = problems[0]
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.field = field
        #: Every refused field, in the order `_refusals` gives (the first is `field`).
        self.problems = problems


def answer(model: BaseModel, status: int = 200):
    """The JSON of a response model (Flask's JSON, as every other answer of the app)."""
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


def no_control_characters(value: str) -> str:
    """A pydantic validator for text fields (the same rule as every form's text fields)."""
    found = control_characters(value, multiline=True)
    if found:
        raise Refused(control_characters_message(found))
    return value


def require_write_scope() -> None:
    token = auth.current_token()
    if token is not None and not token.can_write:
        raise Forbidden(_("This token is read-only: create a read-write token to record progress."))


def parse_query(model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """The query string, validated by `model` (unknown parameters are ignored); else 400."""
    for value in request.args.values():
        if CONTROL.search(value):
            raise BadRequest(_("Control characters are not allowed."))
    try:
        return model.model_validate(request.args.to_dict(), context=context)
    except ValidationError as error:
        raise Invalid(400, _refusals(model, error)) from None


def parse_body(model: type[Model]) -> Model:
    """The JSON object of the body, validated by `model`; else 400 (not an object) or 422."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadRequest(_("Send a JSON object."))
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise Invalid(422, _refusals(model, error)) from None


def _refusals(model: type[BaseModel], error: ValidationError) -> list[tuple[str | None, Any]]:
    """Every refused field and its message: unknown fields first (by name), then the refused
    fields in the model's order, one message per field."""
    order = {name: i for i, name in enumerate(model.model_fields)}
    ranked = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else None
        unknown = problem["type"] == "extra_forbidden"
        ranked.append(((0, name or "") if unknown else (1, order.get(name, len(order))), problem))
    answers: list[tuple[str | None, Any]] = []
    seen: set[str | None] = set()
    for _key, problem in sorted(ranked, key=lambda item: item[0]):
        name = str(problem["loc"][0]) if problem["loc"] else None
        if name in seen:
            continue
        seen.add(name)
        answers.append((name, _message(model, name, problem)))
    return answers


def _message(model: type[BaseModel], name: str | None, problem: Any) -> Any:
    if problem["type"] == "extra_forbidden":
        return _("Unknown field: %(name)s.", name=name)
    cause = problem.get("ctx", {}).get("error")
    if isinstance(cause, Refused):  # the validator's own reason says most
        return str(cause)
    info = model.model_fields.get(name) if name else None
    refusals = [m for m in (info.metadata if info else []) if isinstance(m, Refusal)]
    return refusals[0].message if refusals else None
