"""Busy pages and their parts, kept per data version instead of rebuilt on every request.

An entry is stored under a key made of everything it depends on: its template or path,
the arguments that vary (a group's slug, the language, the day) and the stamp of the
"pages" data version (`models.versions`), which is bumped in the same transaction as any
change to what shared pages show. So a change made through any server is seen at once by
every other one: each process keeps its own copies, but asks the database for the version
on every request. Entries also expire after ``PAGE_CACHE_TTL`` seconds, which bounds how
late a mark derived from the clock (a deliverable turning stale) can appear.

Two kinds of entry:

- `render_part`: a part shared by every viewer; it must hold nothing personal (no CSRF
  token, no viewer's name, nothing a policy check would hide from someone).
- `render_page`: a whole page for one browser session. Its key adds what the layout shows
  of the person (who they are, their unread count, their session's CSRF secret, so the
  forms' tokens stay theirs) and whatever the view passes. Pages carrying a one-time
  message (a flash) are never stored.

Nothing rendered inside a transaction that changed watched data is stored (it would show
rows that may yet be rolled back).

A view opts a page in by returning ``render_page(key, render)``: `key` must hold whatever
the page shows that neither a data version nor what is added here captures (a choice of the
person's, the network snapshot). ``PAGE_CACHE_ENABLED`` turns both kinds off (the default
in development, so that a template edit shows at once): every request then renders, and
nothing is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask import session as cookie_session
from flask_login import current_user
from markupsafe import Markup

from models.versions import PAGES, bumped_in_this_transaction, version_stamp

from ..notifications.service import unread_count
from . import clock
from .db import session
from .i18n import current_language
from .stores import MemoryBackend

EXTENSION = "page_cache"


def init_app(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_ENABLED", False)
    app.config.setdefault("PAGE_CACHE_TTL", 300)
    app.config.setdefault("PAGE_CACHE_MAX_BYTES", 32 * 1024 * 1024)
    app.extensions[EXTENSION] = MemoryBackend(
        max_items=10_000, max_bytes=int(app.config["PAGE_CACHE_MAX_BYTES"])
    )


def render_part(
    template: str, key: tuple[Hashable, ...], context: Callable[[], Mapping[str, Any]]
) -> Markup:
    """Return `template` rendered with `context()`, from the cache when `key` is known.

    `context` is only called on a miss, so the queries behind it run once per version.
    """
    if not enabled():
        return Markup(render_template(template, **context()))
    return Markup(_cached(("part", template, *key), lambda: render_template(template, **context())))


def render_page(key: tuple[Hashable, ...], render: Callable[[], str]) -> str | bytes:
    """Return the page `render()` makes for this request, from the cache when it is known:
    then as the UTF-8 bytes kept (Flask sends bytes as they are; decoding the network page's
    180 KB to encode it again for the answer cost about a tenth of its cached view).

    `key` holds what the page shows that this module cannot see (for example whether
    the person gets the group's digest); the signed-in person, their unread count, the
    language, the day and the path with its query are added here.
    """
    if not enabled():
        return render()
    secret = cookie_session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not secret or "_flashes" in cookie_session or not current_user.is_authenticated:
        return render()
    full_key = (
        "page",
        request.full_path,
        clock.today(),
        current_language(),
        current_user.id,
        hashlib.sha256(str(secret).encode()).hexdigest()[:32],
        unread_count(current_user),
        *key,
    )
    store = _store()
    stored_key = _full_key(full_key)
    cached = store.get(stored_key)
    if cached is not None:
        g.setdefault(_SERVED, stored_key)
        return cached
    return _render_and_keep(stored_key, render, whole_page=True)


# --- compressed copies of whole pages (`core.compression`) -----------------------------------
#
# A page served from the cache is the same text for the same key, so its compressed form is
# too: Flask-Compress keeps one per encoding (its cache backend, below) next to the page, and
# a browser's next view of it costs no compression (brotli spends about a millisecond on the
# network page's 180 KB). A copy is only read when this request's page came from the cache,
# only written when it came from (or was just stored in) the cache, and dropped whenever the
# page is stored again (an entry past its PAGE_CACHE_TTL, rendered anew).

#: In flask.g: the key of the page this request served from the cache, or stored in it.
_SERVED, _STORED = "page_cache_served", "page_cache_stored"
#: The encodings a copy may be kept in (Flask-Compress's names).
ENCODINGS = ("br", "zstd", "gzip", "deflate")


def served_page_key(_request: Any = None) -> str:
    """Flask-Compress's cache key: the page cache's key of this answer's page, else ""."""
    return str(g.get(_SERVED) or g.get(_STORED) or "")


class CompressedCopies:
    """Flask-Compress's cache backend: compressed copies of the pages the page cache serves
    (its key is ``"<encoding>;<served_page_key()>"``)."""

    def get(self, key: str) -> bytes | None:
        encoding, _, page = key.partition(";")
        if not page or g.get(_SERVED) != page:
            return None
        copy = _store().get(f"{page}\x1f{encoding}")
        g.page_cache_copy_served = copy is not None
        return copy

    def set(self, key: str, value: bytes) -> None:
        encoding, _, page = key.partition(";")
        if not page or g.get("page_cache_copy_served") or page != served_page_key():
            return  # not a cached page, or the copy just read (Flask-Compress sets it again)
        _store().set(f"{page}\x1f{encoding}", value, int(current_app.config["PAGE_CACHE_TTL"]))


def _store() -> MemoryBackend:
    store: MemoryBackend = current_app.extensions[EXTENSION]
    return store


def enabled() -> bool:
    """Whether pages and parts are kept (``PAGE_CACHE_ENABLED``), read on every call so that
    a test may turn it off on a running app."""
    return bool(current_app.config["PAGE_CACHE_ENABLED"])


def _full_key(key: tuple[Hashable, ...]) -> str:
    return "\x1f".join(map(str, (*key, _pages_version())))


def _cached(key: tuple[Hashable, ...], render: Callable[[], str]) -> str:
    full_key = _full_key(key)
    cached = _store().get(full_key)
    if cached is not None:
        return cached.decode()
    return _render_and_keep(full_key, render)


def _render_and_keep(full_key: str, render: Callable[[], str], whole_page: bool = False) -> str:
    store = _store()
    html = render()
    if not bumped_in_this_transaction(session, PAGES):
        if whole_page:
            for encoding in ENCODINGS:  # copies of what was there before
                store.delete(f"{full_key}\x1f{encoding}")
            g.setdefault(_STORED, full_key)
        store.set(full_key, html.encode(), int(current_app.config["PAGE_CACHE_TTL"]))
    return html


def note_pages_version(stamp: str) -> None:
    """Keep the "pages" version read with the signed-in person (`account.service`), at the
    start of the request: an entry is then stored under a version no later than the data it
    was rendered from, never a stale page under a newer version."""
    g.pages_version = stamp


def _pages_version() -> str:
    # Asked once per request, however many entries the request reads: read with the person
    # when someone is signed in, else here.
    if "pages_version" not in g:
        g.pages_version = version_stamp(session, PAGES)
    version: str = g.pages_version
    return version
