"""Form pieces shared by several blueprints."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class ActionForm(FlaskForm):
    """A form with no fields: a button that posts a CSRF token (sign-out, language switch)."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]
