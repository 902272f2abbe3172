"""The growth series' API resource: `Growth`."""

from __future__ import annotations

import datetime as dt

from ..api.schemas import Schema, Sector
from . import series as growth


class MembersOn(Schema):
    """Members at one month end: the total and by sector slug."""

    date: dt.date
    total: int
    by_sector: dict[str, int]


class YearEnd(Schema):
    year: int
    members: int


class QuarterJoins(Schema):
    quarter: str
    joins: int


class Growth(Schema):
    """How the coalition grew: members by sector at each month end, the members at each
    year end, joins per quarter, and today's members by sector."""

    as_of: dt.date
    sectors: list[Sector]
    members: list[MembersOn]
    year_ends: list[YearEnd]
    joins_per_quarter: list[QuarterJoins]
    current_by_sector: dict[str, int]

    @classmethod
    def of(cls, data: growth.GrowthData, today: dt.date) -> Growth:
        slugs = data.sector_slugs
        series = growth.membership_series(data.rows, slugs, today)
        current = growth.breakdown(data.rows, today, "sector")
        return cls(
            as_of=today,
            sectors=[Sector.of(s) for s in data.sectors],
            members=[
                MembersOn(
                    date=day,
                    total=total,
                    by_sector={s: series.counts[s][i] for s in slugs},
                )
                for i, (day, total) in enumerate(zip(series.days, series.totals, strict=True))
            ],
            year_ends=[
                YearEnd(year=y, members=n) for y, n in growth.year_end_totals(data.rows, today)
            ],
            joins_per_quarter=[
                QuarterJoins(quarter=q, joins=n)
                for q, n in growth.joins_per_quarter(data.rows, today)
            ],
            current_by_sector={s: current.get(s, 0) for s in slugs},
        )
