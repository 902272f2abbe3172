"""Form pieces shared by every feature: the empty action form, choices, filters, and putting
a use case's message next to its field."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from .errors import DomainError


class ActionForm(FlaskForm):
    """A form with no fields: a button that posts a CSRF token (sign-out, language switch)."""


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value: object) -> object:
    """A field filter: surrounding spaces are never part of what someone meant to type."""
    return value.strip() if isinstance(value, str) else value


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Put a use case's message next to its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def require_action_form() -> None:
    """Refuse (400) a button's post whose CSRF token is missing or wrong."""
    if not ActionForm().validate_on_submit():
        abort(400)
