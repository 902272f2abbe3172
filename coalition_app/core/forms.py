"""Form pieces shared by every feature: the empty action form, choices, filters, the rules
every typed text follows (a length limit said before typing, no control characters), and
putting a use case's message next to its field."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import abort
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, SelectChoice, ValidationError
from wtforms import validators as wtforms_validators

from models.base import MAX_ID

from .errors import DomainError, DomainErrors
from .fields import FieldsMeta

# --- what text may hold ---------------------------------------------------------------------

#: Characters no text of ours may hold: the C0 and C1 control characters (NUL, ESC, ...,
#: DEL) except tab and newline, the UTF-16 surrogates (never text on their own) and the two
#: non-characters U+FFFE and U+FFFF. XML 1.0 forbids most of them, so one such character in an
#: institution's name would make the network's GEXF and GraphML exports unreadable; PostgreSQL
#: refuses NUL outright. Carriage return is also allowed in multi-line text (`MULTILINE`):
#: browsers send a textarea's line breaks as CR LF.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CONTROL_CHARACTERS_MULTILINE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)


def control_characters(text: str, multiline: bool = False) -> list[str]:
    """The forbidden characters in `text`, each once, in the order they first appear."""
    pattern = CONTROL_CHARACTERS_MULTILINE if multiline else CONTROL_CHARACTERS
    return list(dict.fromkeys(pattern.findall(text)))


def describe_characters(found: Iterable[str]) -> str:
    """How to name invisible characters in a message: U+001B, U+0007."""
    return ", ".join(f"U+{ord(character):04X}" for character in found)


def control_characters_message(found: Iterable[str]) -> str:
    return str(
        _l(
            "Remove the control characters (%(characters)s) from this text: they are invisible "
            "and break the exports. Tab and line breaks are allowed.",
            characters=describe_characters(found),
        )
    )


class Limit(wtforms_validators.Length):
    """At most `limit` characters, refused with a message that says how many were sent.

    The page shows the limit before anything is typed and counts as one types
    (`templates/macros/forms.html`, `static/js/limits.js`); the browser's `maxlength`, which
    cuts pasted text without a word, is never rendered (the flag is `limit`, not `maxlength`).
    """

    def __init__(self, limit: int, message: object = None) -> None:
        super().__init__(max=limit, message=message)
        self.limit = limit
        self.field_flags = {"limit": limit}

    def __call__(self, form: FlaskForm, field: Field) -> None:
        count = len(field.data or "")
        if count > self.limit:
            if self.message is not None:
                raise ValidationError(str(self.message))
            raise ValidationError(
                str(
                    _l(
                        "At most %(limit)s characters: this has %(count)s. Shorten it and save "
                        "again (nothing was saved).",
                        limit=format_number(self.limit),
                        count=format_number(count),
                    )
                )
            )


class PlainText(Limit):
    """The rule of every text field a person types in: at most `limit` characters and no
    control characters (tab and newline allowed; carriage return too when `multiline`).

    The CSV import (`directory/csv_io.py`) and the API's models (`api/helpers.py`) apply the
    same `control_characters` check; `tests/core/test_text_rules.py` walks every form.
    """

    def __init__(self, limit: int, multiline: bool = False, message: object = None) -> None:
        super().__init__(limit, message)
        self.multiline = multiline

    def __call__(self, form: FlaskForm, field: Field) -> None:
        super().__call__(form, field)
        found = control_characters(field.data or "", self.multiline)
        if found:
            raise ValidationError(control_characters_message(found))


# --- forms and fields -----------------------------------------------------------------------


class Form(FlaskForm):
    """The app's forms: Flask-WTF's, with their widgets written by `core.fields` (the same
    HTML as WTForms', for a fraction of the cost)."""

    class Meta(FieldsMeta):
        pass


class ActionForm(Form):
    """A form with no fields: a button that posts a CSRF token (sign-out, language switch)."""


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_id(value: object) -> int | None:
    """A select's coercion for a row id: None when nothing is chosen, -1 (refused by the use
    case with a message next to the field) for what is no id or beyond the keys' range, where
    the database itself would fail."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1
    return number if 0 < number <= MAX_ID else -1


def strip(value: object) -> object:
    """A field filter: surrounding spaces are never part of what someone meant to type."""
    return value.strip() if isinstance(value, str) else value


def newlines(value: object) -> object:
    """A filter for multi-line text: line breaks as LF, however the browser sent them (CR LF),
    so a text is counted as the page counted it and compared as it was stored."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Put a use case's message next to its field, or above the form when it names none; every
    message of a `DomainErrors`. A message in `Markup` (a link to what it names) stays markup."""
    if isinstance(error, DomainErrors):
        for each in error.errors:
            attach_error(form, each)
        return
    message = error.message if isinstance(error.message, Markup) else str(error.message)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        if message not in field.errors:
            field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def require_action_form() -> None:
    """Refuse (400) a button's post whose CSRF token is missing or wrong."""
    if not ActionForm().validate_on_submit():
        abort(400)
