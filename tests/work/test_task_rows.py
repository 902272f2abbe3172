"""A deliverable's task rows written in Python (`work.views.deliverable_task_rows`) are the
markup the template's loop wrote, for every status, due state, assignee or none, and text
to escape."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coalition_app.work.views import deliverable_task_rows
from models import WorkStatus

# The template's loop as it was (templates/work/deliverable.html).
LOOP = """{% from "macros/work.html" import progress_bar, status_badge, due %}
          {% for task in live %}
          <tr id="task-{{ task.id }}">
            <td><a href="{{ url_for('work.task', task_id=task.id) }}">{{ task.title }}</a></td>
            <td data-label="{{ _('Assignee') }}">{{ task.assignee.full_name if task.assignee else _("unassigned") }}</td>
            <td data-label="{{ _('Due') }}">{{ due(task.due_on, today, task.status.value == "done") }}</td>
            <td data-label="{{ _('Status') }}">{{ status_badge(task.status) }}</td>
            <td class="w-25" data-label="{{ _('Progress') }}">{{ progress_bar(task.progress, task.title) }}</td>
          </tr>
          {% endfor %}"""  # noqa: E501 (the template's lines as they were)
TODAY = date(2026, 6, 1)


def _tasks() -> list[SimpleNamespace]:
    days = [date(2026, 5, 1), TODAY, date(2026, 6, 20), None, date(2027, 1, 1)]
    return [
        SimpleNamespace(
            id=n,
            title=["Plan", "A <b>bold</b> & plan", '"quoted"'][n % 3],
            assignee=SimpleNamespace(full_name=f"Ana <{n}> & Co.") if n % 2 else None,
            due_on=days[n % len(days)],
            status=status,
            progress=[0, 45, 100][n % 3],
        )
        for n, status in enumerate([*WorkStatus, *WorkStatus, *WorkStatus], start=1)
    ]


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_deliverables_task_rows_are_the_templates(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        live = _tasks()
        expected = app.jinja_env.from_string(LOOP).render(live=live, today=TODAY)
        assert "\n          " + str(deliverable_task_rows(live, TODAY)) == expected
