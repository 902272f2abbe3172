"""The vendored Bootstrap stylesheet is trimmed to what we use (scripts/purge/), and still holds
every Bootstrap class a template names: a class a new template uses needs `make vendor`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRIMMED = ROOT / "coalition_app" / "static" / "vendor" / "bootstrap" / "bootstrap.min.css"
UNTRIMMED = ROOT / "scripts" / "purge" / "bootstrap.min.css"


def _selectors(css: str) -> set[str]:
    """Every selector of every rule, at-rules' own lines left out."""
    found: set[str] = set()
    for group in re.findall(r"([^{}]+)\{", css):
        if not group.strip().startswith("@"):
            found.update(part.strip() for part in group.split(","))
    return found


def _classes(selector: str) -> set[str]:
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", selector))


def _template_classes() -> set[str]:
    names: set[str] = set()
    for template in (ROOT / "templates").rglob("*.html"):
        for value in re.findall(r'class="([^"]*)"', template.read_text()):
            value = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", value)  # what Jinja fills in
            names.update(token for token in value.split() if re.fullmatch(r"[\w-]+", token))
    return names


def test_the_trimmed_stylesheet_keeps_every_rule_whose_classes_the_templates_use():
    used = _template_classes()
    assert len(used) > 100  # the templates were read
    full, trimmed = _selectors(UNTRIMMED.read_text()), _selectors(TRIMMED.read_text())
    needed = {
        selector
        for selector in full
        if _classes(selector)
        and _classes(selector) <= used
        # Bootstrap's dark colour mode: no page turns it on.
        and "data-bs-theme" not in selector
    }
    assert needed - trimmed == set(), "run `make vendor`: scripts/purge/ trims Bootstrap"


def test_the_trimmed_stylesheet_is_smaller_and_keeps_bootstraps_licence():
    trimmed = TRIMMED.read_text()
    assert len(trimmed) < len(UNTRIMMED.read_text()) / 2
    assert "Licensed under MIT" in trimmed[:300] and "Bootstrap" in trimmed[:300]
