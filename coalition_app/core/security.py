"""Response headers on every answer, and health endpoints for load balancers.

Flask-Talisman has had no release since 2023; these few headers are ours and tested.
"""

from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from ..policy import public
from .db import get_database
from .errors import render_error

# No inline script or style anywhere in the app: scripts and styles come from our own files.
# `data:` images are Bootstrap's SVG icons embedded in its CSS.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

#: On every answer (unless it set its own).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)

health = Blueprint("health", __name__)
#: The bodies werkzeug parses into `request.form` (any other leaves it empty).
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def init_app(app: Flask) -> None:
    app.register_blueprint(health)

    @app.before_request
    def _refuse_nul_characters() -> ResponseReturnValue | None:
        # No text field may hold NUL: PostgreSQL refuses it and SQLite truncates at it.
        values = [*request.args.values()]
        if request.mimetype in FORM_TYPES:  # no form to parse otherwise (a GET: most requests)
            values += request.form.values()
        if any("\x00" in value for value in values):
            return render_error(
                400, str(_l("Text cannot contain NUL characters. Remove them and retry."))
            )
        return None

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        # Each header unless the answer set its own: the names it has, read once (werkzeug's
        # setdefault scans them all, case-folding each, for every header added).
        present = {name.lower() for name, _value in headers.items()}
        missing = [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present]
        if current_app.config.get("HSTS_ENABLED") and "strict-transport-security" not in present:
            missing.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        headers.extend(missing)
        # Pages may carry personal data: no shared caches, nothing stored after sign-out.
        if response.mimetype == "text/html" and "cache-control" not in present:
            headers["Cache-Control"] = "no-store"
        return response


@health.get("/healthz")
@public
def healthz() -> Response:
    """The process is up (no database call: a load balancer polls this often)."""
    return jsonify(status="ok")


@health.get("/readyz")
@public
def readyz() -> ResponseReturnValue:
    """The database answers; 503 otherwise, so a load balancer stops sending traffic."""
    session = get_database().session
    try:
        # Through the request's session, as the pages go: same pool, same check of a connection.
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not ready", never a 500
        with suppress(Exception):
            session.rollback()
        current_app.logger.warning("readiness check failed", exc_info=True)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
