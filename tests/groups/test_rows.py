"""The group pages' lists written in Python (`groups.views.membership_rows`,
`groups.views.group_activity`) are the markup the templates' loops wrote, for every kind of
entry and text to escape."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from coalition_app.groups.service import Activity
from coalition_app.groups.views import group_activity, group_people_rows, membership_rows
from models import GroupRole

# The templates' loops these functions replace, as they were.
MEMBERS_LOOP = """
        {% set institution_label, role_label, from_label, until_label, current_label = _("Institution"), _("Role"), _("From"), _("Until"), _("current") %}
          {% for m in history %}
          <tr class="{{ 'text-body-secondary' if m.until else '' }}">
            <td class="fw-semibold">{{ m.institution.name }}</td><td data-label="{{ role_label }}">{{ label(m.role) }}</td>
            <td data-label="{{ from_label }}">{{ format_date(m.since, "medium") }}</td>
            <td data-label="{{ until_label }}">{{ format_date(m.until, "medium") if m.until else current_label }}</td>
          </tr>
          {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)
ACTIVITY_LOOP = """
          {% for update in page.activity %}
          <li class="history-entry">
            <div class="small text-body-secondary"><time datetime="{{ update.created_at.isoformat() }}">{{ format_datetime(update.created_at, "medium") }}</time></div>
            <div>
              <span class="fw-semibold">{{ update.author_name if update.author_name is not none else _("someone") }}</span>
              {% if update.task_id is not none %}{{ _("updated the task") }} <a href="{{ url_for('work.task', task_id=update.task_id) }}">{{ update.task_title }}</a>
              {% elif update.deliverable_id is not none %}{{ _("updated the deliverable") }} <a href="{{ url_for('work.deliverable', deliverable_id=update.deliverable_id) }}">{{ update.deliverable_title }}</a>{% endif %}
              {% for field, pair in update.changes.items() %}{% if field in ("status", "progress") and pair[0] is not none %}
                <span class="badge text-bg-light">{{ field_label(field) }}: {{ status_label_of(pair[0]) if field == "status" else pair[0] ~ "%" }} → {{ status_label_of(pair[1]) if field == "status" else pair[1] ~ "%" }}</span>
              {% endif %}{% endfor %}
            </div>
            {% if update.note %}<p class="mb-0 small note">{{ update.note }}</p>{% endif %}
          </li>
          {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_membership_rows_are_the_templates(app, language):
    history = [
        SimpleNamespace(
            name="Uni <A> & co",
            institution=SimpleNamespace(name="Uni <A> & co"),
            role=GroupRole.LEAD,
            since=date(2020, 1, 2),
            until=None,
        ),
        SimpleNamespace(
            name="Other",
            institution=SimpleNamespace(name="Other"),
            role=GroupRole.MEMBER,
            since=date(2019, 5, 6),
            until=date(2021, 7, 8),
        ),
    ]
    with app.test_request_context(headers={"Accept-Language": language}):
        expected = app.jinja_env.from_string(MEMBERS_LOOP).render(history=history)
        assert str(membership_rows(history)).strip() == expected.strip()


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_activity_is_the_templates(app, language):
    moment = datetime(2026, 11, 30, 20, 50)
    activity = [
        Activity(
            moment,
            "Ana <b>",
            3,
            "Task & co",
            2,
            "Deliverable",
            {"progress": [20, 40]},
            "A note <i>",
        ),
        Activity(
            moment,
            None,
            None,
            None,
            2,
            "Deliverable <x>",
            {"status": ["in_progress", "in_review"], "progress": [None, 10], "title": ["a", "b"]},
            "",
        ),
        Activity(
            moment,
            "Bea",
            7,
            "T",
            None,
            None,
            {"status": ["todo", "done"], "progress": [60, 100]},
            "",
        ),
        Activity(moment, "Carla", None, None, None, None, {}, "Only a note"),
    ]
    with app.test_request_context(headers={"Accept-Language": language}):
        page = SimpleNamespace(activity=activity)
        expected = app.jinja_env.from_string(ACTIVITY_LOOP).render(page=page)
        assert str(group_activity(activity)).strip() == expected.strip()


PEOPLE_LOOP = """
        {% set t_institution, t_title, t_phone = _('Institution'), _('Title'), _('Phone') %}
        {%- set profile_url = url_pattern('directory.profile', 'institution_id') %}
        {% for p in people %}
          <tr>
            <td>{{ p.full_name }}</td>
            <td data-label="{{ t_institution }}"><a href="{{ profile_url(p.institution.id) }}">{{ p.institution.acronym or p.institution.name }}</a></td>
            <td data-label="{{ t_title }}">{{ p.title if signed_in and p.title else "—" }}</td>
            <td data-label="{{ t_phone }}">{% if signed_in and p.phone %}<a href="tel:{{ p.phone }}">{{ p.phone }}</a>{% else %}—{% endif %}</td>
          </tr>
        {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)


@pytest.mark.parametrize("signed_in", [True, False])
def test_the_people_rows_are_the_templates(app, signed_in):
    people = [
        SimpleNamespace(
            full_name="Ana <b>",
            institution=SimpleNamespace(id=3, acronym="A&B", name="Long"),
            institution_id=3,
            acronym="A&B",
            institution_name="Long",
            title="Dr. <i>",
            phone="+52 55 <1>",
        ),
        SimpleNamespace(
            full_name="Bea",
            institution=SimpleNamespace(id=4, acronym=None, name="No acronym & co"),
            institution_id=4,
            acronym=None,
            institution_name="No acronym & co",
            title="",
            phone=None,
        ),
    ]
    with app.test_request_context():
        expected = app.jinja_env.from_string(PEOPLE_LOOP).render(people=people, signed_in=signed_in)
        assert str(group_people_rows(people, signed_in=signed_in)).strip() == expected.strip()


TASKS_LOOP = """
        {% from "macros/work.html" import status_badge, due %}
          {% set assignee_label, due_label, status_label, unassigned = _("Assignee"), _("Due"), _("Status"), _("unassigned") %}
            {% for task in tasks %}
            <tr>
              <td><a href="{{ url_for('work.task', task_id=task.id) }}">{{ task.title }}</a></td>
              <td data-label="{{ assignee_label }}">{{ task.assignee_name if task.assignee_name is not none else unassigned }}</td>
              <td class="small" data-label="{{ due_label }}">{{ due(task.due_on, page.today) }}</td>
              <td data-label="{{ status_label }}">{{ status_badge(task.status) }}</td>
            </tr>
            {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)
CALL_TASKS = """
        {% from "macros/work.html" import status_badge, due %}
          {{ open_task_rows(tasks, page.today, due, status_badge) }}
"""


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_open_task_rows_are_the_templates(app, language):
    from coalition_app.groups.service import TaskRow
    from models import WorkStatus

    today = date(2026, 12, 3)
    tasks = [
        TaskRow(1, 9, "Overdue <b> & co", date(2026, 11, 1), WorkStatus.IN_PROGRESS, "Ana <i>"),
        TaskRow(2, 9, "Due soon", date(2026, 12, 5), WorkStatus.PLANNED, None),
        TaskRow(3, 9, "Later", date(2027, 3, 1), WorkStatus.IN_REVIEW, "Bea & Co"),
        TaskRow(4, 9, "No date", None, WorkStatus.PLANNED, "Carla"),
        TaskRow(5, 9, "Same date again", date(2026, 11, 1), WorkStatus.IN_PROGRESS, ""),
    ]
    page = SimpleNamespace(today=today)
    with app.test_request_context(headers={"Accept-Language": language}):
        expected = app.jinja_env.from_string(TASKS_LOOP).render(tasks=tasks, page=page)
        written = app.jinja_env.from_string(CALL_TASKS).render(tasks=tasks, page=page)
    assert "overdue" in expected or "vencid" in expected
    assert written.strip() == expected.strip()


DELIVERABLES_LOOP = """{% from "macros/work.html" import progress_bar, status_badge, due %}
          {% for deliverable in page.deliverables %}
          <li class="list-group-item px-0">
            <div class="d-flex justify-content-between flex-wrap gap-2">
              <a class="fw-semibold" href="{{ url_for('work.deliverable', deliverable_id=deliverable.id) }}">{{ deliverable.title }}</a>
              <span class="small">{{ due(deliverable.due_on, page.today, deliverable.status.value == "done") }}</span>
            </div>
            <div class="small text-body-secondary mb-1">
              {{ status_badge(deliverable.status) }}
              {% if deliverable.owner_institution %} · {{ _("Owner: %(name)s", name=deliverable.owner_institution.acronym or deliverable.owner_institution.name) }}{% endif %}
              · {{ ngettext("%(num)s task", "%(num)s tasks", page.task_counts[deliverable.id]) }}
              · {{ _("progress derived from tasks") if deliverable.progress_mode.value == "derived" else _("progress set by hand") }}
              {% if deliverable.id in page.stale_ids %}<span class="stale-flag"> · ⚠ {{ _("no update for %(weeks)s weeks", weeks=config.STALE_AFTER_WEEKS) }}</span>{% endif %}
            </div>
            {{ progress_bar(deliverable.progress, deliverable.title) }}
          </li>
          {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)
CALL_DELIVERABLES = """{% from "macros/work.html" import progress_bar, status_badge, due %}
          {{ deliverable_items(page, config.STALE_AFTER_WEEKS, due, status_badge, progress_bar) }}
"""


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_deliverable_items_are_the_templates(app, language):
    from models import ProgressMode, WorkStatus

    def deliverable(id, title, due_on, status, owner, mode, progress):
        return SimpleNamespace(
            id=id,
            title=title,
            due_on=due_on,
            status=status,
            owner_institution=owner,
            progress_mode=mode,
            progress=progress,
        )

    page = SimpleNamespace(
        today=date(2026, 12, 3),
        deliverables=[
            deliverable(
                1,
                "Guide <b> & co",
                date(2026, 11, 1),
                WorkStatus.IN_PROGRESS,
                SimpleNamespace(acronym="A&B", name="Long"),
                ProgressMode.DERIVED,
                35,
            ),
            deliverable(
                2,
                "Done late",
                date(2026, 11, 1),
                WorkStatus.DONE,
                SimpleNamespace(acronym=None, name="Uni <x>"),
                ProgressMode.MANUAL,
                100,
            ),
            deliverable(3, "No date", None, WorkStatus.PLANNED, None, ProgressMode.MANUAL, 0),
            deliverable(
                4, "Soon", date(2026, 12, 5), WorkStatus.IN_REVIEW, None, ProgressMode.DERIVED, 80
            ),
        ],
        task_counts={1: 1, 2: 0, 3: 12, 4: 2},
        stale_ids={1, 4},
    )
    with app.test_request_context(headers={"Accept-Language": language}):
        expected = app.jinja_env.from_string(DELIVERABLES_LOOP).render(page=page)
        written = app.jinja_env.from_string(CALL_DELIVERABLES).render(page=page)
    assert "stale-flag" in expected and "A&amp;B" in expected
    assert written.strip() == expected.strip()


MEMBERS_BY_SECTOR_LOOP = """
        {% for sector, memberships in page.members_by_sector %}
        <h3 class="h6 mt-3"><span class="sector-dot sector-{{ sector.slug }}" aria-hidden="true"></span> {{ sector.name(lang) }} <span class="text-body-secondary">({{ memberships|length }})</span></h3>
        <ul class="small mb-0">
          {% for m in memberships %}<li>{{ m.name }}{% if m.role.value == "lead" %} <span class="badge text-bg-secondary">{{ _("lead") }}</span>{% endif %}</li>{% endfor %}
        </ul>
        {% else %}
        <p class="text-body-secondary mb-0">{{ _("No member institutions yet.") }}</p>
        {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("empty", [False, True])
def test_the_members_by_sector_are_the_templates(app, language, empty):
    from coalition_app.groups.views import members_by_sector_list
    from models import Sector

    def row(name, role):
        return SimpleNamespace(name=name, role=role)

    sectors = [
        (
            Sector(slug="academia", name_es="Academia & <b>", name_en="Academia"),
            [row("Uni <A> & co", GroupRole.LEAD), row("Otra", GroupRole.MEMBER)],
        ),
        (
            Sector(slug="civil_society", name_es="Sociedad civil", name_en="Civil society"),
            [row("Data Cívica", GroupRole.MEMBER)],
        ),
    ]
    page = SimpleNamespace(members_by_sector=[] if empty else sectors)
    with app.test_request_context(headers={"Accept-Language": language}):
        expected = app.jinja_env.from_string(MEMBERS_BY_SECTOR_LOOP).render(
            page=page, lang=language
        )
        written = str(members_by_sector_list(page.members_by_sector, language))
    assert written.strip() == expected.strip()
