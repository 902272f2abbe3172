"""The layout's header and footer, rendered once per shape instead of on every page.

The header (navigation, the person's name and badge, sign-out) and the footer (the language
forms) take a tenth to a fifth of a signed-in page's time in Jinja: about sixty calls of
url_for, gettext, the policy and the request's attributes, the same result for every page
of the same shape. What makes two of them differ is in the key: the language, where the app
is mounted, the page (endpoint and blueprint: which item is current), whether someone is
signed in, their role as the policy sees it for the items it shows, and whether anything is
unread. What is the person's or the request's own (their name, the unread count, the CSRF
token, the page to come back to after choosing a language) is rendered as a marker and put
in for each request, escaped as Jinja would.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ..policy import can
from .i18n import current_language

# Markers no text of the app contains (NUL is not valid in HTML text or in a URL).
_NAME, _UNREAD, _CSRF, _NEXT = "\x00name\x00", "\x00unread\x00", "\x00csrf\x00", "\x00next\x00"
#: Shapes kept per app; far more than the app has (pages × roles × languages).
MAX_SHAPES = 4096
_SHAPES = "coalition.layout_shapes"


def _shape(key: Hashable, render: Callable[[], str]) -> str:
    shapes: dict[Hashable, str] = current_app.extensions[_SHAPES]
    found = shapes.get(key)
    if found is None:
        if len(shapes) >= MAX_SHAPES:
            shapes.clear()
        found = shapes[key] = render()
    return found


def layout_header() -> Markup:
    user = current_user._get_current_object()
    signed_in = bool(user.is_authenticated)
    unread = 0
    if signed_in:
        from ..notifications.service import unread_count

        unread = unread_count(user)
    key = (
        "header",
        current_language(),
        request.script_root,
        request.endpoint,
        request.blueprint,
        signed_in,
        signed_in and bool(user.is_coordinator),
        signed_in and can(user, "manage_consultation"),
        signed_in and can(user, "manage_people"),
        signed_in and can(user, "review_applications"),
        unread > 0,
    )
    html = _shape(
        key,
        lambda: render_template(
            "layout/header.html",
            person_name=_NAME,
            unread_count=_UNREAD if unread else 0,
            csrf=_CSRF,
        ),
    )
    if not signed_in:
        return Markup(html)
    return Markup(
        html.replace(_NAME, escape(user.full_name))
        .replace(_UNREAD, str(unread))
        .replace(_CSRF, escape(generate_csrf()))
    )


def layout_footer() -> Markup:
    key = ("footer", current_language(), request.script_root)
    html = _shape(key, lambda: render_template("layout/footer.html", csrf=_CSRF, next_path=_NEXT))
    next_path = request.full_path if request.query_string else request.path
    return Markup(html.replace(_CSRF, escape(generate_csrf())).replace(_NEXT, escape(next_path)))


def init_app(app: Flask) -> None:
    app.extensions[_SHAPES] = {}
    app.jinja_env.globals.update({"layout_header": layout_header, "layout_footer": layout_footer})
