"""The people page's lists written in Python (`people.views.person_rows`, and the pickers'
`directory.views.institution_options`) are the markup the templates' loops wrote, for every
kind of row and text to escape."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coalition_app.directory.views import institution_options
from coalition_app.people.views import person_rows
from models import Role

# The templates' loops these functions replace, as they were.
PEOPLE_LOOP = """
      {% set t_email, t_institution, t_role, t_account = _("E-mail"), _("Institution"), _("Role"), _("Account") %}
      {# What every row repeats, worked out once: fifty rows of url_for, gettext and the CSRF
         token cost more than the rest of the page. #}
      {% set t_change, t_deactivate, t_inactive, t_reactivate, t_end = _("Change"), _("Deactivate"), _("Inactive"), _("Reactivate"), _("End all sessions") %}
      {% set csrf = csrf_token() %}
      {% set role_options = [] %}{% for r in roles %}{% do role_options.append((r.value, label(r))) %}{% endfor %}
      {% set profile_url = url_pattern('directory.profile', 'institution_id') %}
      {% set set_role_url = url_pattern('people.set_role', 'user_id') %}
      {% set set_active_url = url_pattern('people.set_active', 'user_id') %}
      {% set end_sessions_url = url_pattern('people.end_sessions', 'user_id') %}
      {% for p in people %}
        <tr id="person-{{ p.id }}" class="{{ '' if p.is_active else 'text-body-secondary' }}">
          <td class="fw-semibold">{{ p.full_name }}</td>
          <td class="small text-break" data-label="{{ t_email }}">{{ p.email }}</td>
          <td class="small" data-label="{{ t_institution }}"><a href="{{ profile_url(p.institution_id) }}">{{ p.institution_label }}</a></td>
          <td data-label="{{ t_role }}">
            <form method="post" action="{{ set_role_url(p.id) }}" class="d-flex gap-1 m-0">
              <input type="hidden" name="csrf_token" value="{{ csrf }}">
              <input type="hidden" name="next" value="{{ back }}">
              <label class="visually-hidden" for="role-{{ p.id }}">{{ _("Role of %(name)s", name=p.full_name) }}</label>
              <select class="form-select form-select-sm" name="role" id="role-{{ p.id }}">
                {% for value, name in role_options %}<option value="{{ value }}" {% if p.role == value %}selected{% endif %}>{{ name }}</option>{% endfor %}
              </select>
              <button type="submit" class="btn btn-sm btn-outline-secondary">{{ t_change }}</button>
            </form>
          </td>
          <td data-label="{{ t_account }}">
            <form method="post" action="{{ set_active_url(p.id) }}" class="m-0">
              <input type="hidden" name="csrf_token" value="{{ csrf }}">
              <input type="hidden" name="next" value="{{ back }}">
              {% if p.is_active %}
                <input type="hidden" name="active" value="0">
                <button type="submit" class="btn btn-sm btn-outline-danger">{{ t_deactivate }}</button>
              {% else %}
                <input type="hidden" name="active" value="1">
                <span class="badge text-bg-secondary">{{ t_inactive }}</span>
                <button type="submit" class="btn btn-sm btn-outline-success">{{ t_reactivate }}</button>
              {% endif %}
            </form>
            {% if p.is_active %}
            <form method="post" action="{{ end_sessions_url(p.id) }}" class="m-0 mt-1">
              <input type="hidden" name="csrf_token" value="{{ csrf }}">
              <input type="hidden" name="next" value="{{ back }}">
              <button type="submit" class="btn btn-sm btn-link p-0">{{ t_end }}</button>
            </form>
            {% endif %}
          </td>
        </tr>
      {% else %}
        <tr><td colspan="5" id="people-none">{{ _("No one matches this search.") }}</td></tr>
      {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)
OPTIONS_LOOP = """
          {% for i in invitable %}<option value="{{ i.name }}">{{ i.acronym or "" }}</option>{% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)


def _person(id, full_name, email, is_active, role, institution_id, institution_label):
    return SimpleNamespace(
        id=id,
        full_name=full_name,
        email=email,
        is_active=is_active,
        role=role,
        institution_id=institution_id,
        institution_label=institution_label,
    )


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_person_rows_are_the_templates(app, language):
    people = [
        _person(1, "Ana <b> & co", "ana@example.org", True, Role.COORDINATOR, 3, "A&B"),
        _person(2, "Bea", "b<e>a@example.org", False, Role.MEMBER, 4, "Uni <x>"),
        _person(33, 'Carla "Q"', "c@example.org", True, Role.MEMBER, 5, "C'o"),
    ]
    roles = [Role.MEMBER, Role.COORDINATOR]
    back = "/people?q=a&b=<c>"
    with app.test_request_context(headers={"Accept-Language": language}):
        expected = app.jinja_env.from_string(PEOPLE_LOOP).render(
            people=people, roles=roles, back=back, csrf_token=lambda: "to&ken"
        )
        written = str(person_rows(people, roles, back, "to&ken"))
        assert str(person_rows([], roles, back, "t")) == ""
    assert "text-body-secondary" in expected and "&lt;b&gt;" in expected
    assert written.strip() == expected.strip()


def test_the_institution_options_are_the_templates(app):
    invitable = [
        SimpleNamespace(name="Uni <A> & co", acronym="U&A"),
        SimpleNamespace(name="Sin sigla", acronym=None),
        SimpleNamespace(name='Comillas "x"', acronym=""),
    ]
    with app.test_request_context():
        expected = app.jinja_env.from_string(OPTIONS_LOOP).render(invitable=invitable)
        assert str(institution_options(invitable)) == expected.strip()
        assert str(institution_options([])) == ""
