"""Links that leave the app (e-mails, feeds) are built here, from the configured `BASE_URL`,
never from the request's Host header (which anyone can set).

- Production requires `BASE_URL` (config.py refuses to start without it) and answers only
  to its host and the names in `TRUSTED_HOSTS` (Flask's check); any other Host header gets
  the styled 400 page below.
- In development, with `BASE_URL` unset, the base is the address the development server
  listens on: werkzeug's server puts the socket it bound in `SERVER_NAME`/`SERVER_PORT`
  (`flask run --port 5101` gives http://127.0.0.1:5101), whatever Host the browser sends.
  Other servers (gunicorn) copy the Host header into `SERVER_NAME`, so for them, and outside
  a request (the CLI, cron), the base is `DEFAULT_BASE_URL`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import SecurityError

#: `make run`'s address: the base outside a request when BASE_URL is not set (development).
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError) -> ResponseReturnValue:
        """A Host header this site does not answer to (TRUSTED_HOSTS), or a malformed one:
        the styled 400 page. Flask could not bind the URL map to that host, so the page's
        own links are built against BASE_URL."""
        from .db import abandon_request
        from .errors import render_error

        abandon_request()
        if request_ctx.url_adapter is None:
            parts = base_url().split("://", 1)
            request_ctx.url_adapter = app.url_map.bind(
                parts[1].split("/", 1)[0], url_scheme=parts[0]
            )
        return render_error(
            400, str(_l("This site does not answer to that address. Check the address and retry."))
        )


def external_url(endpoint: str, **values: Any) -> str:
    """The full address of `endpoint` under BASE_URL, e.g. for an e-mail."""
    return absolute(url_for(endpoint, **values))


def absolute(path: str) -> str:
    """A path of this app (``/tasks/7``) as a full address under BASE_URL."""
    return base_url() + path


def base_url() -> str:
    """BASE_URL; unset (development), the development server's own address, or the default."""
    configured: str | None = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        served = served_address(request.environ)
        if served is not None:
            return served
    return DEFAULT_BASE_URL


def served_address(environ: Mapping[str, Any]) -> str | None:
    """The address werkzeug's development server is listening on, from the socket it bound
    (never from the Host header); None under any other server."""
    if not str(environ.get("SERVER_SOFTWARE", "")).startswith("Werkzeug/"):
        return None
    host = str(environ.get("SERVER_NAME", ""))
    host = _WILDCARDS.get(host, host)  # bound to every interface: this machine answers
    port = str(environ.get("SERVER_PORT", ""))
    scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    default_port = "443" if scheme == "https" else "80"
    return f"{scheme}://{host}" + ("" if port in ("", default_port) else f":{port}")
