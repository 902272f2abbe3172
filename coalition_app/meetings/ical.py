"""iCalendar (RFC 5545) for meetings, made with the `icalendar` library: the feeds people
subscribe to and the invitations' .ics attachments.

Times are written in the coalition's zone (TZID=America/Mexico_City) with its VTIMEZONE, so a
calendar shows the hour the organiser typed; DTSTAMP is UTC. A meeting keeps one UID for life
and its SEQUENCE is its version, so a changed time replaces the entry in people's calendars;
a cancelled meeting is STATUS:CANCELLED.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from models import Meeting, utcnow

from ..core import clock
from ..core.links import absolute, base_url

PRODID = "-//Coalition//Meetings//ES"


def as_utc(moment: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite gives them back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def uid(meeting: Meeting) -> str:
    host = urlsplit(base_url()).hostname or "coalition"
    return f"meeting-{meeting.id}@{host}"


def calendar(meetings: Iterable[Meeting], *, name: str, method: str | None = None) -> Calendar:
    """A calendar of these meetings; `method` (REQUEST, CANCEL) for an invitation."""
    zone = ZoneInfo(clock.zone_name())
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", clock.zone_name())
    if method:
        cal.add("method", method)
    stamp = utcnow().replace(microsecond=0)
    for meeting in meetings:
        cal.add_component(_event(meeting, zone, stamp))
    cal.add_missing_timezones()
    return cal


def _event(meeting: Meeting, zone: ZoneInfo, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid(meeting))
    event.add("dtstamp", stamp)
    event.add("dtstart", as_utc(meeting.starts_at).astimezone(zone))
    event.add("dtend", as_utc(meeting.ends_at).astimezone(zone))
    event.add("summary", meeting.title)
    event.add("sequence", max(0, meeting.version - 1))
    link = absolute(f"/meetings/{meeting.id}")
    description = meeting.agenda.strip()
    event.add("description", f"{description}\n\n{link}".strip())
    event.add("url", link)
    location = ", ".join(p for p in (meeting.place, meeting.online_url) if p)
    if location:
        event.add("location", location)
    event.add("class", "PUBLIC" if meeting.is_public else "PRIVATE")
    event.add("status", "CANCELLED" if meeting.cancelled_at is not None else "CONFIRMED")
    return event


def to_text(cal: Calendar) -> str:
    return cal.to_ical().decode()
