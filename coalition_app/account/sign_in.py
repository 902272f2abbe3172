"""Flask-Login wiring: load the signed-in person, and keep every page behind sign-in."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from ..core.extensions import csrf, limiter, login_manager
from ..policy import PUBLIC, declared_access
from . import service as accounts
from . import two_factor

#: Seconds of activity the idle timeout may overlook (it is counted in hours).
SEEN_AT_GRANULARITY = 60
# What a coordinator or chair who must turn on two-factor sign-in may still reach.
ENROLMENT_ENDPOINTS = frozenset(
    {"account.account_security", "account.enable_two_factor", "account.logout", "home.set_language"}
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    _check_limits_only_where_some_apply(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str):
        return accounts.load_active_user(user_id)

    @app.before_request
    def _require_sign_in():
        if request.endpoint is None or _is_public(app, request.endpoint):
            return None
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                from ..core.errors import render_error

                return render_error(401)  # an API client gets JSON, not the sign-in page
            return login_manager.unauthorized()
        if g.get("api_token") is not None:
            # A personal API token, checked just now: no cookie session to time. A person
            # who must turn on two-factor sign-in cannot go round it with a token.
            return _two_factor_enrolment_gate()
        if _session_timed_out():
            end_browser_session()
            flash(
                _l("Your session ended after a period of inactivity. Please sign in again."), "info"
            )
            return login_manager.unauthorized()
        now = int(time.time())
        if now - session.get("seen_at", 0) >= SEEN_AT_GRANULARITY:
            # Rewritten at most once a minute: a changed session is signed and sent back as
            # a new cookie, a cost every request would otherwise pay for nothing.
            session["seen_at"] = now
        return _two_factor_enrolment_gate()


def _check_limits_only_where_some_apply(app: Flask) -> None:
    """Flask-Limiter's check before every request, only while some limit may apply to any
    request: application, default, blueprint or meta limits, or the fallback ones.

    The app has none of them (`Limiter(default_limits=[])`): each limited view (sign-in,
    password reset, two-factor, the consultation's) counts its hits in its own decorator, so
    the check found nothing to count on every other request, for about a tenth of a
    millisecond each. If any such limit is ever configured (or Flask-Limiter renames what is
    read here), the check runs on every request again.
    """
    check = limiter._check_request_limit
    hooks = app.before_request_funcs.get(None, [])
    if check not in hooks:
        return

    def _check_request_limit() -> None:
        manager = limiter.limit_manager
        if (
            getattr(manager, "_application_limits", True)
            or getattr(manager, "_default_limits", True)
            or getattr(manager, "_blueprint_limits", True)
            or getattr(limiter, "_meta_limits", True)
            or getattr(limiter, "_in_memory_fallback", True)
        ):
            check()

    hooks[hooks.index(check)] = _check_request_limit


def end_browser_session() -> None:
    """Sign out of this browser: the session emptied (and no longer permanent), and the
    remember cookie an older sign-in may have left deleted with it."""
    session.clear()
    # After the clear: logout_user() asks for the remember cookie's deletion through the
    # session (Flask-Login reads it after the request), which the clear would have wiped.
    logout_user()


def _is_public(app: Flask, endpoint: str) -> bool:
    """Reachable without signing in: static files and the handlers declared `@public`."""
    return endpoint == "static" or declared_access(app.view_functions.get(endpoint)) == PUBLIC


def _two_factor_enrolment_gate():
    """Send a coordinator or chair who must turn on two-factor sign-in to do so first."""
    if request.endpoint in ENROLMENT_ENDPOINTS or not two_factor.enrolment_required(current_user):
        return None
    if request.path.startswith("/api/"):
        from ..core.errors import render_error

        return render_error(403, _l("Turn on two-factor sign-in (in the browser) to use the API."))
    flash(_l("Turn on two-factor sign-in to continue."), "warning")
    return redirect(url_for("account.account_security"))


def _session_timed_out() -> bool:
    """Idle for too long, or signed in for too long, whatever the activity."""
    now = int(time.time())
    config = current_app.config
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    return (
        now - seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - signed_in_at > config["SESSION_ABSOLUTE_TIMEOUT"]
    )
