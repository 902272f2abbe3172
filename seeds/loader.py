"""Load the coalition's seed data: reference lists, real institutions, groups, ties, demo content.

Plain SQLAlchemy (no Flask), so the CLI, the tests and any script can call it. The files in
`seeds/data/` are read and checked completely before anything is written; then every row is
created or brought up to date by its natural key, so running the loader again changes nothing.

- Reference and real data (sectors, states, institutions, groups, memberships, ties) are
  created or updated to the files' values.
- Demo people are created when missing; an existing person's password is never re-hashed.
- Demo chairs (`group_chairs.csv`: which demo people chair which group) are named when
  missing; a chairship the app has ended or replaced is left as the app left it.
- Demo work (deliverables, their tasks and progress history) is created only when the
  deliverable does not exist yet: its dates are relative to the day of that first run, and the
  history is append-only, so later runs leave it alone.

The loader flushes but does not commit: the caller owns the transaction.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from models import (
    Basis,
    Deliverable,
    GroupChair,
    GroupMembership,
    GroupRole,
    Institution,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    MeetingOrganiser,
    ProgressMode,
    ProgressUpdate,
    Role,
    Sector,
    State,
    Task,
    Tie,
    TieKind,
    User,
    WorkingGroup,
    WorkStatus,
    comparison_key,
)
from models.base import local_now

from .agenda import cite_consultation, load_agenda
from .meetings import load_meetings

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The password of every demo account (public: the accounts exist to show the app).
DEMO_PASSWORD = "coalition-demo"
#: The working groups started at the end of 2019: no membership row starts earlier.
GROUPS_START = date(2019, 11, 1)

RELATIONS = {"coordinator", "working_group_lead", "member", "partner", "ecosystem", "demo"}
LOCALES = {"es", "en"}
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# What each table is called in the summary load_all returns, in loading order.
COUNTED = {
    "sectors": Sector,
    "states": State,
    "institutions": Institution,
    "working_groups": WorkingGroup,
    "group_memberships": GroupMembership,
    "ties": Tie,
    "users": User,
    "group_chairs": GroupChair,
    "deliverables": Deliverable,
    "tasks": Task,
    "progress_updates": ProgressUpdate,
    "meetings": Meeting,
    "meeting_attendances": MeetingAttendance,
}


class SeedDataError(ValueError):
    """A seed file holds a row that cannot be loaded; the message names the file and row."""


# ----------------------------------------------------------------------------- parsed rows


@dataclass(frozen=True)
class SectorRow:
    slug: str
    name_es: str
    name_en: str
    position: int


@dataclass(frozen=True)
class StateRow:
    code: str
    inegi_code: str | None
    name_es: str
    name_en: str
    abbreviation: str


@dataclass(frozen=True)
class InstitutionRow:
    where: str
    name: str
    acronym: str | None
    sector: str
    state: str | None
    website: str | None
    joined_on: date
    left_on: date | None
    founder: bool
    relation: str
    basis: Basis
    source: str | None
    source_es: str | None = None

    @property
    def key(self) -> str:
        return comparison_key(self.name)


@dataclass(frozen=True)
class GroupRow:
    slug: str
    position: int
    name_es: str
    name_en: str
    description_es: str
    description_en: str


@dataclass(frozen=True)
class MembershipRow:
    where: str
    group: str
    institution: str  # comparison key
    role: GroupRole
    since: date
    until: date | None
    basis: Basis


@dataclass(frozen=True)
class TieRow:
    where: str
    first: str  # comparison keys
    second: str
    kind: TieKind
    since: date
    basis: Basis
    note: str
    source: str | None
    note_es: str | None = None


@dataclass(frozen=True)
class PersonRow:
    where: str
    email: str
    full_name: str
    institution: str  # comparison key
    role: Role
    locale: str | None


@dataclass(frozen=True)
class ChairRow:
    where: str
    group: str
    person: str  # e-mail
    since: date
    until: date | None
    basis: Basis


@dataclass(frozen=True)
class UpdateRow:
    days_ago: int
    at: time
    author: str
    changes: dict[str, list[Any]]
    note: str


@dataclass(frozen=True)
class TaskRow:
    title: str
    assignee: str | None
    due_in_days: int | None
    status: WorkStatus
    progress: int
    history: list[UpdateRow]


@dataclass(frozen=True)
class DeliverableRow:
    where: str
    group: str
    title: str
    owner: str | None  # comparison key
    description: str
    created_days_ago: int
    created_at_time: time
    created_by: str | None
    due_in_days: int | None
    status: WorkStatus
    tasks: list[TaskRow]
    history: list[UpdateRow]

    @property
    def progress(self) -> int:
        """Derived progress: the mean of its tasks' progress."""
        if not self.tasks:
            return 0
        return round(sum(task.progress for task in self.tasks) / len(self.tasks))


@dataclass
class SeedData:
    sectors: list[SectorRow] = field(default_factory=list)
    states: list[StateRow] = field(default_factory=list)
    institutions: list[InstitutionRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    memberships: list[MembershipRow] = field(default_factory=list)
    ties: list[TieRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    chairs: list[ChairRow] = field(default_factory=list)
    work: list[DeliverableRow] = field(default_factory=list)


# ----------------------------------------------------------------------------- reading


class _Row:
    """One CSV record with helpers that raise SeedDataError naming the file and line."""

    def __init__(self, file: str, line: int, values: dict[str, str]) -> None:
        self.file = file
        self.line = line
        self.values = values

    @property
    def where(self) -> str:
        return f"{self.file}, line {self.line}"

    def error(self, message: str) -> SeedDataError:
        return SeedDataError(f"{self.where}: {message}")

    def text(self, column: str, *, required: bool = True) -> str | None:
        value = " ".join((self.values.get(column) or "").split())
        if not value:
            if required:
                raise self.error(f"column '{column}' is empty")
            return None
        return value

    def day(self, column: str, *, required: bool = True) -> date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.error(f"column '{column}': {value!r} is not a date (YYYY-MM-DD)") from None

    def integer(self, column: str) -> int:
        value = self.text(column)
        try:
            return int(value)
        except ValueError:
            raise self.error(f"column '{column}': {value!r} is not a whole number") from None

    def choice(self, column: str, allowed):
        """The column's value, which must be a member of `allowed` (an enum or a set)."""
        value = self.text(column)
        if isinstance(allowed, type):
            try:
                return allowed(value)
            except ValueError:
                names = sorted(member.value for member in allowed)
        elif value in allowed:
            return value
        else:
            names = sorted(allowed)
        raise self.error(f"column '{column}': {value!r} is not one of {', '.join(names)}")


def _csv_rows(directory: Path, name: str, columns: Iterable[str]) -> Iterator[_Row]:
    path = directory / name
    if not path.is_file():
        raise SeedDataError(f"{name}: file not found in {directory}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise SeedDataError(f"{name}: missing column(s) {', '.join(missing)}")
        for values in reader:
            if None in values:
                raise SeedDataError(f"{name}, line {reader.line_num}: too many fields")
            if not any((v or "").strip() for v in values.values()):
                continue
            yield _Row(name, reader.line_num, values)


def read_seed_data(directory: Path = DATA_DIR, *, demo: bool = True) -> SeedData:
    """Read and check every seed file; raise SeedDataError (a ValueError) on the first bad row."""
    directory = Path(directory)
    data = SeedData()

    for position, row in enumerate(
        _csv_rows(directory, "sectors.csv", ("slug", "name_es", "name_en"))
    ):
        if any(s.slug == row.text("slug") for s in data.sectors):
            raise row.error(f"duplicate sector {row.text('slug')!r}")
        data.sectors.append(
            SectorRow(row.text("slug"), row.text("name_es"), row.text("name_en"), position)
        )
    sectors = {s.slug for s in data.sectors}

    for row in _csv_rows(
        directory, "states.csv", ("inegi_code", "name", "name_en", "abbreviation", "iso_3166_2")
    ):
        code = row.text("iso_3166_2")
        if any(s.code == code for s in data.states):
            raise row.error(f"duplicate state {code!r}")
        data.states.append(
            StateRow(
                code,
                row.text("inegi_code", required=False),
                row.text("name"),
                row.text("name_en"),
                row.text("abbreviation"),
            )
        )
    states = {s.code for s in data.states}

    institutions: dict[str, InstitutionRow] = {}
    for row in _csv_rows(
        directory,
        "institutions.csv",
        (
            "name",
            "acronym",
            "sector",
            "state",
            "website",
            "joined_on",
            "left_on",
            "founder",
            "relation",
            "basis",
            "dates_basis",
            "source",
        ),
    ):
        name = row.text("name")
        key = comparison_key(name)
        if key in institutions:
            raise row.error(
                f"duplicate institution {name!r} "
                f"(same as {institutions[key].name!r}, {institutions[key].where})"
            )
        sector = row.text("sector")
        if sector not in sectors:
            raise row.error(f"unknown sector {sector!r} for {name!r}")
        state = row.text("state", required=False)
        if state is not None and state not in states:
            raise row.error(f"unknown state {state!r} for {name!r}")
        joined_on = row.day("joined_on")
        left_on = row.day("left_on", required=False)
        if left_on is not None and left_on < joined_on:
            raise row.error(f"left_on {left_on} is before joined_on {joined_on} for {name!r}")
        founder = row.choice("founder", {"yes", "no"}) == "yes"
        relation = row.choice("relation", RELATIONS)
        basis = row.choice("basis", Basis)
        row.choice("dates_basis", Basis)
        if relation == "demo" and basis != Basis.DEMO:
            raise row.error(f"{name!r}: relation demo must have basis demo")
        institutions[key] = InstitutionRow(
            where=row.where,
            name=name,
            acronym=row.text("acronym", required=False),
            sector=sector,
            state=state,
            website=row.text("website", required=False),
            joined_on=joined_on,
            left_on=left_on,
            founder=founder,
            relation=relation,
            basis=basis,
            source=row.text("source", required=False),
            source_es=row.text("source_es", required=False),
        )
    data.institutions = list(institutions.values())

    def institution(row: _Row, column: str) -> InstitutionRow:
        name = row.text(column)
        found = institutions.get(comparison_key(name))
        if found is None:
            raise row.error(f"unknown institution {name!r} in column '{column}'")
        return found

    for row in _csv_rows(
        directory,
        "working_groups.csv",
        ("slug", "position", "name_es", "name_en", "description_es", "description_en"),
    ):
        slug = row.text("slug")
        if any(g.slug == slug for g in data.groups):
            raise row.error(f"duplicate group {slug!r}")
        data.groups.append(
            GroupRow(
                slug,
                row.integer("position"),
                row.text("name_es"),
                row.text("name_en"),
                row.text("description_es"),
                row.text("description_en"),
            )
        )
    groups = {g.slug for g in data.groups}

    open_rows: dict[tuple[str, str], str] = {}
    membership_keys: set[tuple] = set()
    for row in _csv_rows(
        directory,
        "group_memberships.csv",
        ("group", "institution", "role", "since", "until", "basis"),
    ):
        group = row.text("group")
        if group not in groups:
            raise row.error(f"unknown group {group!r}")
        member = institution(row, "institution")
        since = row.day("since")
        until = row.day("until", required=False)
        if until is not None and until < since:
            raise row.error(f"until {until} is before since {since}")
        if since < max(member.joined_on, GROUPS_START):
            raise row.error(
                f"{member.name!r} is in {group!r} since {since}, before it "
                f"joined ({member.joined_on}) or before the groups started"
            )
        if member.left_on is not None and (until is None or until > member.left_on):
            raise row.error(
                f"{member.name!r} left on {member.left_on}: its row in {group!r} must end by then"
            )
        role = row.choice("role", GroupRole)
        key = (group, member.key, role, since)
        if key in membership_keys:
            raise row.error("duplicate membership row")
        membership_keys.add(key)
        if until is None:
            if (group, member.key) in open_rows:
                raise row.error(
                    f"{member.name!r} already has a current row in {group!r} "
                    f"({open_rows[group, member.key]})"
                )
            open_rows[group, member.key] = row.where
        data.memberships.append(
            MembershipRow(
                row.where, group, member.key, role, since, until, row.choice("basis", Basis)
            )
        )

    tie_keys: set[tuple] = set()
    for row in _csv_rows(
        directory,
        "ties.csv",
        ("institution_a", "institution_b", "kind", "since", "basis", "note", "source"),
    ):
        first, second = institution(row, "institution_a"), institution(row, "institution_b")
        if first.key == second.key:
            raise row.error(f"a tie needs two different institutions, got {first.name!r} twice")
        kind = row.choice("kind", TieKind)
        since = row.day("since")
        basis = row.choice("basis", Basis)
        if basis == Basis.DEMO:
            # An invented tie never predates either member or outlives its membership.
            for party in (first, second):
                if since < party.joined_on or (party.left_on and since > party.left_on):
                    raise row.error(
                        f"demo tie on {since} is outside the membership of "
                        f"{party.name!r} ({party.joined_on} to "
                        f"{party.left_on or 'now'})"
                    )
        key = (*sorted((first.key, second.key)), kind, since)
        if key in tie_keys:
            raise row.error("duplicate tie")
        tie_keys.add(key)
        data.ties.append(
            TieRow(
                row.where,
                first.key,
                second.key,
                kind,
                since,
                basis,
                row.text("note", required=False) or "",
                row.text("source", required=False),
                row.text("note_es", required=False),
            )
        )

    if not demo:
        return data

    people: dict[str, PersonRow] = {}
    for row in _csv_rows(
        directory, "people.csv", ("email", "full_name", "institution", "role", "locale")
    ):
        email = row.text("email")
        if email != email.lower() or not _EMAIL.match(email):
            raise row.error(f"{email!r} is not a lower-case e-mail address")
        if email in people:
            raise row.error(f"duplicate e-mail {email!r}")
        employer = institution(row, "institution")
        if employer.left_on is not None:
            raise row.error(f"{email}: {employer.name!r} left the coalition")
        locale = row.text("locale", required=False)
        if locale is not None and locale not in LOCALES:
            raise row.error(f"unknown locale {locale!r}")
        people[email] = PersonRow(
            row.where, email, row.text("full_name"), employer.key, row.choice("role", Role), locale
        )
    data.people = list(people.values())
    data.chairs = _read_chairs(directory, groups, people, data.memberships)

    data.work = _read_work(directory / "work.yaml", groups, institutions, people)
    return data


def _read_chairs(
    directory: Path,
    groups: set[str],
    people: dict[str, PersonRow],
    memberships: list[MembershipRow],
) -> list[ChairRow]:
    """Each chair is a demo person whose institution leads the group all the while."""
    chairs: list[ChairRow] = []
    for row in _csv_rows(
        directory, "group_chairs.csv", ("group", "person", "since", "until", "basis")
    ):
        group = row.text("group")
        if group not in groups:
            raise row.error(f"unknown group {group!r}")
        email = row.text("person")
        person = people.get(email)
        if person is None:
            raise row.error(f"unknown person {email!r}")
        since = row.day("since")
        until = row.day("until", required=False)
        if until is not None and until < since:
            raise row.error(f"until {until} is before since {since}")
        leads = [
            m
            for m in memberships
            if m.group == group and m.institution == person.institution and m.role == GroupRole.LEAD
        ]
        if not any(
            m.since <= since and (m.until is None or (until is not None and until <= m.until))
            for m in leads
        ):
            raise row.error(f"{email}: their institution does not lead {group!r} all the while")
        if any(c.group == group and c.person == email and c.since == since for c in chairs):
            raise row.error("duplicate chair row")
        chairs.append(ChairRow(row.where, group, email, since, until, row.choice("basis", Basis)))
    return chairs


def _read_work(
    path: Path,
    groups: set[str],
    institutions: dict[str, InstitutionRow],
    people: dict[str, PersonRow],
) -> list[DeliverableRow]:
    name = path.name
    if not path.is_file():
        raise SeedDataError(f"{name}: file not found in {path.parent}")
    with path.open(encoding="utf-8") as handle:
        try:
            items = yaml.safe_load(handle) or []
        except yaml.YAMLError as exc:
            raise SeedDataError(f"{name}: not valid YAML: {exc}") from None
    if not isinstance(items, list):
        raise SeedDataError(f"{name}: expected a list of deliverables")

    work: list[DeliverableRow] = []
    seen: set[tuple[str, str]] = set()
    for number, item in enumerate(items, 1):
        where = f"{name}, deliverable {number}"

        def fail(message: str, where: str = where) -> SeedDataError:
            return SeedDataError(f"{where}: {message}")

        def get(
            mapping: dict,
            key: str,
            kind: type | tuple,
            where: str = where,
            *,
            required: bool = True,
        ):
            value = mapping.get(key)
            if value is None or value == "":
                if required:
                    raise fail(f"'{key}' is missing", where)
                return None
            if not isinstance(value, kind) or isinstance(value, bool):
                raise fail(f"'{key}': {value!r} has the wrong type", where)
            return value

        def enum(value: str, enum_class, where: str = where):
            try:
                return enum_class(value)
            except ValueError:
                raise fail(f"{value!r} is not a {enum_class.__name__}", where) from None

        def person(email: str | None, where: str = where) -> str | None:
            if email is not None and email not in people:
                raise fail(f"unknown person {email!r}", where)
            return email

        def clock(value: Any, where: str = where) -> time:
            match = _TIME.match(value) if isinstance(value, str) else None
            if match is None:
                raise fail(f"time {value!r} is not a quoted 'HH:MM'", where)
            return time(int(match[1]), int(match[2]))

        def history(
            entries: Any, where: str, start_status: WorkStatus, with_progress: bool
        ) -> tuple[list[UpdateRow], WorkStatus, int]:
            """Replay updates from (start_status, 0); each entry gives values after it."""
            status, progress = start_status, 0
            rows: list[UpdateRow] = []
            previous: tuple[int, time] | None = None
            for index, entry in enumerate(entries or [], 1):
                here = f"{where}, update {index}"
                if not isinstance(entry, dict):
                    raise fail("expected a mapping", here)
                days_ago = get(entry, "days_ago", int, here)
                at = clock(entry.get("time"), here)
                if days_ago < 1:
                    raise fail("updates must be in the past (days_ago >= 1)", here)
                if previous is not None and (-days_ago, at) < (-previous[0], previous[1]):
                    raise fail("updates must be in time order", here)
                previous = (days_ago, at)
                changes: dict[str, list[Any]] = {}
                if entry.get("status") is not None:
                    after = enum(get(entry, "status", str, here), WorkStatus, here)
                    if after != status:
                        changes["status"] = [status.value, after.value]
                        status = after
                if with_progress and entry.get("progress") is not None:
                    after_progress = get(entry, "progress", int, here)
                    if not 0 <= after_progress <= 100:
                        raise fail(f"progress {after_progress} is outside 0-100", here)
                    if after_progress != progress:
                        changes["progress"] = [progress, after_progress]
                        progress = after_progress
                if not changes:
                    raise fail("the update changes nothing", here)
                rows.append(
                    UpdateRow(
                        days_ago,
                        at,
                        person(get(entry, "author", str, here), here),
                        changes,
                        get(entry, "note", str, here, required=False) or "",
                    )
                )
            return rows, status, progress

        if not isinstance(item, dict):
            raise fail("expected a mapping")
        group = get(item, "group", str)
        if group not in groups:
            raise fail(f"unknown group {group!r}")
        title = " ".join(get(item, "title", str).split())
        if (group, title) in seen:
            raise fail(f"duplicate deliverable {title!r} in {group!r}")
        seen.add((group, title))
        where = f"{name}, deliverable {number} ({title!r})"
        owner = get(item, "owner", str, required=False)
        if owner is not None:
            if comparison_key(owner) not in institutions:
                raise fail(f"unknown institution {owner!r}")
            owner = comparison_key(owner)
        created_days_ago = get(item, "created_days_ago", int)
        tasks: list[TaskRow] = []
        for index, task in enumerate(get(item, "tasks", list, required=False) or [], 1):
            here = f"{where}, task {index}"
            if not isinstance(task, dict):
                raise fail("expected a mapping", here)
            status = enum(get(task, "status", str, here), WorkStatus, here)
            progress = get(task, "progress", int, here)
            updates, replayed_status, replayed_progress = history(
                task.get("history"), here, WorkStatus.PLANNED, with_progress=True
            )
            if (replayed_status, replayed_progress) != (status, progress):
                raise fail(
                    f"history ends at {replayed_status.value} {replayed_progress}%, "
                    f"not at the stated {status.value} {progress}%",
                    here,
                )
            if updates and updates[0].days_ago >= created_days_ago:
                raise fail("an update predates the deliverable", here)
            task_title = " ".join(get(task, "title", str, here).split())
            if any(t.title == task_title for t in tasks):
                raise fail(f"duplicate task {task_title!r}", here)
            tasks.append(
                TaskRow(
                    task_title,
                    person(get(task, "assignee", str, here, required=False), here),
                    get(task, "due_in_days", int, here, required=False),
                    status,
                    progress,
                    updates,
                )
            )
        status = enum(get(item, "status", str), WorkStatus)
        updates, replayed_status, _ = history(
            item.get("history"), where, WorkStatus.PLANNED, with_progress=False
        )
        if replayed_status != status:
            raise fail(f"history ends at {replayed_status.value}, not at {status.value}")
        if updates and updates[0].days_ago >= created_days_ago:
            raise fail("an update predates the deliverable")
        _check_status_matches_tasks(status, tasks, fail)
        work.append(
            DeliverableRow(
                where=where,
                group=group,
                title=title,
                owner=owner,
                description=get(item, "description", str, required=False) or "",
                created_days_ago=created_days_ago,
                created_at_time=clock(item.get("created_at_time")),
                created_by=person(get(item, "created_by", str, required=False)),
                due_in_days=get(item, "due_in_days", int, required=False),
                status=status,
                tasks=tasks,
                history=updates,
            )
        )
    return work


def _check_status_matches_tasks(status: WorkStatus, tasks: list[TaskRow], fail) -> None:
    statuses = {task.status for task in tasks}
    if status == WorkStatus.PLANNED and statuses - {WorkStatus.PLANNED}:
        raise fail("a planned deliverable cannot have started tasks")
    if status in (WorkStatus.IN_REVIEW, WorkStatus.DONE) and statuses - {
        WorkStatus.IN_REVIEW,
        WorkStatus.DONE,
    }:
        raise fail(f"a deliverable {status.value} needs all its tasks in review or done")
    if status == WorkStatus.DONE and statuses - {WorkStatus.DONE}:
        raise fail("a done deliverable needs all its tasks done")
    for task in tasks:
        expected_ok = {
            WorkStatus.PLANNED: task.progress == 0,
            WorkStatus.IN_PROGRESS: 0 < task.progress < 100,
            WorkStatus.IN_REVIEW: 0 < task.progress <= 100,
            WorkStatus.DONE: task.progress == 100,
        }[task.status]
        if not expected_ok:
            raise fail(
                f"task {task.title!r}: progress {task.progress}% does not fit "
                f"status {task.status.value}"
            )


# ----------------------------------------------------------------------------- writing


def _assign(obj: Any, **values: Any) -> None:
    """Set only the attributes that differ, so an unchanged row is never rewritten."""
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)


def load_all(
    session: Session,
    *,
    demo: bool = True,
    password_hash_method: str = "scrypt",
    today: date | None = None,
    data_dir: Path | str | None = None,
) -> dict[str, int]:
    """Load the seed data into `session` (flushed, not committed); return rows per table.

    `demo=False` loads the reference lists, the institutions, the groups with their memberships
    and the documented or reported ties only: no people, no demo ties, no demo work.
    """
    data = read_seed_data(Path(data_dir) if data_dir else DATA_DIR, demo=demo)
    today = today or local_now().date()

    _load_reference(session, data)
    institutions = _load_institutions(session, data.institutions)
    groups = _load_groups(session, data.groups)
    _load_memberships(session, data.memberships, groups, institutions)
    _load_ties(session, [t for t in data.ties if demo or t.basis != Basis.DEMO], institutions)
    if demo:
        users = _load_people(session, data.people, institutions, password_hash_method)
        _load_chairs(session, data.chairs, groups, users)
        _load_work(session, data.work, groups, institutions, users, today)
        load_meetings(
            session, Path(data_dir or DATA_DIR) / "meetings.yaml", groups, institutions, users
        )
        agenda_file = (Path(data_dir) if data_dir else DATA_DIR) / "agenda.yaml"
        load_agenda(session, agenda_file, groups, users, today)
        _load_public_events(session, DATA_DIR / "public_events.yaml", groups, institutions, today)
        from .consultation import load as load_consultation

        load_consultation(session, groups, today)
        cite_consultation(session, agenda_file)
    session.flush()
    return count_rows(session)


def count_rows(session: Session) -> dict[str, int]:
    """Rows per table, in one query."""
    counts = session.execute(
        select(
            *(
                select(func.count()).select_from(model).scalar_subquery().label(name)
                for name, model in COUNTED.items()
            )
        )
    ).one()
    return dict(zip(COUNTED, counts, strict=True))


def _load_reference(session: Session, data: SeedData) -> None:
    sectors = {s.slug: s for s in session.scalars(select(Sector))}
    for row in data.sectors:
        sector = sectors.get(row.slug)
        if sector is None:
            session.add(
                Sector(
                    slug=row.slug, name_es=row.name_es, name_en=row.name_en, position=row.position
                )
            )
        else:
            _assign(sector, name_es=row.name_es, name_en=row.name_en, position=row.position)
    states = {s.code: s for s in session.scalars(select(State))}
    for row in data.states:
        values = dict(
            inegi_code=row.inegi_code,
            name_es=row.name_es,
            name_en=row.name_en,
            abbreviation=row.abbreviation,
        )
        state = states.get(row.code)
        if state is None:
            session.add(State(code=row.code, **values))
        else:
            _assign(state, **values)
    session.flush()


def _load_institutions(session: Session, rows: list[InstitutionRow]) -> dict[str, Institution]:
    existing = {i.name_key: i for i in session.scalars(select(Institution))}
    for row in rows:
        values = dict(
            name=row.name,
            acronym=row.acronym,
            sector_slug=row.sector,
            state_code=row.state,
            website=row.website,
            joined_on=row.joined_on,
            left_on=row.left_on,
            is_founder=row.founder,
            basis=row.basis,
            source=row.source,
            source_es=row.source_es,
        )
        institution = existing.get(row.key)
        if institution is None:
            # Listed on the public site by default when its membership is documented; later
            # runs keep whatever the institution chose since.
            institution = existing[row.key] = Institution(
                **values, is_listed=row.basis == Basis.DOCUMENTED
            )
            session.add(institution)
        else:
            _assign(institution, **values)
    session.flush()
    return existing


def _load_groups(session: Session, rows: list[GroupRow]) -> dict[str, WorkingGroup]:
    existing = {g.slug: g for g in session.scalars(select(WorkingGroup))}
    for row in rows:
        values = dict(
            name_es=row.name_es,
            name_en=row.name_en,
            description_es=row.description_es,
            description_en=row.description_en,
            position=row.position,
        )
        group = existing.get(row.slug)
        if group is None:
            group = existing[row.slug] = WorkingGroup(slug=row.slug, **values)
            session.add(group)
        else:
            _assign(group, **values)
    session.flush()
    return existing


def _load_memberships(
    session: Session,
    rows: list[MembershipRow],
    groups: dict[str, WorkingGroup],
    institutions: dict[str, Institution],
) -> None:
    existing: dict[tuple, GroupMembership] = {}
    current: dict[tuple[int, int], GroupMembership] = {}
    for m in session.scalars(select(GroupMembership)):
        existing[m.group_id, m.institution_id, GroupRole(m.role), m.since] = m
        if m.until is None:
            current[m.group_id, m.institution_id] = m
    # Closing rows first, so a row that the files close frees its (group, institution) slot.
    for row in sorted(rows, key=lambda r: r.until is None):
        group, institution = groups[row.group], institutions[row.institution]
        membership = existing.get((group.id, institution.id, row.role, row.since))
        if membership is not None:
            holder = current.get((group.id, institution.id))
            if row.until is None and holder not in (None, membership):
                # The app closed this row and opened another one: keep what people entered.
                continue
            if membership.until is None and row.until is not None:
                current.pop((group.id, institution.id), None)
            _assign(membership, until=row.until, basis=row.basis)
            if row.until is None:
                current[group.id, institution.id] = membership
            continue
        if row.until is None and (group.id, institution.id) in current:
            # The app recorded another current row for this pair: keep what people entered.
            continue
        membership = GroupMembership(
            group=group,
            institution=institution,
            role=row.role,
            since=row.since,
            until=row.until,
            basis=row.basis,
        )
        session.add(membership)
        if row.until is None:
            current[group.id, institution.id] = membership
    session.flush()


def _load_ties(session: Session, rows: list[TieRow], institutions: dict[str, Institution]) -> None:
    existing = {
        (t.institution_a_id, t.institution_b_id, TieKind(t.kind), t.since): t
        for t in session.scalars(select(Tie))
    }
    for row in rows:
        first, second = institutions[row.first], institutions[row.second]
        a_id, b_id = sorted((first.id, second.id))
        values = dict(note=row.note, note_es=row.note_es, basis=row.basis, source=row.source)
        tie = existing.get((a_id, b_id, row.kind, row.since))
        if tie is None:
            tie = Tie.between(first, second, kind=row.kind, since=row.since, **values)
            existing[a_id, b_id, row.kind, row.since] = tie
            session.add(tie)
        else:
            _assign(tie, **values)
    session.flush()


def _load_people(
    session: Session, rows: list[PersonRow], institutions: dict[str, Institution], method: str
) -> dict[str, User]:
    existing = {u.email: u for u in session.scalars(select(User))}
    shared_hash: str | None = None
    for row in rows:
        institution = institutions[row.institution]
        user = existing.get(row.email)
        if user is not None:
            # Name, institution and role follow the file; the password, the language a
            # person chose and whether the account is active are theirs.
            _assign(user, full_name=row.full_name, institution_id=institution.id, role=row.role)
            continue
        if shared_hash is None:
            # One hash for every new demo account: they share one public password, and
            # hashing it once keeps loading fast even with scrypt.
            shared_hash = generate_password_hash(DEMO_PASSWORD, method=method)
        user = existing[row.email] = User(
            email=row.email,
            full_name=row.full_name,
            institution=institution,
            institution_id=institution.id,
            role=row.role,
            locale=row.locale,
            password_hash=shared_hash,
            is_active=True,
        )
        session.add(user)
    session.flush()
    return existing


def _load_chairs(
    session: Session,
    rows: list[ChairRow],
    groups: dict[str, WorkingGroup],
    users: dict[str, User],
) -> None:
    existing = {(c.group_id, c.person_id, c.since): c for c in session.scalars(select(GroupChair))}
    holding = {(c.group_id, c.person_id) for c in existing.values() if c.until is None}
    for row in rows:
        group, person = groups[row.group], users[row.person]
        chair = existing.get((group.id, person.id, row.since))
        if chair is not None:
            if chair.until is None and row.until is not None:
                chair.until = row.until  # the file closes it
            continue  # otherwise: what the app recorded (an end, a correction) stays
        if row.until is None and (group.id, person.id) in holding:
            continue  # the app named them again since: keep what people entered
        session.add(
            GroupChair(
                group=group, person=person, since=row.since, until=row.until, basis=row.basis
            )
        )
    session.flush()


def _moment(today: date, days_ago: int, at: time) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), at, tzinfo=UTC)


def _load_public_events(
    session: Session,
    path: Path,
    groups: dict[str, WorkingGroup],
    institutions: dict[str, Institution],
    today: date,
) -> None:
    """The demo's public events (the public site lists them); each created once, by title."""
    from zoneinfo import ZoneInfo

    from models.base import COALITION_TIMEZONE

    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        rows = yaml.safe_load(handle) or []
    existing = set(session.scalars(select(Meeting.title)))
    by_key = {i.name_key: i for i in institutions.values()}
    zone = ZoneInfo(COALITION_TIMEZONE)
    for number, row in enumerate(rows, start=1):
        where = f"{path.name}, event {number}"
        if row["title"] in existing:
            continue
        group = groups.get(row["group"]) if row.get("group") else None
        if row.get("group") and group is None:
            raise SeedDataError(f"{where}: no group {row['group']!r}")
        hour, minute = (int(part) for part in str(row["at"]).split(":"))
        day = today + timedelta(days=int(row["starts_in_days"]))
        starts = datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
        meeting = Meeting(
            kind=MeetingKind.EVENT,
            group=group,
            title=row["title"],
            starts_at=starts,
            ends_at=starts + timedelta(hours=float(row["hours"])),
            place=row.get("place") or None,
            online_url=row.get("online_url") or None,
            agenda=row.get("agenda") or "",
            is_public=True,
            basis=Basis.DEMO,
        )
        for name in row.get("organisers") or []:
            institution = by_key.get(comparison_key(name))
            if institution is None:
                raise SeedDataError(f"{where}: no institution {name!r}")
            meeting.organisers.append(MeetingOrganiser(institution=institution))
        session.add(meeting)
    session.flush()


def _load_work(
    session: Session,
    rows: list[DeliverableRow],
    groups: dict[str, WorkingGroup],
    institutions: dict[str, Institution],
    users: dict[str, User],
    today: date,
) -> None:
    existing = {
        tuple(row) for row in session.execute(select(Deliverable.group_id, Deliverable.title))
    }

    def user(email: str | None) -> User | None:
        return users[email] if email else None

    def due(days: int | None) -> date | None:
        return None if days is None else today + timedelta(days=days)

    for row in rows:
        group = groups[row.group]
        if (group.id, row.title) in existing:
            continue  # created on an earlier run: its dates and history stay as they are
        created_at = _moment(today, row.created_days_ago, row.created_at_time)
        creator = user(row.created_by)
        deliverable = Deliverable(
            group=group,
            owner_institution=institutions[row.owner] if row.owner else None,
            title=row.title,
            description=row.description,
            due_on=due(row.due_in_days),
            status=row.status,
            progress=row.progress,
            progress_mode=ProgressMode.DERIVED,
            basis=Basis.DEMO,
            created_by=creator,
            created_at=created_at,
            updated_at=max([created_at] + [_moment(today, u.days_ago, u.at) for u in row.history]),
        )
        session.add(deliverable)
        for update in row.history:
            session.add(
                ProgressUpdate(
                    deliverable=deliverable,
                    author=user(update.author),
                    created_at=_moment(today, update.days_ago, update.at),
                    changes=update.changes,
                    note=update.note,
                )
            )
        for index, task_row in enumerate(row.tasks):
            task_created = created_at + timedelta(minutes=index + 1)
            task = Task(
                deliverable=deliverable,
                title=task_row.title,
                assignee=user(task_row.assignee),
                due_on=due(task_row.due_in_days),
                status=task_row.status,
                progress=task_row.progress,
                created_by=creator,
                created_at=task_created,
                updated_at=max(
                    [task_created] + [_moment(today, u.days_ago, u.at) for u in task_row.history]
                ),
            )
            session.add(task)
            for update in task_row.history:
                session.add(
                    ProgressUpdate(
                        task=task,
                        author=user(update.author),
                        created_at=_moment(today, update.days_ago, update.at),
                        changes=update.changes,
                        note=update.note,
                    )
                )
        existing.add((group.id, row.title))
    session.flush()
