"""The `field` macro's HTML, written in Python (core/fields.py): the same text, to the
character, as the Jinja macro it replaced (kept in field_macro_reference.html), for every kind of
field, with and without help, a limit, errors and a class, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField

from coalition_app.core.fields import form_field
from coalition_app.core.forms import PlainText, choices

# The macro as it stood before (templates/macros/forms.html, issue 17).
REFERENCE = (Path(__file__).parent / "field_macro_reference.html").read_text()


class Sample(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[PlainText(200)])
    body = TextAreaField("Body", validators=[PlainText(5000, multiline=True)])
    plain = StringField("Plain")
    kind = SelectField("Kind", choices=choices([("a", "A & B"), ("b", "<b>")]))
    agree = BooleanField("I agree")
    secret = PasswordField("Password", validators=[PlainText(128)])


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("name", ["name", "body", "plain", "kind", "agree", "secret"])
@pytest.mark.parametrize("invalid", [False, True])
@pytest.mark.parametrize(
    "help_, class_", [(None, ""), ("Say <why> & how", "col-md-6"), (Markup("<b>safe</b>"), "")]
)
def test_a_field_is_the_macro_to_the_character(app, language, name, invalid, help_, class_):
    with app.test_request_context(f"/?lang={language}"):
        from flask import session

        session["locale"] = language
        reference = app.jinja_env.from_string(REFERENCE.rstrip() + "{{ field(f, help_, class_) }}")
        form = Sample(formdata=None, data={"name": "Ana <x>", "body": "Hola"})
        f = form[name]
        if invalid:
            f.errors = ["Too long: <shorten> it.", "Another & more."]
        expected = reference.render(f=f, help_=help_, class_=class_)
        assert str(form_field(f, help_, class_)) == expected
        # Twice: the texts worked out once per language are the same the second time.
        assert str(form_field(f, help_, class_)) == expected
        if name in ("name", "body", "secret"):
            assert "data-limit" in expected and "char-limit-rule" in expected
