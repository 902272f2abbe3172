"""The work pages' pieces written in Python (`work.markup`) are the markup the macros of
templates/macros/work.html wrote, for every status, due state, kind of change and text to
escape, in Spanish and English."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from coalition_app.work import markup
from models import WorkStatus

# The macros as they were, before they handed their arguments to `work.markup`.
MACROS = """{% macro progress_bar(value, title) %}
<div class="progress" role="progressbar" aria-label="{{ _('Progress of %(title)s', title=title) }}" aria-valuenow="{{ value }}" aria-valuemin="0" aria-valuemax="100">
  <div class="progress-bar w-pct-{{ value }}">{{ value }}%</div>
</div>
{% endmacro %}

{% macro status_badge(status) %}
<span class="badge status-badge status-{{ status.value }}">{{ status_label(status) }}</span>
{% endmacro %}

{% macro due(day, today, done=False) %}
{% if day %}
  {% set state = due_state(day, today, done) %}
  <span class="text-nowrap {{ 'text-danger fw-semibold' if state == 'overdue' else '' }}">{{ format_date(day, "medium") }}{% if state == "overdue" %} · {{ _("overdue") }}{% elif state == "due_soon" %} · <span class="due-soon">{{ _("due soon") }}</span>{% endif %}</span>
{% else %}<span class="text-body-secondary">{{ _("No due date") }}</span>{% endif %}
{% endmacro %}

{% macro change_value(field, value) -%}
{%- if value is none -%}—
{%- elif field == "status" -%}{{ status_label_of(value) }}
{%- elif field == "progress" -%}{{ value }}%
{%- elif field == "reopened" -%}{{ value|join(", ") }}
{%- elif field == "archived" -%}{{ _("archived") if value else _("active") }}
{%- elif field == "progress_mode" -%}{{ _("derived from tasks") if value == "derived" else _("set by hand") }}
{%- elif field in ("due_on", "since", "ends_on") -%}{{ format_date(parse_date(value), "medium") }}
{%- elif field == "kind" -%}{{ label(value) }}
{%- else -%}{{ value }}{%- endif -%}
{%- endmacro %}

{% macro history_list(updates, show_task=False) %}
{% if updates %}
<ol class="history list-unstyled mb-0">
  {% for update in updates %}
  <li class="history-entry" id="update-{{ update.id }}">
    <div class="small text-body-secondary">
      <time datetime="{{ update.created_at.isoformat() }}">{{ format_datetime(update.created_at, "medium") }}</time>
      · {{ update.author.full_name if update.author else _("someone") }}
      {% if show_task and update.task %} · {{ _("task") }} <a href="{{ url_for('work.task', task_id=update.task.id) }}">{{ update.task.title }}</a>{% endif %}
    </div>
    {% if update.changes %}
    <ul class="mb-1 small">
      {% for field, pair in update.changes.items() %}
      <li><span class="fw-semibold">{{ field_label(field) }}</span>:
        {% if pair[0] is none and field in ("title", "status") %}{{ change_value(field, pair[1]) }} <span class="text-body-secondary">({{ _("created") }})</span>
        {% else %}{{ change_value(field, pair[0]) }} → {{ change_value(field, pair[1]) }}{% endif %}</li>
      {% endfor %}
    </ul>
    {% endif %}
    {% if update.note %}<p class="mb-1 note">{{ update.note }}</p>{% endif %}
    {% if update.evidence_url %}<p class="mb-1 small"><a href="{{ update.evidence_url }}" rel="noopener noreferrer nofollow">{{ _("Evidence") }}</a></p>{% endif %}
  </li>
  {% endfor %}
</ol>
{% else %}
<p class="text-body-secondary mb-0">{{ _("No history yet.") }}</p>
{% endif %}
{% endmacro %}
"""  # noqa: E501 (the template's lines as they were)
TODAY = date(2026, 6, 1)


def _macro(app, call: str, **values) -> str:
    """The macro's own output (a module's macro, without the text around the macros)."""
    macros = app.jinja_env.from_string(MACROS).make_module(values)
    return str(app.jinja_env.from_string("{{ " + call + " }}").render(m=macros, **values))


@pytest.fixture(params=["es", "en"])
def request_in(app, request):
    with app.test_request_context(headers={"Accept-Language": request.param}):
        yield app


@pytest.mark.parametrize("value", [0, 45, 100])
@pytest.mark.parametrize("title", ["Plan", "A <b>bold</b> & plan", '"quoted"'])
def test_the_progress_bar_is_the_macros(request_in, value, title):
    expected = _macro(request_in, "m.progress_bar(value, title)", value=value, title=title)
    assert str(markup.progress_bar(value, title)) == expected


@pytest.mark.parametrize("status", list(WorkStatus))
def test_the_status_badge_is_the_macros(request_in, status):
    assert str(markup.status_badge(status)) == _macro(
        request_in, "m.status_badge(status)", status=status
    )


@pytest.mark.parametrize(
    "day", [None, date(2026, 5, 1), TODAY, date(2026, 6, 10), date(2026, 12, 1)]
)
@pytest.mark.parametrize("done", [False, True])
def test_the_due_date_is_the_macros(request_in, day, done):
    expected = _macro(request_in, "m.due(day, today, done)", day=day, today=TODAY, done=done)
    assert str(markup.due(day, TODAY, done)) == expected
    if not done:
        assert str(markup.due(day, TODAY)) == _macro(
            request_in, "m.due(day, today)", day=day, today=TODAY
        )


def _updates() -> list[SimpleNamespace]:
    author = SimpleNamespace(full_name="Ana <Pérez> & Co.")
    task = SimpleNamespace(id=7, title="Task <i>seven</i> & more")
    changes = [
        {"title": (None, "A <title>"), "status": (None, "planned")},
        {"status": ("planned", "in_progress"), "progress": (10, 55)},
        {"reopened": (None, ["T <1>", "T & 2"]), "archived": (False, True)},
        {"archived": (True, False), "progress_mode": ("derived", "manual")},
        {"progress_mode": ("manual", "derived"), "due_on": ("2026-05-01", "2026-07-02")},
        {"since": (None, "2025-01-02"), "ends_on": ("2026-01-02", None)},
        {"kind": ("joint_project", "data_sharing"), "owner": ("Old <o>", "New & n")},
        {"description": ("", "Some text"), "title": ("Old", "New")},
        {},
    ]
    return [
        SimpleNamespace(
            id=n,
            created_at=datetime(2026, 5, n, 9, 30, n),
            author=author if n % 3 else None,
            task=task if n % 2 else None,
            changes=change,
            note="A note <script> & more" if n % 2 else None,
            evidence_url='https://example.org/?a=1&b="2"' if n % 4 == 1 else "",
        )
        for n, change in enumerate(changes, start=1)
    ]


@pytest.mark.parametrize("show_task", [False, True])
def test_the_history_list_is_the_macros(request_in, show_task):
    updates = _updates()
    expected = _macro(
        request_in, "m.history_list(updates, show_task)", updates=updates, show_task=show_task
    )
    assert str(markup.history_list(updates, show_task)) == expected
    assert str(markup.history_list(updates)) == _macro(
        request_in, "m.history_list(updates)", updates=updates
    )


def test_an_empty_history_is_the_macros(request_in):
    assert str(markup.history_list([])) == _macro(request_in, "m.history_list([])")
