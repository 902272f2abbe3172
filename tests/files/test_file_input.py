"""The upload form's file input and label (`files.views.file_input`, the template's label) are what
WTForms writes for them, with and without errors and attributes."""

from __future__ import annotations

import pytest
from flask_wtf.file import FileField
from wtforms import Form
from wtforms.widgets import FileInput

from coalition_app.files.forms import UploadForm
from coalition_app.files.views import file_input

# templates/files/_list.html's label of the file field.
LABEL = '<label class="form-label" for="{{ form.file.id }}">{{ form.file.label.text }}</label>'
ATTRIBUTES = [
    {},
    {"class_": "form-control is-invalid", "accept": ".pdf,.png", "aria-describedby": "a b"},
    {"class_": 'x" <y>', "data_role": "pick", "required": False},
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
@pytest.mark.parametrize("validated", [False, True])
def test_the_upload_forms_file_input_is_wtforms(app, attributes, validated):
    with app.test_request_context(method="POST", data={}):
        form = UploadForm(meta={"csrf": False})
        if validated:
            assert not form.validate()
        assert str(file_input(form.file, **attributes)) == str(form.file(**attributes))
        label = app.jinja_env.from_string(LABEL).render(form=form)
        assert label == str(form.file.label(class_="form-label"))


@pytest.mark.parametrize("attributes", ATTRIBUTES)
def test_a_multiple_file_input_with_attributes_of_its_own_is_wtforms(app, attributes):
    class Files(Form):
        many = FileField(widget=FileInput(multiple=True), render_kw={"accept": "image/*"})

    with app.test_request_context():
        form = Files(prefix="p-")
        assert str(file_input(form.many, **attributes)) == str(form.many(**attributes))


def test_another_widget_goes_through_wtforms(app):
    class Marked(FileInput):
        def __call__(self, field, **kwargs):
            return super().__call__(field, **kwargs).replace("<input", "<input data-x")

    class Files(Form):
        one = FileField(widget=Marked())

    with app.test_request_context():
        form = Files()
        assert "data-x" in str(file_input(form.one))
