"""The home page's rows of deliverables written in Python (`home.views.home_work_rows`) are
the markup the template's loop wrote, for every status and due state and text to escape."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coalition_app.home.views import home_group_items, home_work_rows
from models import WorkStatus

# The template's loop this function replaces, as it was (in templates/home/index.html).
LOOP = """{% from "macros/work.html" import progress_bar, status_badge, due %}
    {#- What every row repeats, worked out once. -#}
    {% set t_group, t_due, t_status, t_progress, language = _('Working group'), _('Due'), _('Status'), _('Progress'), current_language() %}
    {%- set deliverable_url = url_pattern('work.deliverable', 'deliverable_id') %}
    {% for deliverable in deliverables %}
    <tr>
      <td><a class="fw-semibold" href="{{ deliverable_url(deliverable.id) }}">{{ deliverable.title }}</a></td>
      <td data-label="{{ t_group }}"><a href="{{ url_for('groups.detail', slug=deliverable.group.slug) }}">{{ deliverable.group.name(language) }}</a></td>
      <td data-label="{{ t_due }}">{{ due(deliverable.due_on, overview.today) }}</td>
      <td data-label="{{ t_status }}">{{ status_badge(deliverable.status) }}</td>
      <td data-label="{{ t_progress }}" class="progress-cell">{{ progress_bar(deliverable.progress, deliverable.title) }}</td>
    </tr>
    {% endfor %}"""  # noqa: E501 (the template's lines as they were)
GROUPS_LOOP = """          {% for summary in overview.groups %}
          <li class="list-group-item px-0">
            <div class="d-flex flex-wrap justify-content-between align-items-start gap-2">
              <div>
                <a class="fw-semibold" href="{{ url_for('groups.detail', slug=summary.group.slug) }}">{{ summary.group.name(lang) }}</a>
                <div class="small text-body-secondary">
                  {% if summary.leads %}{{ _("Led by") }} {{ summary.leads|join(", ") }}{% else %}{{ _("No lead institution yet") }}{% endif %}
                  {% if summary.chairs %}<br>{{ _("Chaired by") }} {{ summary.chairs|join(", ") }}{% endif %}
                </div>
              </div>
              <div class="text-sm-end small group-figures">
                <div>{{ ngettext("%(num)s institution", "%(num)s institutions", summary.member_count) }}</div>
                <div class="text-body-secondary">{{ ngettext("%(num)s deliverable due soon", "%(num)s deliverables due soon", summary.due_soon) }}</div>
                {% if summary.overdue %}<div class="text-danger-emphasis">{{ ngettext("%(num)s deliverable overdue", "%(num)s deliverables overdue", summary.overdue) }}</div>{% endif %}
              </div>
            </div>
          </li>
          {% endfor %}"""  # noqa: E501 (the template's lines as they were)
TODAY = date(2026, 6, 1)


def _deliverables() -> list[SimpleNamespace]:
    groups = [
        SimpleNamespace(slug="etica", name=lambda lang: f"Ética <{lang}> & más"),
        SimpleNamespace(slug="datos", name=lambda lang: f"Datos {lang}"),
    ]
    days = [date(2026, 5, 1), TODAY, date(2026, 6, 20), None, date(2027, 1, 1)]
    return [
        SimpleNamespace(
            id=n,
            title=["Plan", "A <b>bold</b> & plan", '"quoted"'][n % 3],
            group=groups[n % 2],
            due_on=days[n % len(days)],
            status=status,
            progress=[0, 45, 100][n % 3],
        )
        for n, status in enumerate([*WorkStatus, *WorkStatus], start=1)
    ]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_homes_rows_are_the_templates(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        deliverables = _deliverables()
        overview = SimpleNamespace(today=TODAY)
        expected = app.jinja_env.from_string(LOOP).render(
            deliverables=deliverables, overview=overview
        )
        assert "\n    " + str(home_work_rows(deliverables, TODAY)) == expected
        assert str(home_work_rows([], TODAY)) == ""


def _groups() -> list[SimpleNamespace]:
    cases = [
        (["AB", "C&D"], ["Ana <A>", "Beto"], 1, 0, 0),
        ([], [], 0, 1, 1),
        (["<X>", None], [], 5, 2, 3),
        ([], ["Solo & Co."], 2, 0, 2),
    ]
    return [
        SimpleNamespace(
            group=SimpleNamespace(slug=f"g{n}", name=lambda lang, n=n: f"Group <{n}> & {lang}"),
            leads=leads,
            chairs=chairs,
            member_count=members,
            due_soon=due_soon,
            overdue=overdue,
        )
        for n, (leads, chairs, members, due_soon, overdue) in enumerate(cases)
    ]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_homes_groups_are_the_templates(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        overview = SimpleNamespace(groups=_groups())
        expected = app.jinja_env.from_string(GROUPS_LOOP).render(overview=overview, lang=language)
        assert "          " + str(home_group_items(overview.groups, language)) == expected
