"""The public directory's lists written in Python (`public.views.public_member_rows`,
`public_filter_options`) are the markup the template's loops wrote, for every kind of row and
text to escape."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from coalition_app.public.views import (
    growth_bars,
    public_event_items,
    public_filter_options,
    public_member_rows,
)
from models import Sector, State

# The template's loops these functions replace, as they were.
ROWS_LOOP = """
    {% for institution in page.institutions %}
      <tr>
        <td><strong>{{ institution.name }}</strong>{% if institution.acronym and institution.acronym != institution.name %} <span class="muted">({{ institution.acronym }})</span>{% endif %}</td>
        <td data-label="{{ _('Sector') }}">{{ institution.sector.name(lang) }}</td>
        <td data-label="{{ _('Federal entity') }}">{{ institution.state.name(lang) if institution.state else "—" }}</td>
        <td class="num" data-label="{{ _('Member since') }}">{{ institution.joined_on.year }}</td>
        <td data-label="{{ _('Website') }}">{% if institution.website and institution.website.startswith(("https://", "http://")) %}<a href="{{ institution.website }}" rel="noopener">{{ institution.website.split("://", 1)[1].rstrip("/") }}</a>{% else %}—{% endif %}</td>
      </tr>
    {% endfor %}
"""  # noqa: E501 (the template\'s lines as they were)
SECTORS_LOOP = """{% for sector in page.sectors %}<option value="{{ sector.slug }}"{% if page.query.sector == sector.slug %} selected{% endif %}>{{ sector.name(lang) }}</option>{% endfor %}"""  # noqa: E501
STATES_LOOP = """{% for state in page.states %}<option value="{{ state.code }}"{% if page.query.state == state.code %} selected{% endif %}>{{ state.name(lang) }}</option>{% endfor %}"""  # noqa: E501


def _institution(name, acronym, website, state):
    return SimpleNamespace(
        name=name,
        acronym=acronym,
        website=website,
        state=state,
        sector=Sector(slug="academia", name_es="Academia & <b>", name_en="Academia"),
        joined_on=date(2019, 4, 5),
    )


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_public_member_rows_are_the_templates(app, language):
    cdmx = State(code="MX-CMX", name_es="Ciudad de México", name_en="Mexico City")
    institutions = [
        _institution("Uni <A> & co", "U&A", "https://uni.example.org/a?b=1&c=<2>/", cdmx),
        _institution("Same", "Same", "http://same.example.org", None),
        _institution("No acronym", None, "ftp://files.example.org", cdmx),
        _institution("Empty acronym", "", None, None),
        _institution("Blank site", "B", "", cdmx),
    ]
    page = SimpleNamespace(institutions=institutions)
    with app.test_request_context():
        expected = app.jinja_env.from_string(ROWS_LOOP).render(page=page, lang=language)
        written = str(public_member_rows(institutions, language))
    assert "&amp;c=&lt;2&gt;" in expected
    assert written.strip() == expected.strip()


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("chosen", ["", "academia", "MX-CMX", "x<y>"])
def test_the_public_filter_options_are_the_templates(app, language, chosen):
    sectors = [
        Sector(slug="academia", name_es="Academia & <b>", name_en="Academia"),
        Sector(slug="x<y>", name_es="Otro", name_en="Other"),
    ]
    states = [
        State(code="MX-CMX", name_es="Ciudad de México", name_en="Mexico City"),
        State(code="MX-JAL", name_es="Jalisco", name_en="Jalisco & co"),
    ]
    page = SimpleNamespace(
        sectors=sectors, states=states, query=SimpleNamespace(sector=chosen, state=chosen)
    )
    with app.test_request_context():
        render = app.jinja_env.from_string
        assert str(public_filter_options(sectors, "slug", chosen, language)) == render(
            SECTORS_LOOP
        ).render(page=page, lang=language)
        assert str(public_filter_options(states, "code", chosen, language)) == render(
            STATES_LOOP
        ).render(page=page, lang=language)


# `public/_event_item.html` as it was, included once per event by the lists' loops.
EVENT_ITEM = """{#- One public event in a list: its dates in the coalition's zone, place, organisers. -#}
<li>
  <h3><a href="{{ url_in(lang, url_for('public.event', meeting_id=meeting.id)) }}">{{ meeting.title }}</a></h3>
  <div class="event-date"><time datetime="{{ iso_utc(meeting.starts_at) }}">{{ format_date(meeting.starts_at, "full") }}, {{ format_time(meeting.starts_at, "short") }}</time></div>
  <div class="muted">
    {%- if meeting.place %}{{ meeting.place }}{% elif meeting.online_url %}{{ _("Online") }}{% endif -%}
    {%- if meeting.group %} · {{ meeting.group.name(lang) }}{% endif -%}
  </div>
</li>
"""  # noqa: E501 (the template\'s lines as they were)
EVENTS_LOOP = '{% for meeting in meetings %}{% include "public_event_item.html" %}{% endfor %}'


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("query", ["", "?lang=en&x=1"])
def test_the_public_event_items_are_the_templates(app, language, query):
    from jinja2 import DictLoader

    group = SimpleNamespace(name=lambda lang: "Ética <IA>" if lang == "es" else "AI & ethics")

    def meeting(id, title, place, online_url, group):
        return SimpleNamespace(
            id=id,
            title=title,
            starts_at=datetime(2026, 12, 3, 17, 30),
            place=place,
            online_url=online_url,
            group=group,
        )

    meetings = [
        meeting(1, "Foro <b> & co", "Senado & <sala>", None, group),
        meeting(2, "En línea", "", "https://meet.example.org", group),
        meeting(3, "Sin lugar", None, None, None),
        meeting(40, "Lugar y enlace", "Sala 1", "https://x.example.org", None),
    ]
    environment = app.jinja_env.overlay(loader=DictLoader({"public_event_item.html": EVENT_ITEM}))
    with app.test_request_context(f"/eventos{query}", headers={"Accept-Language": language}):
        app.update_template_context(context := {})
        expected = environment.from_string(EVENTS_LOOP).render(
            context, meetings=meetings, lang=language
        )
        written = str(public_event_items(meetings, language))
    assert "Ética &lt;IA&gt;" in expected or "AI &amp; ethics" in expected
    assert written == expected


# The landing page's growth chart's loop, as it was.
GROWTH_LOOP = """{% set width = 320 %}{% set height = 150 %}{% set step = width / (points | length) %}{% set high = growth_max or 1 %}
        {% for year, count in points %}
        {% set h = (height - 16) * count / high %}
        <rect class="bar-rect" x="{{ (loop.index0 * step + 4) | round(1) }}" y="{{ (height - h) | round(1) }}" width="{{ (step - 8) | round(1) }}" height="{{ h | round(1) }}" rx="2"/>
        <text x="{{ (loop.index0 * step + step / 2) | round(1) }}" y="{{ (height - h - 4) | round(1) }}" text-anchor="middle">{{ count }}</text>
        <text x="{{ (loop.index0 * step + step / 2) | round(1) }}" y="{{ height + 16 }}" text-anchor="middle">{{ year }}</text>
        {% endfor %}
"""  # noqa: E501 (the template\'s lines as they were)


@pytest.mark.parametrize(
    "points",
    [
        [(2018, 3), (2019, 7), (2020, 7), (2021, 12), (2022, 15), (2023, 19), (2024, 0)],
        [(2026, 1)],
        [(2018, 0), (2019, 0), (2020, 0)],
    ],
)
def test_the_growth_bars_are_the_templates(app, points):
    growth_max = max(n for _year, n in points)
    with app.test_request_context():
        expected = app.jinja_env.from_string(GROWTH_LOOP).render(
            points=points, growth_max=growth_max
        )
        written = str(growth_bars(points, 320, 150, growth_max or 1))
    assert "bar-rect" in expected
    assert written.strip() == expected.strip()
