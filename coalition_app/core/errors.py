"""Errors: the ones use cases raise (a broken rule, a lost edit race) and the pages that
answer every HTTP error in the app's style, or as JSON for the API. Never a stack trace."""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from datetime import datetime

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from .db import abandon_request, commit_request, get_database
from .extensions import login_manager


class DomainError(Exception):
    """A rule was broken. `field` names the form field the message belongs next to."""

    def __init__(self, message: object, field: str | None = None) -> None:
        # `message`: a str or a lazy translation, shown with str().
        super().__init__(str(message))
        self.message = message
        self.field = field


class DomainErrors(DomainError):
    """Several rules broken at once, so a form shows every message in one answer (each next to
    its field, `core.forms.attach_error`); read as one error, it is the first."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = list(errors)


class EditConflict(Exception):
    """Someone saved the object after the form was loaded: nothing was overwritten."""

    def __init__(
        self, subject: object, changed_by: str | None, changed_at: datetime | None
    ) -> None:
        super().__init__(f"{subject!r} changed by {changed_by} at {changed_at}")
        self.subject = subject
        self.changed_by = changed_by
        self.changed_at = changed_at


MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check and retry.")),
    401: (_l("Sign-in needed"), _l("Please sign in to continue.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("There is nothing here. It may have moved or been removed.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("Someone else changed this in the meantime. Reload and retry.")),
    410: (_l("No longer available"), _l("This link has expired or was already used.")),
    413: (_l("Too large"), _l("What you sent is larger than this site accepts.")),
    422: (_l("Not accepted"), _l("Part of what you sent was refused. Correct it and retry.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a few minutes and try again."),
    ),
    500: (_l("Something went wrong"), _l("We could not finish this. Nothing was half-saved.")),
    503: (_l("Temporarily unavailable"), _l("The service is briefly unavailable. Please retry.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def render_error(code: int, detail: str | None = None) -> tuple[Response, int] | tuple[str, int]:
    title, message = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        body = {"error": {"status": code, "title": str(title), "message": detail or str(message)}}
        return jsonify(body), code
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def _roll_back() -> None:
    """Keep nothing of a failed request: its commit is skipped (the session's removal at
    teardown rolls back what it wrote) and what was to follow the commit is forgotten."""
    abandon_request()


def commit_or_answer(response: Response) -> Response:
    """The request's single commit (see `core.db`); a commit that fails gets a clear answer."""
    try:
        return commit_request(response)
    except (StaleDataError, IntegrityError):
        # Another request changed the same rows first: nothing of this one was kept.
        _roll_back()
        get_database().session.rollback()
        current_app.logger.info("Commit refused on %s %s", request.method, request.path)
        return make_response(render_error(409))
    except OperationalError as error:
        _roll_back()
        with suppress(Exception):
            get_database().session.rollback()
        return _busy(error) if is_busy(error) else _unavailable(error)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        _roll_back()
        return render_error(
            400,
            str(_l("The form expired or was sent from elsewhere. Reload the page and try again.")),
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        _roll_back()
        return render_error(error.code)

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError) -> Response:
        _roll_back()
        with suppress(Exception):  # the connection may already be gone
            get_database().session.rollback()
        return _busy(error) if is_busy(error) else _unavailable(error)

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception) -> ResponseReturnValue:
        # Undo whatever the failed request half-did before rendering anything.
        _roll_back()
        with suppress(Exception):
            get_database().session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)


#: SQLite's "busy" and "locked" (extended codes keep the primary code in the low byte).
_SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
#: PostgreSQL: lock_not_available, deadlock_detected, serialization_failure.
_POSTGRES_BUSY_STATES = frozenset({"55P03", "40P01", "40001"})

BUSY_MESSAGE = _l(
    "Not saved: many people are saving at this moment and this request could not wait its "
    "turn. Nothing of it was kept; please try again in a moment."
)


def is_busy(error: OperationalError) -> bool:
    """The database is up but a lock could not be had in time (SQLite's busy timeout, a
    PostgreSQL lock timeout or deadlock): a lost race, not an outage."""
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY_CODES
        return "locked" in str(original)
    return getattr(original, "sqlstate", None) in _POSTGRES_BUSY_STATES


def _busy(error: OperationalError) -> Response:
    """A write that waited its turn for the lock and still could not have it: a clear 409
    (nothing was kept; the form can be sent again), never a 503, never logged as an outage.
    409 rather than 503: the service is up and the next try normally passes, as after an edit
    conflict; 503 would tell monitoring, clients and people that the site is down."""
    current_app.logger.info(
        "Database busy on %s %s (a lock not had in time): answered 409",
        request.method,
        request.path,
    )
    response = make_response(render_error(409, str(BUSY_MESSAGE)))
    response.headers["Retry-After"] = "2"
    return response


def _unavailable(error: OperationalError) -> Response:
    """The database is down or unreachable: say so quickly (503) instead of hanging or
    showing a 500; the pool replaces dead connections once it is back (core/db.py)."""
    current_app.logger.warning(
        "Database unavailable on %s %s: %s", request.method, request.path, type(error).__name__
    )
    # Flask-Login's template context would try to load the person again (from the
    # database that is down): this page is rendered for nobody in particular.
    g._login_user = login_manager.anonymous_user()
    if _wants_json():
        response = render_error(503)[0]
        assert isinstance(response, Response)  # JSON: render_error answers with jsonify
    else:
        title, message = MESSAGES[503]
        response = make_response(
            render_template("errors/unavailable.html", code=503, title=title, message=message)
        )
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response
