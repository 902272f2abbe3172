"""Languages: Spanish first, English second; the choice is kept in the session and profile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale, dates, numbers, support
from flask import Flask, Request, current_app, g, has_request_context, request, session
from flask_babel import (
    Domain,
    format_date,
    format_datetime,
    get_locale,
    get_timezone,
)
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.utils import cached_property
from wtforms.i18n import messages_path

from .extensions import babel
from .labels import field_label, label, status_label_of

LOCALE_SESSION_KEY = "locale"


def select_locale() -> Locale:
    """The request's language, as the Locale Flask-Babel keeps for the request."""
    return _locale(_select_language())


@lru_cache(maxsize=16)
def _locale(identifier: str) -> Locale:
    # Made once per language: Flask-Babel parses the selector's answer anew for every
    # request otherwise (Babel then looks for the locale's data file on disk), unless it is
    # a Locale already.
    return Locale.parse(identifier)


def _select_language() -> str:
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
    locale = get_locale()
    return _identifier(locale) if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=64)
def _identifier(locale: Locale) -> str:
    # Babel builds the identifier anew on every str(); the layout asks for it several times.
    return str(locale)


#: Where a request keeps its (locale, translations), in flask.g.
_TRANSLATIONS = "_coalition_translations"


class RequestDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's message domain, with the translations looked up once per request and
    language.

    Flask-Babel finds them again through the request context for every message (about
    17 µs each, in Python code, lazy strings, form labels and templates alike), and a page
    shows hundreds of messages. The entry is only used while the language in force is the
    very locale it was made for, so `force_locale` (an e-mail in its reader's language) and
    `refresh()` are followed.
    """

    def get_translations(self) -> Any:
        try:
            # The request's flask.g, resolved once (each look-up through the proxy costs).
            state = vars(g._get_current_object())
        except RuntimeError:  # no app context: Flask-Babel's null translations
            return super().get_translations()
        cached = state.get(_TRANSLATIONS)
        if cached is None or cached[0] is not getattr(
            state.get("_flask_babel"), "babel_locale", None
        ):
            translations = super().get_translations()
            cached = state[_TRANSLATIONS] = (get_locale(), translations)
        return cached[1]


#: The app's one message domain ("messages").
DOMAIN = RequestDomain()


def _template_gettext() -> Callable[..., str]:
    """The templates' ``_()`` and ``gettext()``: Jinja's newstyle gettext, with a message
    without variables worked out once per catalogue.

    Jinja's own goes through ``_`` → ``gettext`` → the callable, each by ``Context.call``,
    then marks the text safe and formats it with no variables (``%%`` becomes ``%``): about
    three times the cost of the look-up, for the same text every time. A page shows one to
    several hundred messages. The memo keys on the catalogue object (one per language,
    kept for the process by Flask-Babel, and re-read after ``refresh()``) and on whether the
    template escapes (the e-mails' text templates do not). It takes the evaluation context,
    not the template's context as Jinja's does: whether the template escapes is all it reads,
    and a callable that takes the context makes Jinja hand it one with the block's or loop's
    variables copied in, on every call (about 2,900 calls a request on the network page).
    """
    memo: dict[tuple[Any, bool, str], str] = {}

    @pass_eval_context
    def gettext(__eval_ctx: Any, __string: str, **variables: Any) -> str:
        translations = DOMAIN.get_translations()
        escaped = bool(__eval_ctx.autoescape)
        if variables:
            text = translations.ugettext(__string)
            return (Markup(text) if escaped else text) % variables
        key = (translations, escaped, __string)
        found = memo.get(key)
        if found is None:
            text = translations.ugettext(__string)
            found = memo[key] = (Markup(text) if escaped else text) % {}
        return found

    return gettext


# The templates' numbers and dates: the same text for the same value and language, so each
# is worked out once per process (Babel spends 20-30 µs on one, and lists show many).
@lru_cache(maxsize=8192)
def _decimal(number: Any, pattern: str | None, locale: Locale) -> str:
    return numbers.format_decimal(number, format=pattern, locale=locale)


@lru_cache(maxsize=8192)
def _date(day: date, pattern: str, locale: Locale) -> str:
    return dates.format_date(day, format=pattern, locale=locale)


def format_number_once(number: Any) -> str:
    """`flask_babel.format_number`, memoised."""
    return _decimal(number, None, get_locale())


def format_decimal_once(number: Any, format: str | None = None) -> str:  # noqa: A002
    """`flask_babel.format_decimal`, memoised."""
    return _decimal(number, format, get_locale())


def number_formatter(format: str | None = None) -> Callable[[Any], str]:  # noqa: A002
    """`format_decimal_once(number, format)` for the numbers of one table: the language looked
    up once, not for every number (each look-up cost about ten calls)."""
    locale = get_locale()

    def formatted(number: Any) -> str:
        return _decimal(number, format, locale)

    return formatted


def format_date_once(value: date | datetime | None = None, format: str | None = None) -> str:  # noqa: A002
    """`flask_babel.format_date`, memoised for dates (a moment depends on the zone: as is)."""
    if type(value) is not date:
        return str(format_date(value, format))
    return _date(value, format or "medium", get_locale())


def date_formatter(format: str = "medium") -> Callable[[date], str]:  # noqa: A002
    """`format_date_once(day, format)` for the dates of one table: the language looked up once,
    not for every date (each look-up cost about ten calls)."""
    locale = get_locale()

    def formatted(day: date) -> str:
        return _date(day, format, locale)

    return formatted


def format_datetime_once(value: datetime | None = None, format: str | None = None) -> str:  # noqa: A002
    """`flask_babel.format_datetime`, memoised per moment, pattern, language and the viewer's
    zone (what the text depends on); "now" (no moment) is formatted every time."""
    if type(value) is not datetime:
        return str(format_datetime(value, format))
    return _moment(value, format, get_locale(), get_timezone())


def datetime_formatter(format: str | None = None) -> Callable[[datetime], str]:  # noqa: A002
    """`format_datetime_once(moment, format)` for the moments of one list: the language and the
    viewer's zone looked up once, not for every moment (each look-up cost about 35 calls)."""
    locale, zone = get_locale(), get_timezone()

    def formatted(moment: datetime) -> str:
        return _moment(moment, format, locale, zone)

    return formatted


@lru_cache(maxsize=8192)
def _moment(moment: datetime, pattern: str | None, locale: Locale, zone: Any) -> str:
    # Only reached with this request's locale and zone, which Flask-Babel reads itself.
    return str(format_datetime(moment, pattern))


class CoalitionRequest(Request):
    """Flask's request, with WTForms' messages for its language loaded once per process."""

    @cached_property
    def wtforms_translations(self) -> support.NullTranslations:
        # Flask-WTF asks the request for this before it loads WTForms' catalogue from disk,
        # which it did for every request showing a form (about 0.16 ms).
        return wtforms_catalogue(str(get_locale()))


@lru_cache(maxsize=16)
def wtforms_catalogue(language: str) -> support.NullTranslations:
    """WTForms' own messages ("This field is required.") in `language`."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


def init_app(app: Flask) -> None:
    app.request_class = CoalitionRequest
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel's gettext, lazy_gettext and ngettext go through the domain it holds.
    babel.domain_instance = DOMAIN
    # The templates' _(), ngettext() and the like, straight to it.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: DOMAIN.get_translations().ugettext(s),
        ngettext=lambda s, p, n: DOMAIN.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: DOMAIN.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: DOMAIN.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    template_gettext = _template_gettext()
    app.jinja_env.globals.update({"gettext": template_gettext, "_": template_gettext})

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
            "format_date": format_date_once,
            "format_datetime": format_datetime_once,
            "format_number": format_number_once,
            "format_decimal": format_decimal_once,
        }
    )
