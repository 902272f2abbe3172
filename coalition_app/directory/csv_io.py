"""The directory as CSV: export it, and import a file after a preview (all or nothing)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Basis, Institution, User, comparison_key

from ..audit import service as audit
from ..core.csv import unguard
from ..core.db import session, use_case
from ..core.errors import DomainError
from ..core.forms import control_characters, describe_characters
from ..core.i18n import current_language
from .service import InstitutionData, ReferenceSets, close_group_memberships, rule_errors

COLUMNS = [
    "name",
    "acronym",
    "sector",
    "state",
    "website",
    "joined_on",
    "left_on",
    "founder",
    "basis",
    "source",
]
REQUIRED = {"name", "sector", "joined_on"}
MAX_UPLOAD_BYTES = 1024 * 1024
NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"
#: The CSV column of each field of `InstitutionData`, as the preview names a changed cell.
COLUMN_OF = {
    "acronym": "acronym",
    "sector_slug": "sector",
    "state_code": "state",
    "website": "website",
    "joined_on": "joined_on",
    "left_on": "left_on",
    "is_founder": "founder",
    "basis": "basis",
    "source": "source",
}


def export_rows() -> list[dict[str, str]]:
    institutions = session.scalars(select(Institution).order_by(Institution.name_key))
    return [
        {
            "name": i.name,
            "acronym": i.acronym or "",
            "sector": i.sector_slug,
            "state": i.state_code or "",
            "website": i.website or "",
            "joined_on": i.joined_on.isoformat(),
            "left_on": i.left_on.isoformat() if i.left_on else "",
            "founder": "yes" if i.is_founder else "no",
            "basis": i.basis.value,
            "source": i.source or "",
        }
        for i in institutions
    ]


def export_table(by: User) -> list[list[str]]:
    """The whole directory as CSV rows, header first; the export is recorded in the audit trail."""
    rows = export_rows()
    audit.record(by, "institutions.export", "institution", None, rows=len(rows))
    return [COLUMNS, *([row[column] for column in COLUMNS] for row in rows)]


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    data: InstitutionData | None = None
    errors: list[str] = field(default_factory=list)
    action: str | None = None  # NEW, UPDATE or UNCHANGED when there are no errors
    changes: list[str] = field(default_factory=list)
    existing_id: int | None = None
    differences: list[Difference] = field(default_factory=list)


@dataclass
class Difference:
    """One changed cell of an update, as the preview shows it: the column, old → new."""

    column: str
    before: str
    after: str


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


def decode_upload(content: bytes) -> str:
    """UTF-8 text (a BOM is accepted); anything else is refused with a clear message."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_l("The file is larger than 1 MB."), field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            _l("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."), field="file"
        ) from None
    if "\x00" in text:
        raise DomainError(_l("The file is not a CSV text file."), field="file")
    return text


#: Day/month/year as coordinators write it (31/12/2020, 1/2/2021, 31-12-2020, 31.12.2020).
DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_date(text: str) -> date | None:
    """A date written as YYYY-MM-DD (the export's) or day/month/year; None if it is neither.

    >>> parse_date("31/12/2020"), parse_date("2020-12-31"), parse_date("12/31/2020")
    (datetime.date(2020, 12, 31), datetime.date(2020, 12, 31), None)
    """
    found = DAY_MONTH_YEAR.fullmatch(text)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


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


def _parse_row(
    line: int, raw: Mapping[str, str | None], today: date, refs: ReferenceSets
) -> ImportRow:
    values = {k: unguard((raw.get(k) or "").strip()) for k in COLUMNS}
    row = ImportRow(line=line, values=values)
    errors = row.errors
    # The forms' rule (`core.forms.PlainText`): one line of text, no control characters.
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
    if not values["name"]:
        errors.append(str(_l("The name is missing.")))
    sector = refs.sector(values["sector"]) if values["sector"] else None
    if not values["sector"]:
        errors.append(str(_l("The sector is missing.")))
    elif sector is None:
        errors.append(str(_l("Unknown sector “%(value)s”.", value=values["sector"][:40])))
    state = refs.state(values["state"]) if values["state"] else None
    if values["state"] and state is None:
        errors.append(str(_l("Unknown state “%(value)s”.", value=values["state"][:40])))
    joined_on = left_on = None
    if not values["joined_on"]:
        errors.append(str(_l("The join date is missing.")))
    else:
        joined_on = _date(values["joined_on"], "joined_on", errors)
    if values["left_on"]:
        left_on = _date(values["left_on"], "left_on", errors)
    founder = values["founder"].lower()
    if founder not in ("", "yes", "no", "true", "false", "1", "0", "sí", "si"):
        errors.append(str(_l("founder: use yes or no.")))
    basis = values["basis"] or Basis.DOCUMENTED.value
    if basis not in {b.value for b in Basis}:
        errors.append(str(_l("Unknown basis “%(value)s”.", value=basis[:40])))
    if len(values["name"]) > 200 or len(values["acronym"]) > 40 or len(values["website"]) > 300:
        errors.append(str(_l("A value is too long.")))
    if errors or joined_on is None or sector is None:
        return row
    row.data = InstitutionData(
        name=" ".join(values["name"].split()),
        acronym=values["acronym"] or None,
        sector_slug=sector,
        state_code=state,
        website=values["website"] or None,
        joined_on=joined_on,
        left_on=left_on,
        is_founder=founder in ("yes", "true", "1", "sí", "si"),
        basis=Basis(basis),
        source=values["source"] or None,
    )
    for error in rule_errors(row.data, today, refs):
        errors.append(str(error.message))
    return row


def preview(content: bytes, today: date) -> ImportPreview:
    """Parse and check an upload against the database, writing nothing."""
    text = decode_upload(content)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = REQUIRED - set(headers)
    if missing:
        return ImportPreview(
            [],
            [str(_l("Missing columns: %(columns)s.", columns=", ".join(sorted(missing))))],
        )
    reader.fieldnames = headers
    refs = ReferenceSets.load()
    existing = {i.name_key: i for i in session.scalars(select(Institution))}
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    try:
        for line, raw in enumerate(reader, start=2):
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            rows.append(_parse_row(line, raw, today, refs))
    except csv.Error as error:
        return ImportPreview(rows, [str(_l("The CSV could not be read: %(error)s", error=error))])
    for row in rows:
        if not row.values["name"]:
            continue
        key = comparison_key(row.values["name"])
        if key in seen:
            row.errors.append(
                str(_l("Same name as line %(line)s (case and accents ignored).", line=seen[key]))
            )
            continue
        seen[key] = row.line
        if row.errors or row.data is None:
            continue
        current = existing.get(key)
        if current is None:
            row.action = NEW
            continue
        if current.name != row.data.name:
            row.errors.append(
                str(
                    _l(
                        "“%(name)s” is already in the directory (case and accents are ignored).",
                        name=current.name,
                    )
                )
            )
            continue
        row.existing_id = current.id
        row.changes = [
            k for k, v in row.data.as_dict().items() if k != "name" and getattr(current, k) != v
        ]
        row.differences = [
            Difference(
                COLUMN_OF[k],
                _shown(k, getattr(current, k), refs),
                _shown(k, getattr(row.data, k), refs),
            )
            for k in sorted(row.changes, key=lambda k: COLUMNS.index(COLUMN_OF[k]))
        ]
        row.action = UPDATE if row.changes else UNCHANGED
    return ImportPreview(rows)


def _shown(key: str, value: object, refs: ReferenceSets) -> str:
    """A cell's value as the preview shows it: names in the page's language, dates spelled
    out, "—" for nothing."""
    if value is None or value == "":
        return "—"
    english = 1 if current_language() == "en" else 0
    if key == "sector_slug" and str(value) in refs.sector_labels:
        return refs.sector_labels[str(value)][english]
    if key == "state_code" and str(value) in refs.state_labels:
        return refs.state_labels[str(value)][english]
    if isinstance(value, date):
        return str(format_date(value, "medium"))
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, Basis):
        return value.value
    return str(value)


@use_case
def apply(content: bytes, by: User, today: date) -> ImportPreview:
    """Check the file again and apply it in one transaction; any error and nothing is written."""
    result = preview(content, today)
    if not result.ok:
        raise DomainError(_l("The file has errors: nothing was imported."), field="file")
    try:
        for row in result.rows:
            if row.action == NEW:
                assert row.data is not None  # preview: a new row parsed without errors
                session.add(Institution(**row.data.as_dict()))
            elif row.action == UPDATE:
                institution = session.get(Institution, row.existing_id)
                assert institution is not None  # preview found it (institutions stay)
                for key in row.changes:
                    setattr(institution, key, getattr(row.data, key))
                if "left_on" in row.changes and institution.left_on is not None:
                    close_group_memberships(institution, institution.left_on)
        session.flush()
        audit.record(
            by,
            "institutions.import",
            "institution",
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
