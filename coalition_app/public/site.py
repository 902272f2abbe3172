"""The public site's plumbing: no session, the language from the address, shared caching, and
the registry of public pages the sitemap reads.

- **No session.** A public page is the same for everyone, so a shared proxy may keep it: its
  request gets a session that lives for the request only (`RequestOnlySession`, as API token
  requests do), so the cookie sent along is never read and none is ever set, signed in or out.
- **Language.** `?lang=es` or `?lang=en` chooses (the switcher's links, the canonical URLs);
  without it the browser's Accept-Language does (hence `Vary: Accept-Language`).
- **Caching.** `Cache-Control: public, max-age=300` with a weak ETag made of the "pages" data
  version, the coalition's day, the language and the address; a matching If-None-Match is
  answered 304 without rendering.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Request, Response, current_app, make_response, request, session
from flask.globals import request_ctx
from flask.sessions import SessionInterface
from flask.typing import ResponseReturnValue

from models import versions

from ..api.auth import RequestOnlySession
from ..core import clock
from ..core.db import get_database
from ..core.i18n import LOCALE_SESSION_KEY, current_language
from ..core.links import absolute
from ..policy import PUBLIC, View

MAX_AGE = 300
#: A view of the public site: the same page for every visitor (no session, shared caching).
PUBLIC_SITE = "public_site"


def public_page(view: View) -> View:
    """Declare a page of the public site: reachable signed out, and served without a session."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    setattr(view, PUBLIC_SITE, True)
    return view


def is_public_page(app: Flask, req: Request) -> bool:
    """Whether `req` is for a page declared `public_page` (matched before Flask routes it)."""
    try:
        # The request's own adapter, made with its context (building one costs as much as
        # the match); another request (a test's) gets one of its own.
        context = request_ctx._get_current_object() if request_ctx else None
        if context is not None and context.request is req and context.url_adapter is not None:
            adapter = context.url_adapter
        else:
            adapter = app.create_url_adapter(req)
        if adapter is None:
            return False
        endpoint, _args = adapter.match()
    except Exception:  # noqa: BLE001 - a 404, a redirect, a bad host: routed as usual later
        return False
    return bool(getattr(app.view_functions.get(str(endpoint)), PUBLIC_SITE, False))


class PublicSiteSessions(SessionInterface):
    """The app's session interface, except that public pages get a request-only session."""

    def __init__(self, inner: SessionInterface) -> None:
        self.inner = inner

    def open_session(self, app: Flask, request: Request) -> Any:
        if is_public_page(app, request):
            return RequestOnlySession()
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        self.inner.save_session(app, session, response)

    def make_null_session(self, app: Flask) -> Any:
        return self.inner.make_null_session(app)

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)


def install(app: Flask) -> None:
    if not isinstance(app.session_interface, PublicSiteSessions):
        app.session_interface = PublicSiteSessions(app.session_interface)


def chosen_language() -> str | None:
    """The language the address asks for (`?lang=`), if it names one of ours."""
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else None


def use_address_language() -> None:
    """Before a public page: the address's language, kept in the request-only session (the
    locale selector reads it there; nothing is saved)."""
    lang = chosen_language()
    if lang is not None and isinstance(session, RequestOnlySession):
        session[LOCALE_SESSION_KEY] = lang


@lru_cache(maxsize=16)
def _language_query(lang: str) -> str:
    # The same few languages on every link of every page: encoded once each.
    return f"?{urlencode({'lang': lang})}"


def url_in(lang: str | None, path: str | None = None, **args: str) -> str:
    """This page's address (or `path`) in `lang` (None: without a language, negotiated)."""
    if not args and not request.args:
        # The usual case, a page without a query string (a page writes some twenty links):
        # its language is the only value.
        return (path or request.path) + (_language_query(lang) if lang else "")
    values = {k: v for k, v in request.args.items(multi=False) if k != "lang"}
    values.update(args)
    if lang is not None:
        values["lang"] = lang
    query = urlencode(sorted((k, v) for k, v in values.items() if v))
    return (path or request.path) + (f"?{query}" if query else "")


def canonical_url(lang: str | None = None) -> str:
    """The page's full address under BASE_URL (never the Host header) in its language."""
    return absolute(url_in(lang or current_language()))


def etag() -> str:
    stamp = versions.version_stamp(get_database().session, versions.PAGES)
    parts = [stamp, clock.today().isoformat(), current_language(), request.full_path]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def cacheable(render: Callable[[], ResponseReturnValue]) -> Response:
    """Answer a public page: 304 if the visitor's copy is current, else `render()`'s response,
    with the headers a shared cache needs."""
    tag = etag()
    # Weak: the page is the same whatever its encoding, so compression (core/compression.py)
    # keeps the tag as it is and a browser's copy in any encoding matches.
    fresh = request.if_none_match.contains_weak(tag)
    response = Response(status=304) if fresh else make_response(render())
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Accept-Language")
    return response


# --- the pages the sitemap lists ---------------------------------------------------------------


@dataclass
class SitemapEntry:
    """A public page: its endpoint and values (both languages are listed)."""

    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)


#: Functions giving public pages for the sitemap. Another feature's public pages (positions,
#: the agenda) join with `sitemap_source`.
SITEMAP_SOURCES: list[Callable[[], Iterable[SitemapEntry]]] = []


def sitemap_source(
    source: Callable[[], Iterable[SitemapEntry]],
) -> Callable[[], Iterable[SitemapEntry]]:
    SITEMAP_SOURCES.append(source)
    return source


def sitemap_entries() -> list[SitemapEntry]:
    return [entry for source in SITEMAP_SOURCES for entry in source()]
