"""What the public sees, and the PDFs (WeasyPrint, on the server).

The agenda is one structure, whether live (what is adopted now, with today's endorsers) or an
edition's snapshot (as it was when published): one template renders both, as a page and as a
PDF. PDFs are made on demand and kept in memory: an edition's for good (it never changes), the
live agenda's and a position's under the "pages" data version (any change makes a new one).
The live agenda and the coverage are built once per change of what they are built from
(`queries.live_agenda_key`, `queries.coverage_key`: one statement) and kept by each process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from models import PAGES, AgendaEdition, Position, version_stamp

from ..consultation.results import get_cache
from ..core.db import session
from ..core.stores import MemoryBackend
from . import queries as q
from . import service

EXTENSION = "agenda_pdfs"
BUILT = "agenda_built"
LANGUAGES = ("es", "en")


def kept(name: str, key: str | None, build: Callable[[], Any]) -> Any:
    """`build()`'s value, kept under `key` (`queries.live_agenda_key`, `coverage_key`: the
    last one per name and process): read-only for every caller. Not kept when the
    consultation results it read were not current (one was being computed): the key would
    not change when they are."""
    store: dict[str, tuple[str, Any]] = current_app.extensions.setdefault(BUILT, {})
    found = store.get(name)
    if key is not None and found is not None and found[0] == key:
        return found[1]
    results = get_cache()
    stale_before = results.stale_answers
    value = build()
    if key is not None and results.stale_answers == stale_before:
        store[name] = (key, value)
    return value


def live_agenda() -> dict[str, Any]:
    """The agenda as it stands: adopted recommendations by group, with evidence figures and
    endorsing institutions (the same structure an edition keeps; read-only)."""
    return kept("agenda", q.live_agenda_key(), service.snapshot_now)


def coverage() -> list[q.CoverageGroup]:
    """`queries.coverage`, built once per change (read-only)."""
    return kept("coverage", q.coverage_key(), q.coverage)


def agenda_groups(agenda: dict[str, Any]) -> list[tuple[dict[str, str], list[dict[str, Any]]]]:
    """The agenda's recommendations grouped by working group, in order."""
    groups: list[tuple[dict[str, str], list[dict[str, Any]]]] = []
    for rec in agenda.get("recommendations", []):
        key = {"es": rec["group_es"], "en": rec["group_en"]}
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append(rec)
    return groups


def _pdf(key: str, render: Callable[[], str]) -> bytes:
    store: MemoryBackend = current_app.extensions.setdefault(
        EXTENSION, MemoryBackend(max_items=200, max_bytes=64 * 1024 * 1024)
    )
    cached = store.get(key)
    if cached is not None:
        return cached
    from weasyprint import CSS, HTML

    stylesheet = CSS(
        filename=str(Path(current_app.root_path) / "static" / "css" / "agenda-print.css")
    )
    document: bytes = HTML(string=render(), base_url=current_app.root_path).write_pdf(
        stylesheets=[stylesheet]
    )
    store.set(key, document)
    return document


def agenda_pdf(lang: str, edition: AgendaEdition | None = None) -> bytes:
    if edition is not None:
        key = f"edition:{edition.id}:{lang}"
        data, when = edition.snapshot, edition.published_on
    else:
        key = f"agenda:{lang}:{version_stamp(session, PAGES)}"
        data, when = live_agenda(), None

    def render() -> str:
        with force_locale(lang):
            return render_template(
                "agenda/pdf_agenda.html",
                groups=agenda_groups(data),
                edition=edition,
                day=when,
                lang=lang,
            )

    return _pdf(key, render)


def position_pdf(position: Position, lang: str) -> bytes:
    key = f"position:{position.id}:{lang}:{version_stamp(session, PAGES)}"

    def render() -> str:
        with force_locale(lang):
            return render_template(
                "agenda/pdf_position.html",
                position=position,
                tally=q.tally_position(position),
                lang=lang,
            )

    return _pdf(key, render)
