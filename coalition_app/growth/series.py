"""The coalition's growth as numbers: pure functions over plain rows, plus one loader.

The functions take rows (joined_on, left_on, sector, state) and dates, never a session, so
tests can compute the same series from the seed files that the page shows.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy import Select, select

from models import SECTORS_IN_ORDER, GroupMembership, Institution, Sector, State, WorkingGroup

from ..core.db import session


class MemberRow(NamedTuple):
    """An institution as the figures see it. A named tuple: made for every institution on
    every request, a frozen dataclass's setattr per field was a tenth of the loader."""

    joined_on: date
    left_on: date | None
    sector: str
    state: str | None = None
    founder: bool = False

    def active_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


class GroupMemberRow(NamedTuple):
    group: str
    sector: str


def active_rows(rows: Iterable[MemberRow], day: date) -> list[MemberRow]:
    """The rows active on `day`: `MemberRow.active_on` written out, since the dashboard
    asks it of every row for each year (a call per row and year was a tenth of the page)."""
    return [
        row for row in rows if row.joined_on <= day and (row.left_on is None or row.left_on > day)
    ]


def members_on(rows: Iterable[MemberRow], day: date) -> Counter:
    """Members on `day`, counted by sector."""
    return Counter([row.sector for row in active_rows(rows, day)])


def month_ends(start: date, end: date) -> list[date]:
    """The last day of every month from `start`'s to `end`'s; the last point is `end` itself."""
    points = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        # The day before the next month's first (calendar.monthrange cost four calls a month).
        last = date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY
        points.append(last if last < end else end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return points


_ONE_DAY = timedelta(days=1)


@dataclass
class Series:
    """Cumulative members by sector at each point (month ends), with year ends marked."""

    days: list[date]
    sectors: list[str]
    counts: dict[str, list[int]]

    @cached_property
    def totals(self) -> list[int]:
        # Computed once: the page's month-by-month table reads it on every row. Summed
        # along the points' columns (a generator per point was half the series' calls).
        if not self.sectors:
            return [0] * len(self.days)
        return list(map(sum, zip(*[self.counts[s] for s in self.sectors], strict=True)))

    @property
    def year_end_indexes(self) -> list[int]:
        return [i for i, day in enumerate(self.days) if day.month == 12 and day.day == 31]


def membership_series(rows: Sequence[MemberRow], sectors: Sequence[str], today: date) -> Series:
    """Members over time, from the month of the first join to `today`."""
    if not rows:
        return Series([], list(sectors), {s: [] for s in sectors})
    days = month_ends(min(row.joined_on for row in rows), today)
    # Each row counts on the points from its join up to its exit (as `MemberRow.active_on`
    # says): marked at both ends, then summed along, instead of every row asked at every point.
    changes = {s: [0] * (len(days) + 1) for s in sectors}
    for row in rows:
        if row.sector not in changes:
            continue
        first = bisect_left(days, row.joined_on)
        end = len(days) if row.left_on is None else bisect_left(days, row.left_on)
        if first < end:
            changes[row.sector][first] += 1
            changes[row.sector][end] -= 1
    counts: dict[str, list[int]] = {}
    for sector in sectors:
        running, column = 0, []
        for change in changes[sector][: len(days)]:
            running += change
            column.append(running)
        counts[sector] = column
    return Series(days, list(sectors), counts)


def year_end_totals(rows: Sequence[MemberRow], today: date) -> list[tuple[int, int]]:
    """(year, members on 31 December) for every year from the first join; this year as of today."""
    if not rows:
        return []
    first = min(row.joined_on for row in rows).year
    out = []
    for year in range(first, today.year + 1):
        day = min(date(year, 12, 31), today)
        out.append((year, len(active_rows(rows, day))))
    return out


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def joins_per_quarter(rows: Sequence[MemberRow], today: date) -> list[tuple[str, int]]:
    """Institutions that joined in each quarter, every quarter from the first to today's."""
    if not rows:
        return []
    joined = Counter(quarter_of(row.joined_on) for row in rows)
    first = min(row.joined_on for row in rows)
    out = []
    year, quarter = first.year, (first.month - 1) // 3 + 1
    last = (today.year, (today.month - 1) // 3 + 1)
    while (year, quarter) <= last:
        label = f"{year}-Q{quarter}"
        out.append((label, joined.get(label, 0)))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def breakdown(rows: Iterable[MemberRow], today: date, by: str) -> Counter:
    """Current members counted by "sector" or "state" (None: no state recorded)."""
    return Counter(map(attrgetter(by), active_rows(rows, today)))


def group_sector_mix(
    rows: Iterable[GroupMemberRow], groups: Sequence[str], sectors: Sequence[str]
) -> dict[str, dict[str, int]]:
    """For each group, its current member institutions counted by sector (zeros included)."""
    mix = {group: dict.fromkeys(sectors, 0) for group in groups}
    for row in rows:
        if row.group in mix and row.sector in mix[row.group]:
            mix[row.group][row.sector] += 1
    return mix


def missing_sectors(mix: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """The sectors each group lacks: a gap its chairs should fill."""
    return {group: [s for s, n in counts.items() if n == 0] for group, counts in mix.items()}


# --- loading the rows (a fixed number of queries) --------------------------------------------


@dataclass
class GrowthData:
    today: date
    rows: list[MemberRow]
    group_rows: list[GroupMemberRow]
    sectors: list[Sector]
    states: list[State]
    groups: list[WorkingGroup]

    @property
    def sector_slugs(self) -> list[str]:
        return [s.slug for s in self.sectors]


def load(today: date) -> GrowthData:
    """Every row the dashboard needs, in five queries whatever the size of the coalition."""
    rows = [MemberRow(*row) for row in session.execute(_MEMBER_ROWS)]
    group_rows = [GroupMemberRow(*row) for row in session.execute(_group_rows(today))]
    return GrowthData(
        today=today,
        rows=rows,
        group_rows=group_rows,
        sectors=list(session.scalars(SECTORS_IN_ORDER)),
        states=list(session.scalars(_STATES)),
        groups=list(session.scalars(_GROUPS)),
    )


_MEMBER_ROWS = select(
    Institution.joined_on,
    Institution.left_on,
    Institution.sector_slug,
    Institution.state_code,
    Institution.is_founder,
)


@functools.lru_cache(maxsize=4)
def _group_rows(today: date) -> Select[str, str]:
    """The group and sector of each current membership: built once per process and day
    (building `GroupMembership.current_on` costs about as much as running it)."""
    return (
        select(WorkingGroup.slug, Institution.sector_slug)
        .join(GroupMembership, GroupMembership.group_id == WorkingGroup.id)
        .join(Institution, GroupMembership.institution_id == Institution.id)
        .where(GroupMembership.current_on(today))
    )


_STATES = select(State).order_by(State.name_es)
_GROUPS = select(WorkingGroup).order_by(WorkingGroup.position)
