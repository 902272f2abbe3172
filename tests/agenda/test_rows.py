"""The agenda's rows written in Python (`agenda.views.coverage_item_rows`) are the markup the
templates' loops wrote, for every kind, figure and text to escape."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coalition_app.agenda.labels import agenda_label
from coalition_app.agenda.queries import CoverageItem
from coalition_app.agenda.views import coverage_item_rows
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
