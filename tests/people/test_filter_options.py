"""The people list's institution filter written in Python
(`people.views.institution_filter_options`) is the markup the template's loop wrote."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coalition_app.people.views import institution_filter_options

LOOP = (
    '{% for id, name in page.institutions %}<option value="{{ id }}" '
    "{% if q.institution == id %}selected{% endif %}>{{ name }}</option>{% endfor %}"
)


@pytest.mark.parametrize("chosen", [None, 2, 9])
def test_the_options_are_the_templates(app, chosen):
    institutions = [(1, "Uni <A> & co"), (2, "Other"), (3, "Third")]
    with app.test_request_context():
        expected = app.jinja_env.from_string(LOOP).render(
            page=SimpleNamespace(institutions=institutions),
            q=SimpleNamespace(institution=chosen),
        )
        assert str(institution_filter_options(institutions, chosen)) == expected
