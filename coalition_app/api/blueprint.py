"""`/api/v1/`: the blueprint and its plumbing. The routes live with their features.

Each feature's `api.py` (`directory`, `groups`, `work`, `growth`, `network`) registers its
routes on `bp` when imported; `blueprint()` imports them all and returns `bp`, ready for
`app.register_blueprint`. Here: token auth, the CSRF rule for session calls, the error
handlers (every error is `Error`, `api/schemas.py`: 409 adds `current_version`, 422 adds
`field`) and the OpenAPI document route.

Views are thin, as the pages are: load (through the same use cases and policy) → authorise →
validate (the request's model, `api/helpers.py`) → call the use case → answer the response's
model.
"""

from __future__ import annotations

from importlib import import_module

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, ConfigDict
from werkzeug.exceptions import HTTPException

from ..core.db import abandon_request
from ..core.errors import MESSAGES, DomainError, DomainErrors, EditConflict
from ..core.extensions import csrf
from ..policy import public
from . import auth
from .helpers import Invalid, answer
from .openapi import document, operation
from .schemas import Error, ErrorDetail, Problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token calls cannot be forged by another site; session calls are checked in `_check_csrf`.
csrf.exempt(bp)

#: The modules whose routes make up the API (each registers on `bp` when imported).
FEATURE_MODULES = (
    "coalition_app.directory.api",
    "coalition_app.groups.api",
    "coalition_app.work.api",
    "coalition_app.growth.api",
    "coalition_app.network.api",
    "coalition_app.agenda.api",
    "coalition_app.ties.api",
    "coalition_app.comments.api",
    "coalition_app.files.api",
    "coalition_app.meetings.api",
)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def blueprint() -> Blueprint:
    """The API blueprint with every feature's routes on it."""
    for name in FEATURE_MODULES:
        import_module(name)
    return bp


@bp.record_once
def _install_token_auth(state) -> None:
    auth.init_app(state.app)


@bp.before_request
def _check_csrf():
    """Session calls that change something carry the CSRF token in X-CSRFToken."""
    if (
        request.method in UNSAFE_METHODS
        and auth.current_token() is None
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()


@bp.after_request
def _not_stored(response):
    """API answers carry people's names (assignees, authors of updates): no shared cache, and
    nothing kept by the client's once it is done (as every page, `core.security`). A route
    that says otherwise (the network's, about institutions only) keeps its own."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- errors ----------------------------------------------------------------------------------


def error_response(status: int, message=None, **extra):
    """The `Error` answer of a status: its title, and `message` or the status's own. The
    request keeps nothing it wrote (as for pages, `core.errors`)."""
    abandon_request()
    title, default = MESSAGES.get(status, MESSAGES[500])
    body = Error(
        error=ErrorDetail(status=status, title=str(title), message=str(message or default), **extra)
    )
    response = jsonify(body.model_dump(mode="json", exclude_unset=True))
    response.status_code = status
    return response


def _problems(pairs) -> list[Problem]:
    return [
        Problem(field=field, message=str(message or MESSAGES[422][1])) for field, message in pairs
    ]


@bp.errorhandler(Invalid)
def _invalid(error: Invalid):
    problems = _problems(error.problems)
    if error.status == 422:
        return error_response(422, error.message, field=error.field, problems=problems)
    return error_response(error.status, error.message, problems=problems)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    """A use case's refusal; a `DomainErrors` lists every rule broken, not only the first."""
    broken = error.errors if isinstance(error, DomainErrors) else [error]
    problems = _problems((each.field, each.message) for each in broken)
    return error_response(422, str(error.message), field=error.field, problems=problems)


@bp.errorhandler(EditConflict)
def _conflict(error: EditConflict):
    return error_response(409, current_version=error.subject.version)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """As the app's handler, keeping the view's own explanation when it gave one."""
    if error.code is None or error.code < 400:
        return error
    detail = error.description if error.description != type(error).description else None
    return error_response(error.code, detail)


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError):
    return error_response(
        400, _("With the session, send the page's CSRF token in an X-CSRFToken header.")
    )


# --- the document -----------------------------------------------------------------------------


class OpenApiDocument(BaseModel):
    """An OpenAPI 3.1 document (its shape is OpenAPI's own: https://spec.openapis.org)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict
    paths: dict
    components: dict


@bp.get("/openapi.json")
@public
@operation(
    "GET",
    summary="This OpenAPI document",
    tag="meta",
    responses={200: ("The OpenAPI 3.1 document", OpenApiDocument)},
)
def openapi():
    return answer(served_document())


def served_document() -> OpenApiDocument:
    """The app's document (also rendered at /docs/api), built once per app: its routes and
    models do not change once it serves requests."""
    built = current_app.extensions.get("openapi_document")
    if built is None:
        built = current_app.extensions["openapi_document"] = OpenApiDocument.model_validate(
            document(current_app)
        )
    return built
