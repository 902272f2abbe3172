"""The inbox's form: which kinds of notification a person also gets by e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class EmailChoicesForm(FlaskForm):
    email = SelectMultipleField(
        _l("E-mail me a copy when"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
