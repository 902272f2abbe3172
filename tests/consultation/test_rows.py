"""The consultation's rows written in Python (`consultation.views.statement_table_rows`) are
the markup the templates' loops wrote, for every branch and text to escape."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from coalition_app.consultation import views
from coalition_app.consultation.views import consultation_nav, pending_cards, statement_table_rows
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

# The queue's loop `pending_cards` replaces (`consultation/moderation.html`), as it was (its
# `{% else %}` stays in the template).
MODERATION_LOOP = """{% set approve_label, reject_label, duplicate_label = _("Approve"), _("Reject"), _("Duplicate of") %}
{% for s in pending %}
<div class="card mb-3" id="proposal-{{ s.id }}">
  <div class="card-body">
    <p class="fs-5 mb-1">{{ s.text_es }}</p>
    <p class="small text-body-secondary mb-2">{{ _("Participant %(number)s, %(date)s", number=s.proposed_by_id, date=format_datetime(s.created_at, "short")) }}</p>
    {% if errors.get(s.id) %}<div class="alert alert-danger py-2" role="alert">{{ errors[s.id] }}</div>{% endif %}
    {% if similar[s.id] %}
    <div class="alert alert-warning py-2"><strong>{{ _("Similar statements already shown:") }}</strong>
      <ul class="mb-0">{% for other, score in similar[s.id] %}<li>{{ other.text_es }} <span class="small">({{ _("%(percent)s%% alike", percent=(score * 100)|round|int) }})</span></li>{% endfor %}</ul>
    </div>
    {% endif %}
    {#- ModerationForm(prefix="m<id>"), written out once per statement (views._duplicate_options). #}
    {% set prefix = "m" ~ s.id %}
    <form method="post" action="{{ url_for('consultation.moderate', slug=consultation.slug, statement_id=s.id) }}" class="d-flex flex-wrap gap-2 align-items-end">
      {% if csrf_token_value %}<input id="{{ prefix }}-csrf_token" name="{{ prefix }}-csrf_token" type="hidden" value="{{ csrf_token_value }}">{% endif %}
      <button type="submit" name="{{ prefix }}-decision" value="approve" class="btn btn-success">{{ approve_label }}</button>
      <div>
        <label class="form-label small mb-0" for="{{ prefix }}-duplicate_of">{{ duplicate_label }}</label>
        <select class="form-select form-select-sm" id="{{ prefix }}-duplicate_of" name="{{ prefix }}-duplicate_of">{{ duplicate_options[s.id] }}</select>
      </div>
      <button type="submit" name="{{ prefix }}-decision" value="reject" class="btn btn-outline-danger">{{ reject_label }}</button>
    </form>
  </div>
</div>
{% endfor %}"""  # noqa: E501 (the template's lines as they were)


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


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("token", [None, "tok&en"])
def test_the_moderation_cards_are_the_templates(app, language, token):
    with app.test_request_context(headers={"Accept-Language": language}):
        other = SimpleNamespace(id=5, text_es="Otra <b>parecida</b> & más")
        pending = [
            SimpleNamespace(
                id=61, text_es="Una & <i>dos</i>", proposed_by_id=101,
                created_at=datetime(2026, 3, 4, 15, 30),
            ),
            SimpleNamespace(
                id=62, text_es="Sola", proposed_by_id=102, created_at=datetime(2026, 12, 1, 8, 5),
            ),
        ]  # fmt: skip
        similar = {61: [(other, 0.955), (other, 0.125)], 62: []}
        errors = {62: "Algo <mal> & error", "x": "no"}
        options = {61: Markup("<option>a</option>"), 62: Markup("<option>b &amp;</option>")}
        consultation = SimpleNamespace(slug="una-consulta")
        expected = app.jinja_env.from_string(MODERATION_LOOP).render(
            pending=pending, similar=similar, errors=errors, duplicate_options=options,
            csrf_token_value=token, consultation=consultation,
        )  # fmt: skip
        cards = pending_cards(pending, similar, errors, options, token, consultation.slug)
        assert str(cards).strip() == expected.strip()
