"""The inbox's form: which kinds of notification a person also gets by e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import Form


class EmailChoicesForm(Form):
    email = SelectMultipleField(
        _l("E-mail me a copy when"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
