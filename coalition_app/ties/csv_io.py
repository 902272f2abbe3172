"""The ties as CSV: export them, and import a file after a preview (all or nothing), as the
directory's institutions (`directory/csv_io.py`): old → new values, kinds and statuses in
Spanish or English or as codes, day/month/year dates, errors per row.

A row is a tie found by its pair, kind and start: a known one is updated (title, end,
description, evidence, status), an unknown one is added. Imported ties were documented by
the coalition: confirmed unless the row says otherwise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Basis, Institution, Tie, TieKind, TieStatus, TieUpdate, User, comparison_key

from ..audit import service as audit
from ..core.csv import unguard
from ..core.db import session, use_case
from ..core.errors import DomainError
from ..core.forms import control_characters, describe_characters
from ..core.labels import label
from ..directory.csv_io import MAX_UPLOAD_BYTES, decode_upload, parse_date
from . import queries
from .service import DESCRIPTION_MAX, EVIDENCE_MAX, TITLE_MAX

COLUMNS = [
    "institution_a",
    "institution_b",
    "kind",
    "title",
    "since",
    "ends_on",
    "status",
    "description",
    "evidence_url",
    "recorded_for",
]
REQUIRED = {"institution_a", "institution_b", "kind", "since"}
#: What an import may change on a tie it finds (the pair, kind and start find it).
UPDATABLE = ("title", "ends_on", "status", "description", "evidence_url")
NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"
__all__ = ["MAX_UPLOAD_BYTES", "NEW", "UPDATE", "UNCHANGED", "apply", "export_table", "preview"]


def status_label(status: TieStatus) -> str:
    return str(
        {
            TieStatus.UNCONFIRMED: _l("unconfirmed"),
            TieStatus.CONFIRMED: _l("confirmed"),
            TieStatus.DECLINED: _l("declined"),
        }[status]
    )


def export_table(by: User) -> list[list[str]]:
    """Every tie as CSV rows, header first (every signed-in person sees every tie, declined
    ones too, as the profiles show them); recorded in the audit trail."""
    ties = queries.every_tie()
    audit.record(by, "ties.export", "tie", None, rows=len(ties))
    return [
        COLUMNS,
        *(
            [
                t.institution_a.name,
                t.institution_b.name,
                t.kind.value,
                t.title or "",
                t.since.isoformat(),
                t.ends_on.isoformat() if t.ends_on else "",
                t.status.value,
                t.description or "",
                t.evidence_url or "",
                t.recorded_for.name if t.recorded_for else "",
            ]
            for t in ties
        ),
    ]


def _words(enum_class: Any, spelled: Any) -> dict[str, Any]:
    """Each member by its code and its names in Spanish and English (case, accents ignored)."""
    words: dict[str, Any] = {}
    for member in enum_class:
        words[comparison_key(member.value)] = member
        for language in ("es", "en"):
            with force_locale(language):
                words[comparison_key(spelled(member))] = member
    return words


@dataclass
class Difference:
    column: str
    before: str
    after: str


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    action: str | None = None
    existing_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if not row.errors and row.action == action)


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return str(format_date(value, "medium"))
    if isinstance(value, TieStatus):
        return status_label(value)
    if isinstance(value, TieKind):
        return label(value)
    return str(value)


def _institution(written: str, institutions: list[Institution]) -> Institution | None:
    key = comparison_key(written)
    by_name = [i for i in institutions if i.name_key == key]
    if by_name:
        return by_name[0]
    by_acronym = [i for i in institutions if i.acronym and comparison_key(i.acronym) == key]
    return by_acronym[0] if len(by_acronym) == 1 else None


def _parse(
    line: int,
    raw: Mapping[str, str | None],
    today: date,
    institutions: list[Institution],
    kinds: dict[str, TieKind],
    statuses: dict[str, TieStatus],
) -> ImportRow:
    values = {k: unguard((raw.get(k) or "").strip()) for k in COLUMNS}
    row = ImportRow(line=line, values=values)
    errors = row.errors
    for column in COLUMNS:
        found = control_characters(values[column])
        if found:
            errors.append(
                str(
                    _l(
                        "%(column)s: remove the control characters (%(characters)s).",
                        column=column,
                        characters=describe_characters(found),
                    )
                )
            )
    if errors:
        return row
    pair = []
    for column in ("institution_a", "institution_b"):
        if not values[column]:
            errors.append(str(_l("%(column)s is missing.", column=column)))
            continue
        found_institution = _institution(values[column], institutions)
        if found_institution is None:
            errors.append(
                str(
                    _l(
                        "%(column)s: no institution is called “%(value)s”.",
                        column=column,
                        value=values[column][:60],
                    )
                )
            )
        else:
            pair.append(found_institution)
    if len(pair) == 2 and pair[0].id == pair[1].id:
        errors.append(str(_l("A tie joins two different institutions.")))
    kind = kinds.get(comparison_key(values["kind"])) if values["kind"] else None
    if not values["kind"]:
        errors.append(str(_l("The kind is missing.")))
    elif kind is None:
        errors.append(str(_l("Unknown kind “%(value)s”.", value=values["kind"][:40])))
    status = TieStatus.CONFIRMED
    if values["status"]:
        found_status = statuses.get(comparison_key(values["status"]))
        if found_status is None:
            errors.append(str(_l("Unknown status “%(value)s”.", value=values["status"][:40])))
        else:
            status = found_status
    since = ends_on = None
    if not values["since"]:
        errors.append(str(_l("The start date is missing.")))
    else:
        since = _date(values["since"], "since", errors)
    if values["ends_on"]:
        ends_on = _date(values["ends_on"], "ends_on", errors)
    if since and since > today:
        errors.append(str(_l("since: the start cannot be after today.")))
    if since and ends_on and ends_on < since:
        errors.append(str(_l("ends_on: the end cannot be before the start.")))
    url = values["evidence_url"]
    if url and not url.startswith(("http://", "https://")):
        errors.append(str(_l("evidence_url: the link must start with http:// or https://.")))
    too_long = (
        len(values["title"]) > TITLE_MAX
        or len(values["description"]) > DESCRIPTION_MAX
        or len(url) > EVIDENCE_MAX
    )
    if too_long:
        errors.append(str(_l("A value is too long.")))
    recorded_for = None
    if values["recorded_for"]:
        recorded_for = _institution(values["recorded_for"], pair)
        if recorded_for is None:
            errors.append(str(_l("recorded_for: name one of the tie's two institutions.")))
    if errors or len(pair) != 2 or kind is None or since is None:
        return row
    a, b = sorted(pair, key=lambda i: i.id)
    row.fields = {
        "institution_a": a,
        "institution_b": b,
        "kind": kind,
        "since": since,
        "title": values["title"] or None,
        "ends_on": ends_on,
        "status": status,
        "description": values["description"],
        "evidence_url": url or None,
        "recorded_for": recorded_for,
    }
    return row


def _date(text: str, column: str, errors: list[str]) -> date | None:
    day = parse_date(text)
    if day is None:
        errors.append(
            str(
                _l(
                    "%(column)s: “%(value)s” is not a date (write 31/12/2020 or 2020-12-31).",
                    column=column,
                    value=text[:40],
                )
            )
        )
    return day


def preview(content: bytes, today: date) -> ImportPreview:
    """Parse and check an upload against the database, writing nothing."""
    text = decode_upload(content)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = REQUIRED - set(headers)
    if missing:
        return ImportPreview(
            [], [str(_l("Missing columns: %(columns)s.", columns=", ".join(sorted(missing))))]
        )
    reader.fieldnames = headers
    institutions = list(session.scalars(select(Institution)))
    kinds = _words(TieKind, label)
    statuses = _words(TieStatus, status_label)
    existing = {
        (t.institution_a_id, t.institution_b_id, t.kind, t.since): t for t in queries.every_tie()
    }
    rows: list[ImportRow] = []
    try:
        for line, raw in enumerate(reader, start=2):
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            rows.append(_parse(line, raw, today, institutions, kinds, statuses))
    except csv.Error as error:
        return ImportPreview(rows, [str(_l("The CSV could not be read: %(error)s", error=error))])
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        if row.errors:
            continue
        f = row.fields
        key = (f["institution_a"].id, f["institution_b"].id, f["kind"], f["since"])
        if key in seen:
            row.errors.append(str(_l("Same tie as line %(line)s.", line=seen[key])))
            continue
        seen[key] = row.line
        current = existing.get(key)
        if current is None:
            row.action = NEW
            continue
        row.existing_id = current.id
        row.differences = [
            Difference(k, _shown(k, getattr(current, k)), _shown(k, f[k]))
            for k in UPDATABLE
            if (getattr(current, k) or None) != (f[k] or None)
        ]
        row.action = UPDATE if row.differences else UNCHANGED
    return ImportPreview(rows)


@use_case
def apply(content: bytes, by: User, today: date) -> ImportPreview:
    """Check the file again and apply it in one transaction; any error and nothing is written."""
    result = preview(content, today)
    if not result.ok:
        raise DomainError(_l("The file has errors: nothing was imported."), field="file")
    try:
        for row in result.rows:
            f = row.fields
            if row.action == NEW:
                tie = Tie(
                    institution_a=f["institution_a"],
                    institution_b=f["institution_b"],
                    kind=f["kind"],
                    since=f["since"],
                    title=f["title"],
                    ends_on=f["ends_on"],
                    status=f["status"],
                    description=f["description"],
                    evidence_url=f["evidence_url"],
                    recorded_for=f["recorded_for"],
                    recorded_by=by,
                    basis=Basis.DOCUMENTED,
                )
                session.add(tie)
                changes = {k: [None, _json(f[k])] for k in ("kind", "since", *UPDATABLE) if f[k]}
                session.add(TieUpdate(tie=tie, author_id=by.id, changes=changes, note="CSV"))
            elif row.action == UPDATE:
                existing = session.get(Tie, row.existing_id)
                assert existing is not None  # the preview found it (ties are never deleted)
                changes = {}
                for k in UPDATABLE:
                    if (getattr(existing, k) or None) != (f[k] or None):
                        changes[k] = [_json(getattr(existing, k)), _json(f[k])]
                        setattr(existing, k, f[k])
                existing.version += 1
                session.add(TieUpdate(tie=existing, author_id=by.id, changes=changes, note="CSV"))
        session.flush()
        audit.record(
            by,
            "ties.import",
            "tie",
            None,
            new=result.count(NEW),
            updated=result.count(UPDATE),
            unchanged=result.count(UNCHANGED),
        )
    except IntegrityError:
        raise DomainError(
            _l("The database refused the file (it changed meanwhile): nothing was imported."),
            field="file",
        ) from None
    return result


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, TieKind | TieStatus):
        return value.value
    return value
