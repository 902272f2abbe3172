"""The meetings' markup written in Python (`meetings.views`: the macros of what was
`meetings/_macros.html`, a calendar's rows, the figures' tables, a meeting's people, the
home's next meetings, the form's institutions) is the markup the templates wrote, for every
branch, missing value and text to escape, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from coalition_app.directory.views import institution_options
from coalition_app.meetings import views
from coalition_app.meetings.queries import Figures
from models import Rsvp

# The macros of `meetings/_macros.html`, as they were.
MACROS = """{# When a meeting is, in the coalition's zone: "12 mar 2026, 10:00–12:00", or both ends when it
   spans days. #}
{% macro meeting_when(m) -%}
  {%- set starts, ends = local_time(m.starts_at), local_time(m.ends_at) -%}
  <time datetime="{{ starts.isoformat() }}">{{ format_date(starts.date(), "medium") }}, {{ starts.strftime("%H:%M") }}</time>–{% if ends.date() != starts.date() %}<time datetime="{{ ends.isoformat() }}">{{ format_date(ends.date(), "medium") }}, {{ ends.strftime("%H:%M") }}</time>{% else %}<time datetime="{{ ends.isoformat() }}">{{ ends.strftime("%H:%M") }}</time>{% endif %}
{%- endmacro %}

{% macro meeting_badges(m) -%}
  {% if m.cancelled_at %}<span class="badge text-bg-danger">{{ _("Cancelled") }}</span>{% endif %}
  {% if not m.group %}<span class="badge text-bg-info">{{ _("Coalition event") }}</span>{% endif %}
  {% if m.is_public %}<span class="badge text-bg-light border">{{ _("Public") }}</span>{% elif m.group %}<span class="badge text-bg-light border">{{ _("Members only") }}</span>{% endif %}
{%- endmacro %}

{# The figures table: rows (year or "all years"), columns meetings / participants /
   institutions / hours. `table` and `years` come from `meeting_figures()`; `key` picks a
   group's id (or "all"). #}
{% macro figures_rows(table, years, key) -%}
  {% for year in years + ([none] if years|length > 1 else []) %}{% set f = table.get((key, year)) %}{% if f %}
  <tr>
    <th scope="row">{{ year if year is not none else _("All years") }}</th>
    <td data-label="{{ _('Meetings held') }}">{{ format_number(f.meetings) }}</td>
    <td data-label="{{ _('Participants') }}">{{ format_number(f.participants) }}</td>
    <td data-label="{{ _('Institutions') }}">{{ format_number(f.institutions) }}</td>
    <td data-label="{{ _('Hours of dialogue') }}">{{ format_decimal(f.hours, "#,##0.#") }}</td>
  </tr>
  {% endif %}{% endfor %}
{%- endmacro %}
"""  # noqa: E501 (the template's lines as they were)

# templates/meetings/calendar.html's loop over a month's meetings, as it was.
CALENDAR_LOOP = """    {% for m in items %}
    <tr>
      <td><a class="fw-semibold" href="{{ url_for('meetings.detail', meeting_id=m.id) }}">{{ m.title }}</a> {{ meeting_badges(m) }}</td>
      <td data-label="{{ _('When') }}">{{ meeting_when(m) }}</td>
      <td data-label="{{ _('Organised by') }}">{% if m.group %}{{ m.group.name(lang) }}{% else %}{% for o in m.organisers %}{{ o.institution.acronym or o.institution.name }}{{ ", " if not loop.last }}{% endfor %}{% endif %}</td>
      <td data-label="{{ _('Where') }}">{{ m.place or (_("Online") if m.online_url else "—") }}</td>
    </tr>
    {% endfor %}"""  # noqa: E501

# templates/meetings/_growth_figures.html's loop, as it was.
GROWTH_LOOP = """    {% for year in figure_years + ([none] if figure_years|length > 1 else []) %}
      {% for key, name in columns %}{% set f = figures.get((key, year)) %}{% if f %}
      <tr {% if key == "all" %}class="table-light fw-semibold"{% endif %}>
        <th scope="row">{{ year if year is not none else _("All years") }} · {{ name }}</th>
        <td data-label="{{ _('Meetings held') }}">{{ format_number(f.meetings) }}</td>
        <td data-label="{{ _('Participants') }}">{{ format_number(f.participants) }}</td>
        <td data-label="{{ _('Institutions') }}">{{ format_number(f.institutions) }}</td>
        <td data-label="{{ _('Hours of dialogue') }}">{{ format_decimal(f.hours, "#,##0.#") }}</td>
      </tr>
      {% endif %}{% endfor %}
    {% endfor %}"""  # noqa: E501

LANGUAGES = ["es", "en"]


def _render(app, source: str, **context) -> str:
    return app.jinja_env.from_string(source).render(**context)


def _with_macros(app, source: str, **context) -> str:
    """What `source` writes after the macros above are defined (their own text removed)."""
    return _render(app, MACROS + "\x01" + source, **context).split("\x01", 1)[1]


def _meeting(n: int, **fields) -> SimpleNamespace:
    """A meeting as both shapes see it: the object (group, organisers) and the row (group_id,
    the group's names; the organisers' acronyms or names by meeting)."""
    values = {
        "id": n,
        "title": f"Sesión {n}",
        # 16:00 in Mexico City, naive as SQLite gives it back.
        "starts_at": datetime(2026, 3, 12, 22, 0),
        "ends_at": datetime(2026, 3, 13, 0, 0),
        "place": None,
        "online_url": None,
        "is_public": False,
        "cancelled_at": None,
        "group": None,
        "organisers": [],
    }
    values.update(fields)
    group = values["group"]
    values["group_id"] = None if group is None else group.id
    values["group_name_es"] = None if group is None else group.name_es
    values["group_name_en"] = None if group is None else group.name_en
    return SimpleNamespace(**values)


def _group(n: int, es: str, en: str) -> SimpleNamespace:
    return SimpleNamespace(
        id=n, name_es=es, name_en=en, name=lambda lang: en if lang == "en" else es
    )


def _organiser(acronym: str | None, name: str) -> SimpleNamespace:
    return SimpleNamespace(institution=SimpleNamespace(acronym=acronym, name=name))


def _meetings() -> list[SimpleNamespace]:
    group = _group(3, "Ética & datos", "Ethics <b>& data</b>")
    return [
        _meeting(1, group=group, place="Sala <b>A</b> & B"),
        _meeting(
            2,
            title="Foro <b>abierto</b> & más",
            is_public=True,
            online_url="https://example.org/x",
            organisers=[_organiser("UNAM", "Universidad"), _organiser(None, "Centro & <i>")],
        ),
        _meeting(
            3,
            group=group,
            is_public=True,
            cancelled_at=datetime(2026, 3, 1, tzinfo=UTC),
            online_url="https://example.org/y",
            # Aware, and over two days in the coalition's zone.
            starts_at=datetime(2026, 3, 14, 23, 30, tzinfo=UTC),
            ends_at=datetime(2026, 3, 15, 7, 0, tzinfo=UTC),
        ),
        _meeting(4, organisers=[], cancelled_at=datetime(2026, 3, 2)),
        _meeting(5, organisers=[_organiser("", "Sin siglas")], place=""),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_calendar_s_rows_are_the_template_s(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        items = _meetings()
        expected = _with_macros(app, CALENDAR_LOOP, items=items, lang=language)
        organisers = {
            m.id: [o.institution.acronym or o.institution.name for o in m.organisers]
            for m in items
            if m.organisers
        }
        assert "    " + str(views.calendar_rows(items, organisers, language)) == expected
        assert _with_macros(app, CALENDAR_LOOP, items=[], lang=language) == "    "


@pytest.mark.parametrize("language", LANGUAGES)
def test_when_and_the_badges_are_the_macros(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        for m in _meetings():
            assert str(views.meeting_when(m)) == _with_macros(app, "{{ meeting_when(m) }}", m=m)
            assert str(views.meeting_badges(m)) == _with_macros(app, "{{ meeting_badges(m) }}", m=m)


def _figures() -> dict:
    return {
        (3, 2024): Figures(meetings=2, participants=1234, institutions=7, hours=3.5),
        (3, None): Figures(meetings=2, participants=1234, institutions=7, hours=3.5),
        (4, 2025): Figures(meetings=1, participants=0, institutions=0, hours=1234.25),
        (4, None): Figures(meetings=1, participants=0, institutions=0, hours=1234.25),
        (None, 2025): Figures(meetings=1, participants=2, institutions=1, hours=2.0),
        (None, None): Figures(meetings=1, participants=2, institutions=1, hours=2.0),
        ("all", 2024): Figures(meetings=2, participants=1234, institutions=7, hours=3.5),
        ("all", 2025): Figures(meetings=2, participants=2, institutions=1, hours=1236.3),
        ("all", None): Figures(meetings=4, participants=1236, institutions=8, hours=1239.8),
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("years", [[2024, 2025], [2025], []])
@pytest.mark.parametrize("key", [3, 4, None, "all"])
def test_a_group_s_figures_rows_are_the_macro_s(app, language, years, key):
    with app.test_request_context(headers={"Accept-Language": language}):
        context = {"table": _figures(), "years": years, "key": key}
        expected = _with_macros(app, "{{ figures_rows(table, years, key) }}", **context)
        assert str(views.figures_rows(**context)) == expected


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("years", [[2024, 2025], [2025], []])
def test_the_growth_figures_rows_are_the_template_s(app, language, years):
    with app.test_request_context(headers={"Accept-Language": language}):
        columns = [
            (3, "Ética & <b>datos</b>"),
            (4, "Otro"),
            (9, "Sin cifras"),
            (None, "Eventos de la coalición"),
            ("all", "Toda la coalición"),
        ]
        context = {"figures": _figures(), "figure_years": years, "columns": columns}
        expected = _render(app, GROWTH_LOOP, **context)
        assert "    " + str(views.growth_figures_rows(_figures(), years, columns)) == expected


def test_the_test_data_reach_every_branch():
    """The meetings above are cancelled or not, events or a group's, public or not, with
    and without a place or a link, on one day and over two."""
    items = _meetings()
    assert {m.cancelled_at is None for m in items} == {True, False}
    assert {m.group_id is None for m in items} == {True, False}
    assert {(m.group_id is None, m.is_public) for m in items} == {
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    }
    assert {m.ends_at.day - m.starts_at.day for m in items} == {1}  # 16:00-18:00 local
    assert (items[2].ends_at - items[2].starts_at).seconds > 7 * 3600  # two local days


# templates/meetings/detail.html's loops over a meeting's people, as they were.
ANSWERS = """{% set answers = {"yes": _("Yes"), "maybe": _("Maybe"), "no": _("No")} %}"""
CHECKS_LOOP = """        {% for a in rows %}
        <div class="form-check">
          <input class="form-check-input" type="checkbox" name="attended" value="{{ a.person_id }}" id="attended-{{ a.person_id }}" {% if a.attended %}checked{% endif %}>
          <label class="form-check-label" for="attended-{{ a.person_id }}">{{ a.full_name }} <span class="text-body-secondary small">({{ a.came_for_acronym or a.came_for_name }}{% if a.rsvp %} · {{ answers[a.rsvp.value] }}{% endif %})</span></label>
        </div>
        {% else %}
        <p class="small text-body-secondary">{{ _("Nobody is on the list yet.") }}</p>
        {% endfor %}"""  # noqa: E501
ATTENDED_LOOP = """{% for a in attended %}<li>{{ a.full_name }} ({{ a.came_for_acronym or a.came_for_name }})</li>{% endfor %}"""  # noqa: E501
CANDIDATES_LOOP = """{% for p in candidates %}<option value="{{ p.full_name }} &lt;{{ p.email }}&gt;"></option>{% endfor %}"""  # noqa: E501
# templates/meetings/form.html's organisers' picker, as it was.
INSTITUTIONS_LOOP = """{% for i in institutions %}<option value="{{ i.name }}">{{ i.acronym or "" }}</option>{% endfor %}"""  # noqa: E501


def _people() -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            person_id=person_id,
            full_name=name,
            came_for_acronym=acronym,
            came_for_name=institution,
            rsvp=rsvp,
            attended=attended,
            email=f"p{person_id}@example.org",
        )
        for person_id, name, acronym, institution, rsvp, attended in [
            (7, "Ana <b>López</b> & co", "UNAM", "Universidad", Rsvp.YES, True),
            (12, "Beto", None, "Centro & <i>Datos</i>", Rsvp.MAYBE, False),
            (3, "Carla", "", "Sin siglas", Rsvp.NO, True),
            (40, "Dora", "A&B", "AB", None, False),
        ]
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("count", [4, 1, 0])
def test_a_meeting_s_people_are_the_template_s(app, language, count):
    with app.test_request_context(headers={"Accept-Language": language}):
        people = _people()[:count]
        attended = [a for a in people if a.attended]
        checks = _render(app, ANSWERS + CHECKS_LOOP, rows=people)
        assert "        " + str(views.attendance_checks(people)) == checks
        assert str(views.attended_items(attended)) == _render(app, ATTENDED_LOOP, attended=attended)
        assert str(views.people_options(people)) == _render(app, CANDIDATES_LOOP, candidates=people)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_organisers_picker_is_the_template_s(app, language):
    """The directory's `institution_options`, the one app-wide picker writer."""
    with app.test_request_context(headers={"Accept-Language": language}):
        institutions = [
            SimpleNamespace(name="Universidad & <b>Nacional</b>", acronym="UNAM"),
            SimpleNamespace(name="Centro", acronym=None),
            SimpleNamespace(name='Comillas "dobles"', acronym="<C>"),
        ]
        for some in (institutions, []):
            assert str(institution_options(some)) == _render(
                app, INSTITUTIONS_LOOP, institutions=some
            )


# templates/meetings/_upcoming.html's loop, as it was.
UPCOMING_LOOP = """    {% for m in next_meetings %}
    <li class="mb-1"><a href="{{ url_for('meetings.detail', meeting_id=m.id) }}">{{ m.title }}</a> <span class="small text-body-secondary">· {{ meeting_when(m) }} · {{ m.group.name(current_language()) if m.group else _("Coalition event") }}</span></li>
    {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_s_next_meetings_are_the_template_s(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        for items in (_meetings(), []):
            expected = _with_macros(app, UPCOMING_LOOP, next_meetings=items)
            assert "    " + str(views.upcoming_items(items, language)) == expected
