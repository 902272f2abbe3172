"""Links that leave the app (e-mails, feeds) are built here, from the configured `BASE_URL`,
never from the request's Host header (which anyone can set)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """The full address of `endpoint` under BASE_URL, e.g. for an e-mail."""
    return absolute(url_for(endpoint, **values))


def absolute(path: str) -> str:
    """A path of this app (``/tasks/7``) as a full address under BASE_URL."""
    base_url: str = current_app.config["BASE_URL"]
    return base_url.rstrip("/") + path
