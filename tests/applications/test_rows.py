"""The groups' checkboxes written in Python (`applications.views.apply_group_checkboxes`,
`review_group_checkboxes`) are the markup the templates' loops wrote through WTForms, for
checked and unchecked options, after a POST and with names to escape."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from coalition_app.applications.forms import ApplyForm, ApproveForm
from coalition_app.applications.views import apply_group_checkboxes, review_group_checkboxes

# The templates' loops these functions replace, as they were.
APPLY_LOOP = """
          {% for option in form.groups %}
          <div class="form-check">
            {{ option(class_="form-check-input") }} {{ option.label(class_="form-check-label") }}
          </div>
          {% endfor %}
"""
REVIEW_LOOP = """
          {% for option in approve_form.groups %}
          <div class="form-check">{{ option(class_="form-check-input") }} {{ option.label(class_="form-check-label") }}</div>
          {% endfor %}
"""  # noqa: E501 (the template's lines as they were)
CHOICES = [(1, "Ética & <b>IA</b>"), (2, 'Dos "comillas"'), (30, "Tres")]


def _form(kind, data):
    if data is None:
        form = kind(formdata=None)
    else:
        form = kind(formdata=MultiDict([("groups", value) for value in data]))
    form.groups.choices = CHOICES
    if data is None:
        form.groups.data = [2, 30]
    return form


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("data", [None, [], ["1"], ["1", "30", "x"]])
def test_the_checkboxes_are_the_templates(app, language, data):
    with app.test_request_context(headers={"Accept-Language": language}):
        form = _form(ApplyForm, data)
        expected = app.jinja_env.from_string(APPLY_LOOP).render(form=form)
        assert ("checked" in expected) is (data != [])
        assert str(apply_group_checkboxes(form.groups)).strip() == expected.strip()
        approve_form = _form(ApproveForm, data)
        expected = app.jinja_env.from_string(REVIEW_LOOP).render(approve_form=approve_form)
        assert str(review_group_checkboxes(approve_form.groups)).strip() == expected.strip()


def test_no_groups_write_nothing(app):
    with app.test_request_context():
        form = ApplyForm(formdata=None)
        form.groups.choices = []
        assert str(apply_group_checkboxes(form.groups)) == ""
