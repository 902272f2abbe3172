"""The demo meetings and events of 2026 (`data/meetings.yaml`), with answers and attendance.

Everything here is illustrative (basis demo). A meeting is created only when no meeting of the
same group (or none, for an event) starts at the same instant with the same title; an
existing one is left as the app left it (its answers, attendance and minutes are people's).
Answers and attendance are drawn from a hash of the meeting and the person, never from the
day of the run, so loading again changes nothing.
"""

from __future__ import annotations

import calendar
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Basis,
    GroupMembership,
    Institution,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    MeetingOrganiser,
    Rsvp,
    User,
    WorkingGroup,
)
from models.base import COALITION_TIMEZONE

ZONE = ZoneInfo(COALITION_TIMEZONE)


class MeetingSeedError(ValueError):
    pass


@dataclass
class MeetingRow:
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime
    group: str | None
    place: str | None = None
    online_url: str | None = None
    is_public: bool = False
    organisers: list[str] = field(default_factory=list)
    agenda: str = ""


def _local(text: str, where: str) -> datetime:
    try:
        moment = datetime.strptime(str(text), "%Y-%m-%d %H:%M")
    except ValueError as error:
        raise MeetingSeedError(f"{where}: {text!r} is not YYYY-MM-DD HH:MM") from error
    return moment.replace(tzinfo=ZONE).astimezone(UTC)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based) `weekday` (0 Monday) of the month."""
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    day = first + timedelta(days=offset + 7 * (n - 1))
    assert day.month == month and day.day <= calendar.monthrange(year, month)[1]
    return day


def read_meetings(path: Path, group_slugs: set[str]) -> tuple[list[MeetingRow], date]:
    """The file's meetings, checked (unknown groups, ends before starts), before any write."""
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle) or {}
    year = int(data["year"])
    until = data["attendance_until"]
    if not isinstance(until, date):
        raise MeetingSeedError("meetings.yaml: attendance_until must be a date")
    rows: list[MeetingRow] = []
    for slug, spec in (data.get("group_meetings") or {}).items():
        if slug not in group_slugs:
            raise MeetingSeedError(f"meetings.yaml: unknown group {slug!r}")
        topics = spec["topics"]
        if len(topics) != 12:
            raise MeetingSeedError(f"meetings.yaml: {slug} needs 12 topics, one a month")
        at = datetime.strptime(spec["at"], "%H:%M").time()
        length = timedelta(hours=float(spec["hours"]))
        for month, topic in enumerate(topics, start=1):
            for n, label in ((1, "Sesión de trabajo"), (3, "Seguimiento")):
                day = _nth_weekday(year, month, int(spec["weekday"]), n)
                starts = datetime.combine(day, at, ZONE).astimezone(UTC)
                rows.append(
                    MeetingRow(
                        title=f"{label}: {topic}",
                        starts_at=starts,
                        ends_at=starts + length,
                        group=slug,
                        online_url=spec.get("online"),
                        agenda=f"1. {topic}\n2. Avance de los entregables\n3. Acuerdos",
                    )
                )
    for index, event in enumerate(data.get("events") or [], start=1):
        where = f"meetings.yaml event {index}"
        starts, ends = _local(event["starts"], where), _local(event["ends"], where)
        if ends <= starts:
            raise MeetingSeedError(f"{where}: it ends before it starts")
        rows.append(
            MeetingRow(
                title=event["title"],
                starts_at=starts,
                ends_at=ends,
                group=None,
                place=event.get("place"),
                online_url=event.get("online"),
                is_public=bool(event.get("public")),
                organisers=list(event.get("organisers") or []),
            )
        )
    return rows, until


def _draw(*parts: object) -> int:
    """A number from 0 to 99 fixed by its parts (the same on every run and machine)."""
    return zlib.crc32("|".join(str(p) for p in parts).encode()) % 100


def _rsvp(draw: int) -> Rsvp | None:
    if draw < 60:
        return Rsvp.YES
    if draw < 75:
        return Rsvp.MAYBE
    if draw < 85:
        return Rsvp.NO
    return None


def _came(rsvp: Rsvp | None, draw: int) -> bool:
    chance = {Rsvp.YES: 90, Rsvp.MAYBE: 50, Rsvp.NO: 0, None: 20}[rsvp]
    return draw < chance


def load_meetings(
    session: Session,
    path: Path,
    groups: dict[str, WorkingGroup],
    institutions: dict[str, Institution],
    users: dict[str, User],
) -> None:
    rows, until = read_meetings(path, set(groups))
    by_acronym = {i.acronym: i for i in institutions.values() if i.acronym}
    by_name = {i.name: i for i in institutions.values()}
    for row in rows:
        for organiser in row.organisers:
            if organiser not in by_acronym and organiser not in by_name:
                raise MeetingSeedError(f"meetings.yaml: unknown institution {organiser!r}")
    existing = {
        (
            m.group_id,
            m.starts_at.replace(tzinfo=UTC) if m.starts_at.tzinfo is None else m.starts_at,
            m.title,
        )
        for m in session.scalars(select(Meeting).where(Meeting.basis == Basis.DEMO))
    }
    missing = [
        row
        for row in rows
        if ((groups[row.group].id if row.group else None), row.starts_at, row.title) not in existing
    ]
    if not missing:
        return  # a reload: nothing more to read
    memberships = list(session.scalars(select(GroupMembership)))
    people = sorted(users.values(), key=lambda u: u.email)
    for row in missing:
        group = groups[row.group] if row.group else None
        meeting = Meeting(
            kind=MeetingKind.MEETING if group else MeetingKind.EVENT,
            group=group,
            title=row.title,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            place=row.place,
            online_url=row.online_url,
            agenda=row.agenda,
            is_public=row.is_public,
            basis=Basis.DEMO,
        )
        for organiser in row.organisers:
            institution = by_acronym.get(organiser) or by_name[organiser]
            meeting.organisers.append(MeetingOrganiser(institution=institution))
        day = row.starts_at.astimezone(ZONE).date()
        if group is not None:
            members = {
                m.institution_id
                for m in memberships
                if m.group_id == group.id and m.since <= day and (m.until is None or m.until > day)
            }
            invited = [p for p in people if p.institution_id in members and p.is_active]
        else:
            invited = [p for p in people if p.is_active]
        held = day <= until
        answered_at = row.starts_at - timedelta(days=3)
        for person in invited:
            rsvp = _rsvp(_draw(row.title, row.starts_at.isoformat(), person.email, "rsvp"))
            came = held and _came(rsvp, _draw(row.title, row.starts_at.isoformat(), person.email))
            meeting.attendances.append(
                MeetingAttendance(
                    person=person,
                    institution_id=person.institution_id,
                    rsvp=rsvp,
                    answered_at=answered_at if rsvp else None,
                    attended=came,
                )
            )
        if held and group is not None:
            meeting.minutes = f"Se revisó: {row.title.split(': ', 1)[-1]}. (Minuta ilustrativa.)"
        session.add(meeting)
    session.flush()


__all__ = ["MeetingSeedError", "load_meetings", "read_meetings"]
