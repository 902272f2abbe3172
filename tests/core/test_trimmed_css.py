"""The vendored Bootstrap stylesheet is trimmed to what we use (scripts/purge/), and still holds
every Bootstrap class a template names: a class a new template uses needs `make vendor`."""

from __future__ import annotations

from tests.css import ROOT, UNTRIMMED, missing_rules, template_classes

TRIMMED = ROOT / "coalition_app" / "static" / "vendor" / "bootstrap" / "bootstrap.min.css"


def test_the_trimmed_stylesheet_keeps_every_rule_whose_classes_the_templates_use():
    used = template_classes((ROOT / "templates").rglob("*.html"))
    assert len(used) > 100  # the templates were read
    assert missing_rules(TRIMMED, used) == set(), (
        "run `make vendor`: scripts/purge/ trims Bootstrap"
    )


def test_the_trimmed_stylesheet_is_smaller_and_keeps_bootstraps_licence():
    trimmed = TRIMMED.read_text()
    assert len(trimmed) < len(UNTRIMMED.read_text()) / 2
    assert "Licensed under MIT" in trimmed[:300] and "Bootstrap" in trimmed[:300]
