"""Reading stylesheets and templates for the tests of the trimmed Bootstrap stylesheets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNTRIMMED = ROOT / "scripts" / "purge" / "bootstrap.min.css"


def selectors(css: str) -> set[str]:
    """Every selector of every rule, at-rules' own lines left out."""
    found: set[str] = set()
    for group in re.findall(r"([^{}]+)\{", css):
        if not group.strip().startswith("@"):
            found.update(part.strip() for part in group.split(","))
    return found


def classes(selector: str) -> set[str]:
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", selector))


def elements(selector: str) -> set[str]:
    """The element names a selector requires (`.card>hr`: hr), attributes and pseudo-classes
    left out."""
    selector = re.sub(r"\[[^\]]*\]|\([^)]*\)", "", selector)
    return set(re.findall(r"(?<![\w.#:-])([a-z][a-z0-9]*)\b", selector))


def template_elements(templates: Iterable[Path]) -> set[str]:
    return {name for t in templates for name in re.findall(r"<([a-z][a-z0-9]*)\b", t.read_text())}


def template_classes(templates: Iterable[Path]) -> set[str]:
    """Every class written in a class attribute of the templates (what Jinja fills in left out)."""
    names: set[str] = set()
    for template in templates:
        for value in re.findall(r'class="([^"]*)"', template.read_text()):
            value = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", value)
            names.update(token for token in value.split() if re.fullmatch(r"[\w-]+", token))
    return names


def missing_rules(trimmed: Path, used: set[str], tags: set[str] | None = None) -> set[str]:
    """Bootstrap's selectors made only of classes in `used` (and, given `tags`, of elements in
    it: PurgeCSS drops `.card>hr` where no template writes an <hr>) that the trimmed file
    lacks."""
    full, kept = selectors(UNTRIMMED.read_text()), selectors(trimmed.read_text())
    needed = {
        selector
        for selector in full
        if classes(selector)
        and classes(selector) <= used
        and (tags is None or elements(selector) <= tags)
        # Bootstrap's dark colour mode: no page turns it on.
        and "data-bs-theme" not in selector
    }
    return needed - kept
