"""Coalition: the web application a national, multi-stakeholder AI coalition runs on."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, KeysView, MutableMapping
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask.templating import Environment
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import Config, config_from_environment
from models.base import MAX_ID

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class _TemplateGlobals(ChainMap):  # type: ignore[type-arg]
    """A template's globals (Jinja's ChainMap over the environment's), whose key set is a
    dict's: a template that imports macros (`{% from ... import %}`) has Jinja subtract it
    from the importing context's keys on every import, and ChainMap's abstract view looked
    each of the eighty-odd globals up in Python, some 850 calls an import."""

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class CoalitionEnvironment(Environment):
    """Flask's Jinja environment, with `_TemplateGlobals` as each template's globals."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _TemplateGlobals({} if d is None else d, self.globals)


class CoalitionFlask(Flask):
    """Flask, with its check for `async def` handlers and hooks made once per callable."""

    jinja_environment = CoalitionEnvironment

    #: Callables found plain (not coroutine functions); cleared when this large (bound
    #: methods made per request would otherwise pile up).
    MAX_KNOWN_SYNC = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._known_sync: set[Callable[..., Any]] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Flask asks inspect.iscoroutinefunction about every hook, context processor and
        # view of every request (about twenty times, each a few microseconds of unwrapping
        # partials and reading code flags); the answer for a callable never changes.
        known = self._known_sync
        try:
            if func in known:
                return func
        except TypeError:  # not hashable: asked every time
            return super().ensure_sync(func)
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            if len(known) >= self.MAX_KNOWN_SYNC:
                known.clear()
            known.add(func)
        return wrapped


def create_app(config: Config | None = None) -> Flask:
    """Build the app from a config object (by default, the one COALITION_ENV names)."""
    app = CoalitionFlask(__name__, template_folder=str(TEMPLATES_DIR))
    app.config.from_object(config if config is not None else config_from_environment())
    app.jinja_env.add_extension("jinja2.ext.do")
    # Every <int:...> in a route is a database key: a number beyond the keys' range is a
    # 404 at routing, never a query the database refuses (SQLite raises on it: a 500).
    app.url_map.converters["int"] = KeyConverter

    from .account import sign_in as login
    from .core import compression, db, i18n, layout, links, page_cache, security, static_files, urls
    from .core.errors import register_error_handlers

    compression.init_app(app)  # first: its hook runs last, on the finished answer
    static_files.init_app(app)
    urls.init_app(app)  # the templates' url_for, remembered (after static files' hashes)
    db.init_app(app)
    i18n.init_app(app)
    layout.init_app(app)
    login.init_app(app)
    register_error_handlers(app)
    links.init_app(app)  # BASE_URL, and the 400 page for a Host not in TRUSTED_HOSTS
    security.init_app(app)
    page_cache.init_app(app)
    _register_blueprints(app)

    from .core.cli import register_commands

    register_commands(app)

    from .policy import can

    app.jinja_env.globals["can"] = can

    from .core.url_patterns import url_pattern

    app.jinja_env.globals["url_pattern"] = url_pattern

    from .core.fields import form_field, hidden_tag

    app.jinja_env.globals["form_field"] = form_field
    app.jinja_env.globals["hidden_tag"] = hidden_tag  # `form.hidden_tag()`'s HTML

    from models import due_state

    def _due_state(day: date | None, today: date, done: bool = False) -> str | None:
        """Overdue or due soon, by the one rule (models.work.due_state) and DUE_SOON_DAYS."""
        state = due_state(day, today, app.config["DUE_SOON_DAYS"], done=done)
        return state.value if state else None

    app.jinja_env.globals["due_state"] = _due_state

    @app.context_processor
    def _inbox_count() -> dict:
        from flask import g

        from .notifications.service import unread_count

        # Only for a person already loaded by this request (never load one just for the
        # badge: the 503 page is rendered while the database is down).
        user = g.get("_login_user")
        if user is not None and user.is_authenticated:
            return {"unread_count": unread_count(user)}
        return {"unread_count": 0}

    from .core.errors import commit_or_answer

    # The request's one commit. Registered last, so it runs before the other after-request
    # hooks, which then see (and dress) whatever it answers.
    app.after_request(commit_or_answer)

    hops = int(app.config.get("PROXY_HOPS", 0))
    if hops > 0:
        # Behind that many trusted proxies, the client's address (the sign-in limits, the
        # audit trail) and scheme come from the X-Forwarded-For/-Proto entries those proxies
        # added; entries a client wrote itself are ignored. The host is not taken from the
        # headers: links leaving the app come from BASE_URL.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app


class KeyConverter(IntegerConverter):
    """`<int:...>` limited to database keys: 1 to `models.base.MAX_ID`."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _register_blueprints(app: Flask) -> None:
    from .account.views import bp as account_bp
    from .agenda.views import bp as agenda_bp
    from .api.blueprint import blueprint as api_blueprint
    from .api.views import bp as api_docs_bp
    from .applications.views import bp as applications_bp
    from .audit.views import bp as audit_bp
    from .comments.views import bp as comments_bp
    from .consultation.views import bp as consultation_bp
    from .directory.views import bp as directory_bp
    from .files.views import bp as files_bp
    from .groups.views import bp as groups_bp
    from .growth.views import bp as growth_bp
    from .home.views import bp as home_bp
    from .meetings.views import bp as meetings_bp
    from .network.views import bp as network_bp
    from .notifications.views import bp as notifications_bp
    from .people.views import bp as people_bp
    from .privacy.views import bp as privacy_bp
    from .public.views import bp as public_bp
    from .ties.views import bp as ties_bp
    from .work.views import bp as work_bp

    for blueprint in (
        account_bp,
        audit_bp,
        home_bp,
        network_bp,
        groups_bp,
        work_bp,
        comments_bp,
        files_bp,
        notifications_bp,
        directory_bp,
        people_bp,
        growth_bp,
        meetings_bp,
        ties_bp,
        applications_bp,
        privacy_bp,
        api_docs_bp,
        agenda_bp,
        consultation_bp,
        # The API: its plumbing, with the routes of every feature's `api.py` on it.
        api_blueprint(),
        public_bp,  # after the API's: it wraps the session interface the API installs
    ):
        app.register_blueprint(blueprint)
