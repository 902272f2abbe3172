"""The consultation's rows written in Python (`consultation.views.statement_table_rows`) are
the markup the templates' loops wrote, for every branch and text to escape."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coalition_app.consultation import views
from coalition_app.consultation.views import consultation_nav, statement_table_rows
from models import ConsultationStatus

# The template's loop this function replaces (`consultation/manage.html`), as it was.
MANAGE_LOOP = """
    {#- The labels looked up once for all the rows. #}
    {% set group_label, origin_label, actions_label = _('Working group'), _('Origin'), _('Actions') %}
    {% set by_participant, by_coordinators, edit_label = _("Proposed by a participant"), _("Coordinators"), _("Edit") %}
    {%- set edit_url = url_pattern('consultation.edit_statement', 'statement_id', slug=consultation.slug) %}
    {% for s in statements %}
    <tr>
      <th scope="row" class="fw-normal">{{ s.text_es }}{% if s.text_en %}<div class="small text-body-secondary" lang="en">{{ s.text_en }}</div>{% endif %}</th>
      <td data-label="{{ group_label }}">{{ (s.group_en if language == "en" else s.group_es) if s.group_es else "—" }}</td>
      <td data-label="{{ origin_label }}">{{ by_participant if s.proposed_by_id else by_coordinators }}</td>
      <td data-label="{{ actions_label }}"><a href="{{ edit_url(s.id) }}">{{ edit_label }}</a></td>
    </tr>
    {% endfor %}
"""  # noqa: E501 (the template's lines as they were)

# The template `consultation_nav` replaces (`consultation/_nav.html`), as it was.
NAV = """<nav aria-label="{{ _('Consultation pages') }}" class="mb-3">
  <ul class="nav nav-pills flex-wrap gap-1">
    {% for endpoint, label in [("consultation.results", _("Results")), ("consultation.manage", _("Prepare")), ("consultation.moderation", _("Moderation")), ("consultation.themes", _("Themes"))] %}
    {% if endpoint == "consultation.results" or can(current_user, "manage_consultation") %}
    <li class="nav-item"><a class="nav-link {% if request.endpoint == endpoint %}active{% endif %}" {% if request.endpoint == endpoint %}aria-current="page"{% endif %} href="{{ url_for(endpoint, slug=consultation.slug) }}">{{ label }}</a></li>
    {% endif %}
    {% endfor %}
    {% if consultation.status != "draft" %}<li class="nav-item"><a class="nav-link" href="{{ url_for('consultation.participate', slug=consultation.slug) }}">{{ _("Public page") }}</a></li>{% endif %}
  </ul>
</nav>"""  # noqa: E501 (the template's lines as they were)


def _statements() -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            id=1, text_es="Uno & <b>dos</b>", text_en=None, group_es=None, group_en=None,
            proposed_by_id=None,
        ),
        SimpleNamespace(
            id=22, text_es="Dos", text_en="Two <i>&</i>", group_es="Ética & <IA>",
            group_en="Ethics & <AI>", proposed_by_id=7,
        ),
        SimpleNamespace(
            id=333, text_es='Tres "comillas"', text_en="", group_es="Datos",
            group_en="Data", proposed_by_id=None,
        ),
    ]  # fmt: skip


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("statements", [_statements(), []], ids=["rows", "none"])
def test_the_statements_rows_are_the_templates(app, language, statements):
    with app.test_request_context(headers={"Accept-Language": language}):
        consultation = SimpleNamespace(slug="una-consulta")
        expected = app.jinja_env.from_string(MANAGE_LOOP).render(
            consultation=consultation, statements=statements, language=language
        )
        rows = statement_table_rows(statements, language, consultation.slug)
        assert str(rows).strip() == expected.strip()


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("manager", [True, False])
@pytest.mark.parametrize("status", ["draft", "open", "closed"])
@pytest.mark.parametrize("page", ["results", "manage", "moderation", "themes", "statement"])
def test_the_navigation_is_the_templates(app, monkeypatch, language, manager, status, page):
    path = f"/consultations/una-consulta/{page}" if page != "statement" else "/consultations"
    with app.test_request_context(path, headers={"Accept-Language": language}):
        monkeypatch.setattr(views, "can", lambda user, action, obj=None: manager)
        consultation = SimpleNamespace(slug="una-consulta", status=ConsultationStatus(status))
        expected = app.jinja_env.from_string(NAV).render(
            consultation=consultation, can=lambda user, action, obj=None: manager
        )
        assert str(consultation_nav(consultation)) == expected
