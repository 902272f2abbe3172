"""The directory's rows written in Python (`directory.views.directory_rows`) are the markup
the template's loop wrote, for founders, former members, missing states and text to escape."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coalition_app.directory.views import directory_rows, filter_options

# The template's loop this function replaces, as it was.
LOOP = """
    {% set t_founder, t_sector, t_state, t_since, t_membership, t_active, t_former = _("Founder"), _('Sector'), _('State'), _('Member since'), _('Membership'), _("Active"), _("Former") %}
    {% set sector_names, state_names = {}, {} %}
    {% for s in page.sectors %}{% do sector_names.update({s.slug: s.name(lang)}) %}{% endfor %}
    {% for s in page.states %}{% do state_names.update({s.code: s.name(lang)}) %}{% endfor %}
    {% set profile_url = url_pattern('directory.profile', 'institution_id') %}
    {% for i in page.institutions %}
    <tr>
      <td><a href="{{ profile_url(i.id) }}">{{ i.name }}</a>{% if i.acronym and i.acronym != i.name %} <span class="text-body-secondary">({{ i.acronym }})</span>{% endif %}
        {% if i.is_founder %}<span class="badge text-bg-light">{{ t_founder }}</span>{% endif %}</td>
      <td data-label="{{ t_sector }}"><span class="sector-dot sector-{{ i.sector_slug }}" aria-hidden="true"></span> {{ sector_names[i.sector_slug] }}</td>
      <td data-label="{{ t_state }}">{{ state_names[i.state_code] if i.state_code else "—" }}</td>
      <td data-label="{{ t_since }}">{{ format_date(i.joined_on, "medium") }}</td>
      <td data-label="{{ t_membership }}">{% if i.active %}<span class="badge text-bg-success">{{ t_active }}</span>{% else %}<span class="badge text-bg-secondary">{{ t_former }}</span>{% endif %}</td>
    </tr>
    {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)


def _named(key: str, value: str, text: str) -> SimpleNamespace:
    return SimpleNamespace(**{key: value}, name=lambda lang: f"{text} <{lang}>")


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_rows_are_the_templates(app, language):
    page = SimpleNamespace(
        sectors=[_named("slug", "academia", "Academia & co"), _named("slug", "industry", "Ind")],
        states=[_named("code", "CMX", "Ciudad"), _named("code", "JAL", "Jalisco")],
        institutions=[
            SimpleNamespace(
                id=n,
                name=name,
                acronym=acronym,
                is_founder=founder,
                sector_slug=sector,
                state_code=state,
                joined_on=date(2020, n, 3),
                active=active,
            )
            for n, (name, acronym, founder, sector, state, active) in enumerate(
                [
                    ("Uni <A>", "UA", True, "academia", "CMX", True),
                    ("Same", "Same", False, "industry", None, False),
                    ("No acronym & co", None, False, "industry", "JAL", True),
                    ("Empty", "", True, "academia", "", False),
                ],
                start=1,
            )
        ],
    )
    with app.test_request_context(headers={"Accept-Language": language}):
        expected = app.jinja_env.from_string(LOOP).render(page=page, lang=language)
        assert str(directory_rows(page, language)).strip() == expected.strip()


OPTIONS_LOOP = (
    '{% for s in items %}<option value="{{ s.code }}" {% if chosen == s.code %}selected{% endif %}>'
    "{{ s.name(lang) }}</option>{% endfor %}"
)


@pytest.mark.parametrize("chosen", [None, "", "JAL", "XXX"])
def test_the_filter_options_are_the_templates(app, chosen):
    items = [_named("code", "CMX", "Ciudad & co"), _named("code", "JAL", "Jalisco")]
    with app.test_request_context():
        expected = app.jinja_env.from_string(OPTIONS_LOOP).render(
            items=items, chosen=chosen, lang="es"
        )
        assert str(filter_options(items, "code", chosen, "es")) == expected
