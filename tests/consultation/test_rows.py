"""The consultation's rows written in Python (`consultation.views.statement_table_rows`) are
the markup the templates' loops wrote, for every branch and text to escape."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coalition_app.consultation.views import statement_table_rows

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
