"""The selects' quick widget writes what wtforms' own Select writes, option for option."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from coalition_app.core.forms import choices as as_choices
from coalition_app.work.forms import PlainOptionsSelect

CHOICES = as_choices(
    [
        ("", "Nobody yet"),
        (1, 'Ana "la Jefa" <Pérez> & Co.'),
        (2, "Beto (UNAM)"),
        ("x\"y'<z>", None),
        (True, "yes"),
        (False, "no"),
    ]
)


@pytest.mark.parametrize("chosen", ["", "1", "2", "x\"y'<z>", "True"])
def test_plain_options_write_the_same_html_as_wtforms(chosen):
    class Quick(Form):
        pick = SelectField(choices=CHOICES, validate_choice=False, widget=PlainOptionsSelect())

    class Usual(Form):
        pick = SelectField(choices=CHOICES, validate_choice=False, widget=Select())

    quick, usual = Quick(data={"pick": chosen}), Usual(data={"pick": chosen})
    attributes = {"class_": "form-select is-invalid", "aria-describedby": "pick-help"}
    assert str(quick.pick(**attributes)) == str(usual.pick(**attributes))
    assert 'selected value="' in str(quick.pick()) or chosen not in {"1", "2"}


def test_an_option_with_attributes_of_its_own_goes_the_usual_way():
    choices = [SelectChoice("a", "A", {"disabled": True}), SelectChoice("b", "B")]

    class Quick(Form):
        pick = SelectField(choices=choices, widget=PlainOptionsSelect())

    class Usual(Form):
        pick = SelectField(choices=choices, widget=Select())

    assert str(Quick(data={"pick": "b"}).pick()) == str(Usual(data={"pick": "b"}).pick())
