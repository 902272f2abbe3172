"""The participant pages' own stylesheet: the Bootstrap rules they use (trimmed by PurgeCSS,
scripts/purge/participant.config.cjs, when `make vendor` runs), kept up to date."""

from __future__ import annotations

import re

from tests.css import ROOT, UNTRIMMED, missing_rules, template_classes, template_elements

CONFIG = ROOT / "scripts" / "purge" / "participant.config.cjs"
STYLESHEET = ROOT / "coalition_app" / "static" / "css" / "participant.css"


def _participant_templates():
    """The templates the config trims for (one list: the config's)."""
    names = re.findall(r'"templates/([\w/.-]+\.html)"', CONFIG.read_text())
    assert "consultation/participate.html" in names and "base.html" in names
    return [ROOT / "templates" / name for name in names]


def test_the_participant_stylesheet_keeps_every_rule_its_templates_use():
    templates = _participant_templates()
    used, tags = template_classes(templates), template_elements(templates)
    assert {"btn", "navbar", "card"} <= used and {"form", "nav", "button"} <= tags
    assert missing_rules(STYLESHEET, used, tags) == set(), "run `make vendor`"


def test_the_participant_stylesheet_is_a_small_part_of_bootstrap():
    css = STYLESHEET.read_text()
    assert "Licensed under MIT" in css[:300] and "Bootstrap" in css[:300]
    assert ".vote-buttons" not in css  # app.css's, not Bootstrap's
    assert ".btn-success{" in css and ".progress{" in css and ".navbar{" in css
    assert ".form-check-input{" in css  # the consent box, named by the form macro
    assert ".modal{" not in css and ".carousel{" not in css
    assert len(css) < UNTRIMMED.stat().st_size / 4


def test_the_consent_and_voting_pages_load_it_instead_of_bootstrap(client, consultation):
    page = client.get("/consulta/consulta-prueba").get_data(as_text=True)
    assert "css/participant.css" in page and "bootstrap.min.css" not in page
    client.post("/consulta/consulta-prueba/unirse", data={"consent": "y"})
    page = client.get("/consulta/consulta-prueba").get_data(as_text=True)
    assert 'name="statement"' in page
    assert "css/participant.css" in page and "bootstrap.min.css" not in page
    assert re.search(r'js/nav\.js(\?v=\w+)?" defer', page)  # the layout's menu script
