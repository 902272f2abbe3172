"""The ties' rows written in Python (`ties.views.tie_rows`, `directory.views.profile_tie_rows`)
are the markup the templates' loops wrote, for every answer, end and text to escape."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coalition_app.directory.views import profile_tie_rows
from coalition_app.ties.views import tie_rows

# The templates' loops these functions replace, as they were.
LIST_LOOP = """
  {% set t_institutions, t_kind, t_dates, t_situation, t_ongoing = _('Institutions'), _('Kind'), _('Dates'), _('Situation'), _("ongoing") %}
  {% set t_unconfirmed, t_declined, t_confirmed = _("unconfirmed"), _("declined"), _("confirmed") %}
  {% set kinds = {} %}{% for kind in ["joint_project", "agreement", "event", "coauthorship", "data_sharing", "funding", "other"] %}{% do kinds.update({kind: label(kind)}) %}{% endfor %}
  {% set tie_url = url_pattern('ties.detail', 'tie_id') %}
  {% set profile_url = url_pattern('directory.profile', 'institution_id') %}
  {% for t in page.ties %}
    {% set kind = kinds[t.kind] %}
    <tr>
      <td><a href="{{ tie_url(t.id) }}">{{ t.title or kind }}</a></td>
      <td data-label="{{ t_institutions }}"><a href="{{ profile_url(t.institution_a_id) }}">{{ t.institution_a_label }}</a> — <a href="{{ profile_url(t.institution_b_id) }}">{{ t.institution_b_label }}</a></td>
      <td data-label="{{ t_kind }}">{{ kind }}</td>
      <td data-label="{{ t_dates }}">{{ format_date(t.since, "medium") }} – {{ format_date(t.ends_on, "medium") if t.ends_on else t_ongoing }}</td>
      <td data-label="{{ t_situation }}">
{% if t.status == "unconfirmed" %}<span class="badge text-bg-warning tie-status">{{ t_unconfirmed }}</span>
{% elif t.status == "declined" %}<span class="badge text-bg-secondary tie-status">{{ t_declined }}</span>
{% else %}<span class="badge text-bg-success tie-status">{{ t_confirmed }}</span>{% endif %}
</td>
    </tr>
  {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)
PROFILE_LOOP = """{% from "ties/_macros.html" import tie_status, tie_dates %}
        {% set t_open, t_kind, t_dates, t_situation, t_ended, t_note = _("Open the tie"), _('Kind'), _('Dates'), _('Situation'), _("ended"), _('Note') %}
        {% set profile_url = url_pattern('directory.profile', 'institution_id') %}
        {% set tie_url = url_pattern('ties.detail', 'tie_id') %}
        {% for t in profile.ties %}
          {% set ended = t.tie.ends_on and t.tie.ends_on < profile.today %}
          <tr class="{{ 'text-body-secondary' if t.tie.status == 'declined' or ended else '' }}">
            <td><a href="{{ profile_url(t.other.id) }}">{{ t.other.name }}</a>
              {# mt-1: the two links stay 24 px apart, a finger's target (Lighthouse, WCAG 2.5.8). #}
              <span class="d-block small mt-1"><a href="{{ tie_url(t.tie.id) }}">{{ t.tie.title or t_open }}</a></span></td>
            <td data-label="{{ t_kind }}">{{ label(t.tie.kind) }}</td>
            <td data-label="{{ t_dates }}">{{ tie_dates(t.tie) }}</td>
            <td data-label="{{ t_situation }}">{{ tie_status(t.tie) }}{% if ended %} <span class="badge text-bg-light">{{ t_ended }}</span>{% endif %}</td>
            <td class="small tie-note" data-label="{{ t_note }}">{{ t.tie.description or t.tie.note_in(lang) }}</td>
          </tr>
        {% endfor %}
"""  # noqa: E501 (the templates\' lines as they were)
TODAY = date(2026, 6, 1)


def _ties() -> list[SimpleNamespace]:
    ties = []
    for n, (status, ends_on, title) in enumerate(
        [
            ("unconfirmed", None, None),
            ("declined", date(2026, 1, 2), "A <b>title</b>"),
            ("confirmed", date(2027, 1, 2), ""),
            ("confirmed", date(2025, 3, 4), "Ended"),
        ],
        start=1,
    ):
        ties.append(
            SimpleNamespace(
                id=n,
                title=title,
                kind="joint_project" if n % 2 else "data_sharing",
                status=status,
                since=date(2024, n, 1),
                ends_on=ends_on,
                institution_a_id=10 + n,
                institution_a_label=f"A & {n}",
                institution_b_id=20 + n,
                institution_b_label=f"B <{n}>",
                description="" if n % 2 else "Note <i>",
                note_in=lambda lang, n=n: f"note {lang} {n} &",
            )
        )
    return ties


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_lists_rows_are_the_templates(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        page = SimpleNamespace(ties=_ties())
        expected = app.jinja_env.from_string(LIST_LOOP).render(page=page)
        assert str(tie_rows(page.ties)).strip() == expected.strip()


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_profiles_rows_are_the_templates(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        profile = SimpleNamespace(
            today=TODAY,
            ties=[
                SimpleNamespace(tie=t, other=SimpleNamespace(id=t.id + 30, name=f"Other <{t.id}>"))
                for t in _ties()
            ],
        )
        expected = app.jinja_env.from_string(PROFILE_LOOP).render(profile=profile, lang=language)
        assert str(profile_tie_rows(profile, language)).strip() == expected.strip()
