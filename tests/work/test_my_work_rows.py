"""My work's list items written in Python (`work.views.my_work_items`, `work.markup.work_item`)
are the markup the template's loops over the `work_item` macro wrote."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coalition_app.work import markup
from coalition_app.work.views import my_work_items
from models import WorkStatus

# The macro and the template's loops as they were (templates/work/my_work.html).
WORK_ITEM = """{% from "macros/work.html" import progress_bar, status_badge, due %}
{% macro work_item(href, title, due_on, today, context, status, progress, class_="list-group-item") %}
<li class="{{ class_ }}">
  <div class="d-flex justify-content-between gap-2 flex-wrap">
    <a class="fw-semibold" href="{{ href }}">{{ title }}</a>
    {{ due(due_on, today) }}
  </div>
  <div class="small text-body-secondary mb-1">{{ context }} · {{ status_badge(status) }}</div>
  {{ progress_bar(progress, title) }}
</li>
{% endmacro %}"""  # noqa: E501 (the template's lines as they were)
REVIEW_LOOP = """      {% for d in work.to_review %}
      {{ work_item(url_for('work.deliverable', deliverable_id=d.id, _anchor='review-heading'), d.title, d.due_on, today, d.group.name(lang), d.status, d.progress, "list-group-item px-0") }}
      {% endfor %}"""  # noqa: E501 (the template's lines as they were)
TASKS_LOOP = """      {% for task in work.tasks %}
      {{ work_item(url_for('work.task', task_id=task.id), task.title, task.due_on, today, task.deliverable.title ~ " · " ~ task.deliverable.group.name(lang), task.status, task.progress) }}
      {% endfor %}"""  # noqa: E501 (the template's lines as they were)
DELIVERABLES_LOOP = """      {% for d in work.deliverables %}
      {{ work_item(url_for('work.deliverable', deliverable_id=d.id), d.title, d.due_on, today, d.group.name(lang), d.status, d.progress) }}
      {% endfor %}"""  # noqa: E501 (the template's lines as they were)
LOOPS = {"review": REVIEW_LOOP, "tasks": TASKS_LOOP, "deliverables": DELIVERABLES_LOOP}
TODAY = date(2026, 6, 1)


def _deliverables() -> list[SimpleNamespace]:
    group = SimpleNamespace(name=lambda lang: f"Ética <{lang}> & más")
    days = [date(2026, 5, 1), TODAY, date(2026, 6, 20), None, date(2027, 1, 1)]
    return [
        SimpleNamespace(
            id=n,
            title=["Plan", "A <b>bold</b> & plan", '"quoted"'][n % 3],
            group=group,
            due_on=days[n % len(days)],
            status=status,
            progress=[0, 45, 100][n % 3],
        )
        for n, status in enumerate([*WorkStatus, *WorkStatus], start=1)
    ]


def _tasks() -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            id=d.id + 100,
            title=d.title,
            due_on=d.due_on,
            status=d.status,
            progress=d.progress,
            deliverable=SimpleNamespace(title=f"Deliverable <{d.id}>", group=d.group),
        )
        for d in _deliverables()
    ]


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("kind", ["review", "tasks", "deliverables"])
def test_my_works_items_are_the_templates(app, language, kind):
    with app.test_request_context(headers={"Accept-Language": language}):
        items = _tasks() if kind == "tasks" else _deliverables()
        work = SimpleNamespace(to_review=items, tasks=items, deliverables=items)
        work_item = app.jinja_env.from_string(WORK_ITEM).make_module().work_item
        expected = app.jinja_env.from_string(LOOPS[kind]).render(
            work=work, today=TODAY, lang=language, work_item=work_item
        )
        assert "      " + str(my_work_items(kind, items, TODAY, language)) == expected


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_work_item_is_the_macros(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        macros = app.jinja_env.from_string(WORK_ITEM).make_module()
        for d in _deliverables():
            values = ("/x?a=1&b=<2>", d.title, d.due_on, TODAY, "A & <b>", d.status, d.progress)
            assert str(markup.work_item(*values)) == str(macros.work_item(*values))
            assert str(markup.work_item(*values, "px-0 <x>")) == str(
                macros.work_item(*values, "px-0 <x>")
            )
