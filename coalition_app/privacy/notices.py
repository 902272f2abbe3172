"""The privacy notice's versions: one YAML file per version under `notices/`, named by the
date it came into force; `core.privacy_notice.CURRENT_VERSION` names the one in force."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from ..core.privacy_notice import CURRENT_VERSION

NOTICES_DIR = Path(__file__).resolve().parent / "notices"
VERSION_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Notice:
    version: str
    title: str
    sections: tuple[Section, ...]

    @property
    def published_on(self) -> date:
        return date.fromisoformat(self.version)

    @property
    def is_current(self) -> bool:
        return self.version == CURRENT_VERSION


def versions() -> list[str]:
    """Every version kept, newest first."""
    return sorted(
        (p.stem for p in NOTICES_DIR.glob("*.yaml") if VERSION_PATTERN.fullmatch(p.stem)),
        reverse=True,
    )


@cache
def _raw(version: str) -> dict:
    with (NOTICES_DIR / f"{version}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def notice(version: str, language: str) -> Notice | None:
    """The notice of `version` in `language` (Spanish unless "en"); None if there is none."""
    if not VERSION_PATTERN.fullmatch(version) or version not in versions():
        return None
    text = _raw(version)["en" if language == "en" else "es"]
    return Notice(
        version=version,
        title=text["title"],
        sections=tuple(Section(s["heading"], tuple(s["paragraphs"])) for s in text["sections"]),
    )
