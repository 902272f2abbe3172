"""Who is calling the API: a personal token (`Authorization: Bearer coal_...`) or the session.

A token request never reads or writes the cookie session: it gets a session that lives for
the request only (`RequestOnlySession`), so a cookie sent along is ignored, no cookie is set,
and Flask-Login's `request_loader` finds the person from the token. CSRF does not apply to
token requests (a page of another site cannot set the header); session-authenticated calls
that change something must send the CSRF token in an `X-CSRFToken` header (see `views`).
"""

from __future__ import annotations

from flask import Flask, Request, g
from flask.sessions import NullSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from ..account import tokens as api_tokens
from ..core.extensions import login_manager

API_PREFIX = "/api/"


def bearer_token(req: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header on an API path, else None."""
    if not req.path.startswith(API_PREFIX):
        return None
    scheme, _, value = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


class RequestOnlySession(NullSession):
    """A session for one token request: writable, never saved (Flask skips null sessions)."""

    def __setitem__(self, key, value) -> None:
        dict.__setitem__(self, key, value)

    def __delitem__(self, key) -> None:
        dict.__delitem__(self, key)

    def clear(self) -> None:
        dict.clear(self)

    def pop(self, key, *default):
        return dict.pop(self, key, *default)

    def popitem(self):
        return dict.popitem(self)

    def update(self, *args, **kwargs) -> None:
        dict.update(self, *args, **kwargs)

    def setdefault(self, key, default=None):
        return dict.setdefault(self, key, default)


class TokenAwareSessionInterface(SecureCookieSessionInterface):
    """Cookie sessions as usual, except for API requests that carry a bearer token."""

    _signing: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Flask builds the cookie's serializer anew for every request, to open the session
        # and again to save it; it holds nothing but its keys and settings, so it is built
        # once per secret key (and fallbacks).
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        signing = self._signing
        if signing is None or signing[0] != keys:
            signing = self._signing = (keys, super().get_signing_serializer(app))
        return signing[1]

    def open_session(self, app: Flask, request: Request):
        if bearer_token(request) is not None:
            return RequestOnlySession()
        return super().open_session(app, request)


def _load_user_from_token(req: Request):
    value = bearer_token(req)
    if not value:
        return None
    token = api_tokens.authenticate(value)
    if token is None:
        return None
    g.api_token = token
    return token.user


def current_token():
    """The token this request was authenticated with (None: the browser session)."""
    return g.get("api_token")


def init_app(app: Flask) -> None:
    if type(app.session_interface) is not SecureCookieSessionInterface:
        raise RuntimeError("API tokens expect Flask's default cookie session interface")
    app.session_interface = TokenAwareSessionInterface()
    login_manager.request_loader(_load_user_from_token)
