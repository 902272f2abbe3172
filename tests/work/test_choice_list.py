"""`core.fields.choice_list` writes what the templates' loop over a radio or checkbox list's
options wrote through WTForms' subfields, option for option."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, RadioField, SelectMultipleField
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget, RadioInput

from coalition_app.account.forms import ProfileForm, TokenForm
from coalition_app.core.fields import choice_list
from coalition_app.core.forms import choices as as_choices
from coalition_app.notifications.forms import EmailChoicesForm
from coalition_app.work.forms import ReviewForm

# The loop of templates/notifications/inbox.html and templates/work/deliverable.html, as it was.
LOOP = """{% for option in field %}
        <div class="form-check">{{ option(class_="form-check-input") }} {{ option.label(class_="form-check-label") }}</div>
        {% endfor %}"""  # noqa: E501 (the template's line as it was)
INDENT = "        "
CHOICES = as_choices(
    [
        ("a", "Ana & <b>Beto</b>"),
        ("x\"y'<z>", 'Quote "q"'),
        ("", "Empty value"),
        ("c", ""),
    ]
)


def _compare(app, field) -> None:
    expected = app.jinja_env.from_string(LOOP).render(field=field)
    assert str(choice_list(field, INDENT)) == expected


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize(
    "formdata",
    [
        None,
        MultiDict(),
        MultiDict([("decision", "approve"), ("reopen", "2"), ("reopen", "3")]),
        MultiDict([("decision", "send_back"), ("reopen", "x")]),
    ],
)
def test_the_review_forms_options_are_the_templates(app, language, formdata):
    with app.test_request_context(headers={"Accept-Language": language}):
        form = ReviewForm(formdata=formdata, meta={"csrf": False})
        form.reopen.choices = as_choices([(2, "Task <two>"), (3, "Task & three"), (4, "Four")])
        form.validate()
        _compare(app, form.decision)
        _compare(app, form.reopen)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("chosen", [[], ["task_assigned"], ["task_assigned", "work_sent_back"]])
def test_the_inboxs_options_are_the_templates(app, language, chosen):
    with app.test_request_context(headers={"Accept-Language": language}):
        form = EmailChoicesForm(meta={"csrf": False})
        form.email.choices = as_choices(
            [
                ("task_assigned", "Assigned <to me>"),
                ("work_sent_back", "Sent back & more"),
                ("due_soon", "Due soon"),
            ]
        )
        form.email.data = chosen
        _compare(app, form.email)


@pytest.mark.parametrize("form_class", [ProfileForm, TokenForm])
def test_the_accounts_radio_lists_are_the_templates(app, form_class):
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        for field in form:
            if isinstance(field, RadioField):
                _compare(app, field)


@pytest.mark.parametrize("data", [None, "a", "x\"y'<z>", ""])
@pytest.mark.parametrize(
    "render_kw", [None, {"disabled": True}, {"data_role": "pick", "class": "ignored"}]
)
def test_radios_and_checkboxes_with_flags_and_attributes_are_the_templates(app, data, render_kw):
    class Choices(Form):
        one = RadioField(choices=CHOICES, validators=[DataRequired()], render_kw=render_kw)
        many = SelectMultipleField(
            choices=CHOICES,
            validators=[Optional()],
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            render_kw=render_kw,
        )
        plain = RadioField(choices=CHOICES, option_widget=RadioInput())

    with app.test_request_context():
        form = Choices(data={"one": data, "many": [data], "plain": data}, prefix="p-")
        for field in form:
            _compare(app, field)


def test_an_option_widget_of_its_own_goes_through_wtforms(app):
    class Marked(CheckboxInput):
        def __call__(self, field, **kwargs):
            return Markup("<i>") + super().__call__(field, **kwargs) + Markup("</i>")

    class Choices(Form):
        many = SelectMultipleField(choices=CHOICES, option_widget=Marked())

    with app.test_request_context():
        form = Choices(data={"many": ["a"]})
        assert "<i><input" in str(choice_list(form.many, INDENT))
        _compare(app, form.many)
