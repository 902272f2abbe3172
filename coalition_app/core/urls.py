"""The templates' `url_for`, remembered: the same endpoint and values give the same address.

Building an address is werkzeug's work on every call (about 10-15 µs: the rule's converters,
the query string, Flask's `url_defaults`), and a page builds dozens: the layout alone has
about twenty (its navigation, its styles and scripts, its forms), a list one or more per row.
Inside a request, an address relative to the app depends on nothing but the endpoint, its
values and where the app is mounted (``SCRIPT_NAME``): the app has no subdomains and no host
matching, and its one `url_defaults` hook (`core/static_files.py`) adds a static file's
content hash, which changes only when the file does (with ``DEBUG``, where it is followed,
static addresses are never remembered). So each (mount point, endpoint, values) is built
once per process and kept, up to ``URL_CACHE_SIZE`` of them, the oldest dropped first.

Not remembered, built by Flask as usual: outside a request (e-mails: external addresses),
anything asking for ``_external``, ``_scheme``, ``_anchor`` or ``_method``, a relative
endpoint (``.index``: it depends on the blueprint), values other than strings, numbers and
None (a list for a repeated query argument, an object), and addresses that fail to build (the
error is raised every time).
"""

from __future__ import annotations

from collections import OrderedDict
from types import NoneType
from typing import Any

from flask import Flask
from flask.globals import _cv_request

#: Addresses kept per process: the layout's and a few pages' rows; a bound on memory.
URL_CACHE_SIZE = 8192
#: The values an address is remembered for (their type is part of the key: True and 1 are
#: equal keys but different addresses).
_PLAIN = frozenset({str, int, float, bool, NoneType})


def init_app(app: Flask) -> None:
    """Give the templates the remembering `url_for` (call it after `static_files.init_app`)."""
    build = app.url_for
    remembered: OrderedDict[tuple[Any, ...], str] = OrderedDict()
    static_changes = bool(app.debug)

    def url_for(endpoint: str, /, **values: Any) -> str:
        request_context = _cv_request.get(None)
        if (
            request_context is None
            or endpoint[:1] == "."
            or (static_changes and endpoint == "static")
            or any(name[:1] == "_" for name in values)
        ):
            return build(endpoint, **values)
        types = tuple(map(type, values.values()))
        if not _PLAIN.issuperset(types):
            return build(endpoint, **values)
        adapter = request_context.url_adapter
        key = (adapter.script_name if adapter else None, endpoint, *values.items(), types)
        address = remembered.get(key)
        if address is None:
            address = build(endpoint, **values)
            remembered[key] = address
            if len(remembered) > URL_CACHE_SIZE:
                remembered.popitem(last=False)
        return address

    app.jinja_env.globals["url_for"] = url_for
