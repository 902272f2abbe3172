"""Languages: Spanish first, English second; the choice is kept in the session and profile."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, format_number, get_locale

from .extensions import babel
from .labels import field_label, label, status_label_of

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get(LOCALE_SESSION_KEY)
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    # Only a person already loaded for this request: asking Flask-Login to load one here would
    # query the database, which may be the very thing that is down (the 503 page).
    user = g.get("_login_user")
    if user is not None and user.is_authenticated and user.locale in languages:
        locale: str = user.locale
        return locale
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if has_request_context():
        # No choice made: the browser's Accept-Language picks, Spanish when it asks for neither.
        best = request.accept_languages.best_match(languages, default=default)
        return str(best)
    return default


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    # Globals rather than a context processor: imported macros see globals too.
    app.jinja_env.globals.update(
        {
            "current_language": current_language,
            "languages": app.config["LANGUAGES"],
            "status_label": label,
            "label": label,
            "field_label": field_label,
            "status_label_of": status_label_of,
            "parse_date": date.fromisoformat,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "format_number": format_number,
            "format_decimal": format_decimal,
        }
    )
