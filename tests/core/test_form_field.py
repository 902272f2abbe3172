"""The `field` macro's HTML, written in Python (core/fields.py): the same text, to the
character, as the Jinja macro it replaced (kept in field_macro_reference.html), for every kind of
field, with and without help, a limit, errors and a class, in both languages."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FileField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import (
    CheckboxInput,
    HiddenInput,
    ListWidget,
    NumberInput,
    RadioInput,
    html_params,
)

import coalition_app
from coalition_app.core import fields
from coalition_app.core.fields import (
    form_field,
    hidden_tag,
    html_attributes,
    render_label,
    render_widget,
)
from coalition_app.core.forms import Form, PlainText, choices
from coalition_app.work.forms import PlainOptionsSelect

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


# --- the widgets written without WTForms' `html_params` (core/fields.py) ---------------------


class Widgets(FlaskForm):
    class Meta:
        csrf = False

    text = StringField("Text <&>", validators=[DataRequired(), Length(max=20)])
    area = TextAreaField("Area", validators=[Length(min=2, max=30)], render_kw={"rows": 3})
    select = SelectField(
        "Select",
        choices=choices([("a", 'A "&" <b>'), ("", "None"), ("c", Markup("<i>c</i>"))]),
        validators=[DataRequired()],
    )
    groups = SelectField(
        "Groups",
        choices=[
            SelectChoice("1", "one", optgroup="One & two"),
            SelectChoice("2", "two", optgroup="One & two"),
            SelectChoice("3", "three", optgroup='Th"ree'),
        ],
    )
    options_kw = SelectField(
        "Kw", choices=[SelectChoice("x", "X", {"data-a": 'q"uote'}), SelectChoice("y", "")]
    )
    booleans = SelectField("Booleans", choices=choices([(True, "yes"), (False, "no")]), coerce=bool)
    plain = SelectField(
        "Plain", choices=choices([("1", "Uno"), ("2", "Dos & tres")]), widget=PlainOptionsSelect()
    )
    many = SelectMultipleField("Many", choices=choices([("1", "Uno"), ("2", "Dos")]))
    radio = RadioField("Radio", choices=choices([("1", "Uno"), ("2", "Dos")]))
    agree = BooleanField("Agree", validators=[DataRequired()])
    secret = PasswordField("Secret", validators=[DataRequired()])
    hidden = HiddenField()
    version = IntegerField(widget=HiddenInput())
    number = IntegerField("Number", validators=[NumberRange(1, 9)])
    stepped = IntegerField("Stepped", widget=NumberInput(step=2, min=0, max=10))
    email = EmailField("Email")
    url = URLField("URL")
    tel = TelField("Tel")
    day = DateField("Day")
    bounded = DateField("Bounded", render_kw={"min": date(2026, 1, 2), "max": "2027-01-01"})
    time = TimeField("Time")
    upload = FileField("File")


DATA = {
    "text": 'Ana "<x>" & Co',
    "area": "Línea 1\nLínea 2 <b>",
    "select": "a",
    "groups": "2",
    "options_kw": "x",
    "booleans": True,
    "plain": "2",
    "many": ["1", "2"],
    "radio": "2",
    "agree": True,
    "secret": "hunter2",
    "hidden": Markup('"already" &amp; safe'),
    "version": 3,
    "number": 5,
    "email": "a@b.c",
    "day": None,
}

KWARGS = [
    {},
    {"class_": "form-control is-invalid", "maxlength": False, "aria-invalid": "true"},
    {"class_": "x", "aria_describedby": "a b", "data_limit": 200, "required": False},
    {"id": "other", "value": 'v"<>', "data-x": Markup('<m "q">'), "disabled": True},
]


def test_the_attributes_are_wtforms_html_params():
    for attributes in (
        {},
        {"b": 1, "a_": "x", "data_a_b": '"q"', "aria_x": Markup('<"m">'), "t": True, "f": False},
        {"class": "a & b", "for": "<id>", "value": None, "n": 0},
    ):
        assert html_attributes(attributes) == str(html_params(**attributes))


@pytest.mark.parametrize("data", [None, DATA])
@pytest.mark.parametrize("kwargs", KWARGS)
def test_every_widget_is_wtforms_html(app, data, kwargs):
    with app.test_request_context("/"):
        form = Widgets(formdata=None, data=data)
        assert hidden_tag(form) == form.hidden_tag()
        for f in form:
            assert render_widget(f, **kwargs) == f(**kwargs), f.name
            assert render_label(f, "form-label") == f.label(class_="form-label"), f.name


def test_after_a_post_the_typed_values_are_wtforms_html(app):
    posted = MultiDict(
        [("text", '<typed "x">'), ("area", "a\r\nb"), ("select", "zz"), ("many", "2")]
    )
    with app.test_request_context("/", method="POST"):
        form = Widgets(formdata=posted)
        form.validate()
        for f in form:
            assert render_widget(f, class_="c") == f(class_="c"), f.name


def _wtforms(f, **kwargs) -> Markup:
    """The field's HTML as WTForms' own Meta renders it (an app form's Meta is core.fields')."""
    return Markup(DefaultMeta().render_field(f, kwargs))


def _wtforms_hidden_tag(form) -> Markup:
    """Flask-WTF's `hidden_tag`, each hidden field rendered by WTForms' own Meta."""
    return Markup("\n".join(str(_wtforms(f)) for f in form if isinstance(f.widget, HiddenInput)))


class RadioAndChecks(FlaskForm):
    answer = RadioField("Answer", choices=choices([("yes", "Sí & <b>"), ("no", "No")]))
    groups = SelectMultipleField(
        "Groups",
        choices=choices([("1", "Uno"), ("2", "Dos <i>")]),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class FastRadioAndChecks(RadioAndChecks, Form):
    pass


@pytest.mark.parametrize("data", [None, {"answer": "no", "groups": ["2"]}])
def test_radio_and_checkbox_options_are_wtforms_html_through_the_apps_forms(app, data):
    with app.test_request_context("/"):
        plain, fast = (
            RadioAndChecks(formdata=None, data=data),
            FastRadioAndChecks(formdata=None, data=data),
        )
        assert fast.hidden_tag() == plain.hidden_tag()
        for name in ("answer", "groups"):
            assert fast[name]() == plain[name]()
            for ours, theirs in zip(fast[name], plain[name], strict=True):
                for kwargs in KWARGS[:3]:
                    assert ours(**kwargs) == theirs(**kwargs)
                    assert render_widget(ours, **kwargs) == theirs(**kwargs)
        assert "checked" in str(fast.answer()) if data else "checked" not in str(fast.answer())
    assert fields._renderers[RadioInput] is fields._radio


def _app_forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(coalition_app.__path__, "coalition_app."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        kind = todo.pop()
        todo += kind.__subclasses__()
        if kind.__module__.startswith("coalition_app."):
            found.append(kind)
    return found


def test_every_field_of_the_apps_forms_is_wtforms_html(app):
    forms = _app_forms()
    assert len(forms) > 20
    rendered = 0
    with app.test_request_context("/"):
        for kind in forms:
            try:
                form = kind(formdata=None)
            except TypeError:  # a form built with arguments of its own
                continue
            assert hidden_tag(form) == _wtforms_hidden_tag(form), kind
            assert form.hidden_tag() == _wtforms_hidden_tag(form), kind
            for f in form:
                for kwargs in KWARGS[:3]:
                    assert render_widget(f, **kwargs) == _wtforms(f, **kwargs), (kind, f.name)
                    assert f(**kwargs) == _wtforms(f, **kwargs), (kind, f.name)
                assert render_label(f, "form-label") == f.label(class_="form-label")
                rendered += 1
    assert rendered > 100


def test_the_apps_usual_widgets_are_written_in_python_and_the_others_by_wtforms(app):
    with app.test_request_context("/"):
        form = Widgets(formdata=None, data=DATA)
        for f in form:
            render_widget(f)
    written = {kind.__name__ for kind, renderer in fields._renderers.items() if renderer}
    assert {"TextInput", "TextArea", "Select", "PlainOptionsSelect", "CheckboxInput"} <= written
    assert {
        "PasswordInput",
        "HiddenInput",
        "EmailInput",
        "DateInput",
        "TimeInput",
        "NumberInput",
    } <= written
    assert fields._renderers[type(form.radio.widget)] is None  # a ListWidget: WTForms'
    assert fields._renderers[type(form.upload.widget)] is None  # FileInput's own __call__


def test_the_hidden_fields_with_the_csrf_token_are_flask_wtfs(csrf_app):
    from coalition_app.comments.forms import CommentForm, EditCommentForm

    with csrf_app.test_request_context("/"):
        for form in (CommentForm(formdata=None), EditCommentForm(formdata=None, prefix="c-1")):
            assert "csrf_token" in hidden_tag(form)
            assert hidden_tag(form) == form.hidden_tag()
