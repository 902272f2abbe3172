"""The agenda's rows written in Python (`agenda.views.coverage_item_rows`) are the markup the
templates' loops wrote, for every kind, figure and text to escape."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coalition_app.agenda.forms import PositionForm
from coalition_app.agenda.labels import agenda_label
from coalition_app.agenda.queries import CoverageItem
from coalition_app.agenda.views import coverage_item_rows, initiative_checkboxes
from models import EvidenceKind

# The template's loop this function replaces (`agenda/coverage.html`), as it was.
COVERAGE_LOOP = """{% from "agenda/_macros.html" import figure_value with context %}
    {% for item in entry.items %}
    <li class="card mb-2"><div class="card-body py-2">
      <span class="badge text-bg-light">{{ agenda_label(item.kind) }}</span>
      {{ item.title_en if lang == "en" and item.title_en else item.title }}
      {% if item.figures %}<span class="d-block small text-body-secondary">{% for key, value in item.figures %}{{ agenda_label(key) }}: {{ figure_value(key, value) }}{% if not loop.last %} · {% endif %}{% endfor %}</span>{% endif %}
    </div></li>
    {% endfor %}
"""  # noqa: E501 (the template's lines as they were)
# The position form's loop `initiative_checkboxes` replaces (`agenda/_position_form.html`).
POSITION_LOOP = """
    {% for option in form.initiative_ids %}
    <div class="form-check">{{ option(class_="form-check-input") }} {{ option.label(class_="form-check-label") }}</div>
    {% else %}
    <p class="small text-body-secondary">{{ _("No initiative recorded yet.") }}</p>
    {% endfor %}
"""  # noqa: E501 (the template's lines as they were)

ITEMS = [
    CoverageItem(
        EvidenceKind.CONSULTATION_STATEMENT,
        1,
        "Una <b>idea</b> & otra",
        "An <b>idea</b> & another",
        (("agreement", 71.5), ("voters", 120), ("group_consensus", 60)),
    ),
    CoverageItem(EvidenceKind.CONSULTATION_THEME, 2, "Tema", None, ()),
    CoverageItem(
        EvidenceKind.DELIVERABLE,
        3,
        "Entregable",
        "",
        (("date", date(2026, 3, 4)), ("date", "2025-11-30"), ("unknown <x>", "a & b")),
    ),
]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("items", [ITEMS, []], ids=["items", "none"])
def test_the_coverage_items_are_the_templates(app, lang, items):
    with app.test_request_context(headers={"Accept-Language": lang}):
        entry = SimpleNamespace(items=items)
        expected = app.jinja_env.from_string(COVERAGE_LOOP).render(
            entry=entry, lang=lang, agenda_label=agenda_label
        )
        assert str(coverage_item_rows(items, lang)).strip() == expected.strip()


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize(
    ("choices", "data"),
    [
        ([], None),
        ([(1, "Ley <b>general</b> & más"), (7, 'Una "iniciativa"')], [7]),
        ([(3, "x")], []),
    ],
)
def test_the_initiatives_checkboxes_are_the_templates(app, language, choices, data):
    with app.test_request_context(headers={"Accept-Language": language}):
        form = PositionForm(formdata=None)
        form.initiative_ids.choices = choices
        form.initiative_ids.data = data
        expected = app.jinja_env.from_string(POSITION_LOOP).render(form=form)
        assert str(initiative_checkboxes(form.initiative_ids)).strip() == expected.strip()
