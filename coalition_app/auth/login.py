"""Flask-Login wiring: load the signed-in person, and keep every page behind sign-in."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import csrf, limiter, login_manager
from ..services import accounts

# Endpoints reachable without signing in. Everything else redirects to the sign-in page.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "static",
        "main.set_language",
        "health.healthz",
        "health.readyz",
        "directory.accept_invitation",
    }
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str):
        return accounts.load_active_user(user_id)

    @app.before_request
    def _require_sign_in():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
