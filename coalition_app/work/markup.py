"""The work pages' pieces (templates/macros/work.html) written in Python: a progress bar, a
status badge, a due date and a history list.

The home page's tables, a deliverable's tasks and the group page call the first three once
per row, the history list writes a dozen values per entry: as Jinja macros they were a
sixth of those pages' calls. The macros now hand their arguments to these functions (their
output is the macros' to the character, `tests/work/test_markup.py` compares them with the
macros as they were), and rows written in Python call them directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape

from models import TieStatus, WorkStatus, due_state

from ..core.html import escape_each
from ..core.i18n import DOMAIN, datetime_formatter, format_date_once
from ..core.labels import FIELD_LABELS, field_label, label, status_label_of
from ..core.url_patterns import url_pattern

# {catalogue: the pieces' messages, escaped}: the catalogues live as long as the process.
_messages: dict[Any, dict[str, str]] = {}


def _texts() -> dict[str, str]:
    translations = DOMAIN.get_translations()
    texts = _messages.get(translations)
    if texts is None:
        found = {
            "overdue": _("overdue"),
            "due_soon": _("due soon"),
            "no_due_date": _("No due date"),
            "progress_of": _("Progress of %(title)s"),
            "someone": _("someone"),
            "task": _("task"),
            "created": _("created"),
            "evidence": _("Evidence"),
            "no_history": _("No history yet."),
            "archived": _("archived"),
            "active": _("active"),
            "derived": _("derived from tasks"),
            "by_hand": _("set by hand"),
        }
        texts = {key: str(escape(text)) for key, text in found.items()}
        # The history's field names and stored statuses, as field_label and status_label_of.
        texts.update({f"field:{name}": str(escape(field_label(name))) for name in FIELD_LABELS})
        texts.update(
            {
                f"status:{status.value}": str(escape(status_label_of(status.value)))
                for statuses in (WorkStatus, TieStatus)
                for status in statuses
            }
        )
        # Formatted with the title later: the message as a template's _() takes it.
        texts["progress_of"] = found["progress_of"]
        _messages[translations] = texts
    return texts


class Pieces:
    """The three pieces for one request's rows: the messages and DUE_SOON_DAYS looked up
    once, not once a piece (the text, escaped, as `str`)."""

    __slots__ = ("texts", "within_days")

    def __init__(self) -> None:
        self.texts = _texts()
        self.within_days: int = current_app.config["DUE_SOON_DAYS"]

    def progress_bar(self, value: Any, title: Any) -> str:
        # The message is the translator's text, not escaped; the title is (Markup's `%`).
        name = self.texts["progress_of"] % {"title": escape(title)}
        value = escape(value)
        return (
            f'\n<div class="progress" role="progressbar" aria-label="{name}" '
            f'aria-valuenow="{value}" aria-valuemin="0" aria-valuemax="100">\n'
            f'  <div class="progress-bar w-pct-{value}">{value}%</div>\n</div>\n'
        )

    def status_badge(self, status: Any) -> str:
        key = f"badge:{status.value}"
        badge = self.texts.get(key)
        if badge is None:
            value, text = escape_each([status.value, label(status)])
            badge = self.texts[key] = (
                f'\n<span class="badge status-badge status-{value}">{text}</span>\n'
            )
        return badge

    def due(self, day: date | None, today: date, done: Any = False) -> str:
        texts = self.texts
        if not day:
            return f'\n<span class="text-body-secondary">{texts["no_due_date"]}</span>\n'
        state = due_state(day, today, self.within_days, done=done)
        shown = escape(format_date_once(day, "medium"))
        if state is None:
            return f'\n\n  \n  <span class="text-nowrap ">{shown}</span>\n\n'
        if state.value == "overdue":
            return (
                f'\n\n  \n  <span class="text-nowrap text-danger fw-semibold">{shown} · '
                f"{texts['overdue']}</span>\n\n"
            )
        return (
            f'\n\n  \n  <span class="text-nowrap ">{shown} · <span class="due-soon">'
            f"{texts['due_soon']}</span></span>\n\n"
        )


def progress_bar(value: Any, title: Any) -> Markup:
    """The `progress_bar(value, title)` macro's HTML."""
    return Markup(Pieces().progress_bar(value, title))


def status_badge(status: Any) -> Markup:
    """The `status_badge(status)` macro's HTML."""
    return Markup(Pieces().status_badge(status))


def due(day: date | None, today: date, done: Any = False) -> Markup:
    """The `due(day, today, done=False)` macro's HTML: the date, and whether it is overdue or
    due soon (`models.work.due_state`, DUE_SOON_DAYS)."""
    return Markup(Pieces().due(day, today, done))


def work_item(
    href: Any,
    title: Any,
    due_on: date | None,
    today: date,
    context: Any,
    status: Any,
    progress: Any,
    class_: Any = "list-group-item",
    pieces: Pieces | None = None,
) -> Markup:
    """The `work_item(...)` macro's HTML: a piece of work in a list (My work)."""
    pieces = pieces or Pieces()
    css, link, name, where = escape_each([class_, href, title, context])
    return Markup(
        f'\n<li class="{css}">\n'
        '  <div class="d-flex justify-content-between gap-2 flex-wrap">\n'
        f'    <a class="fw-semibold" href="{link}">{name}</a>\n'
        f"    {pieces.due(due_on, today)}\n  </div>\n"
        f'  <div class="small text-body-secondary mb-1">{where} · '
        f"{pieces.status_badge(status)}</div>\n"
        f"  {pieces.progress_bar(progress, title)}\n</li>\n"
    )


def _change_value(field: str, value: Any, texts: dict[str, str]) -> str:
    """The `change_value(field, value)` macro's text: one side of a change, escaped."""
    if value is None:
        return "—"
    if field == "status":
        return texts.get(f"status:{value}") or str(escape(status_label_of(value)))
    if field == "progress":
        return str(escape(f"{value}%"))
    if field == "reopened":
        items = list(value)
        if any(hasattr(item, "__html__") for item in items):
            return str(Markup(", ").join(items))
        return str(escape(", ".join(map(str, items))))
    if field == "archived":
        return texts["archived"] if value else texts["active"]
    if field == "progress_mode":
        return texts["derived"] if value == "derived" else texts["by_hand"]
    if field in ("due_on", "since", "ends_on"):
        return str(escape(format_date_once(date.fromisoformat(value), "medium")))
    if field == "kind":
        return str(escape(label(value)))
    return str(escape(value))


def history_list(updates: Iterable[Any], show_task: Any = False) -> Markup:
    """The `history_list(updates, show_task=False)` macro's HTML: each update's moment,
    author, task (with `show_task`), changes, note and evidence link."""
    texts = _texts()
    if not updates:
        return Markup(f'\n\n<p class="text-body-secondary mb-0">{texts["no_history"]}</p>\n\n')
    task_url = url_pattern("work.task", "task_id") if show_task else None
    moment_text = datetime_formatter("medium")
    entries = ['\n\n<ol class="history list-unstyled mb-0">\n  ']
    for update in updates:
        author = update.author
        task = update.task if task_url is not None else None
        uid, moment, shown, author_name, note, evidence = escape_each(
            [
                update.id,
                update.created_at.isoformat(),
                moment_text(update.created_at),
                author.full_name if author else "",
                update.note or "",
                update.evidence_url or "",
            ]
        )
        if not author:
            author_name = texts["someone"]
        if task is not None and task:
            task_id, task_title = escape_each([task_url(task.id), task.title])
            what = f' · {texts["task"]} <a href="{task_id}">{task_title}</a>'
        else:
            what = ""
        entries.append(
            f'\n  <li class="history-entry" id="update-{uid}">\n'
            '    <div class="small text-body-secondary">\n'
            f'      <time datetime="{moment}">{shown}</time>\n'
            f"      · {author_name}\n      {what}\n    </div>\n    "
        )
        changes = update.changes
        if changes:
            entries.append('\n    <ul class="mb-1 small">\n      ')
            for field, pair in changes.items():
                name = texts.get(f"field:{field}") or escape(field_label(field))
                if pair[0] is None and field in ("title", "status"):
                    shown_change = (
                        f"{_change_value(field, pair[1], texts)} "
                        f'<span class="text-body-secondary">({texts["created"]})</span>\n        '
                    )
                else:
                    shown_change = (
                        f"{_change_value(field, pair[0], texts)} → "
                        f"{_change_value(field, pair[1], texts)}"
                    )
                entries.append(
                    f'\n      <li><span class="fw-semibold">{name}</span>:\n        '
                    f"{shown_change}</li>\n      "
                )
            entries.append("\n    </ul>\n    ")
        entries.append("\n    ")
        if update.note:
            entries.append(f'<p class="mb-1 note">{note}</p>')
        entries.append("\n    ")
        if update.evidence_url:
            entries.append(
                f'<p class="mb-1 small"><a href="{evidence}" rel="noopener noreferrer nofollow">'
                f"{texts['evidence']}</a></p>"
            )
        entries.append("\n  </li>\n  ")
    entries.append("\n</ol>\n\n")
    return Markup("".join(entries))
