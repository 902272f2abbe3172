"""Languages: Spanish first, English second; the choice is kept in the session and profile."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, session
from flask_babel import format_date, format_datetime, format_decimal, format_number, get_locale
from flask_login import current_user

from .extensions import babel
from .labels import field_label, label, status_label_of

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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
