"""The open data files: the public directory, the growth series and the network summary, as
CSV and JSON, under CC BY 4.0, each field described in the data dictionary.

Each dataset is a header and rows (the CSV), and the same rows as objects with the licence
and the date (the JSON). Only listed institutions appear (see `queries`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Institution

from ..core.db import session
from ..growth import series as growth
from . import queries

#: A lazily translated text (`lazy_gettext`).
Text = Any
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "text", "integer", "date", "url"
    description: Text


@dataclass(frozen=True)
class Dataset:
    slug: str  # the file's name: /datos/<slug>.csv and .json
    title: Text
    description: Text
    fields: tuple[Field, ...]
    rows: Callable[[date], list[list[Any]]]


def directory_rows(today: date) -> list[list[Any]]:
    listed = queries.members(queries.MemberQuery(), today).institutions
    return [
        [
            i.name,
            i.acronym or "",
            i.sector_slug,
            i.state_code or "",
            i.website or "",
            i.joined_on.year,
        ]
        for i in listed
    ]


def growth_rows(today: date) -> list[list[Any]]:
    figures = queries.figures(today)
    slugs = [s.slug for s in figures.sectors]
    rows = [
        growth.MemberRow(i.joined_on, i.left_on, i.sector_slug, i.state_code)
        for i in _listed_institutions()
    ]
    series = growth.membership_series(rows, slugs, today)
    totals = series.totals
    return [
        [day.isoformat(), *(series.counts[s][index] for s in slugs), totals[index]]
        for index, day in enumerate(series.days)
        if day.year >= queries.GROWTH_FROM
    ]


def _listed_institutions() -> list[Institution]:
    return list(session.scalars(select(Institution).where(Institution.is_listed.is_(True))))


def network_rows(today: date) -> list[list[Any]]:
    summary = queries.network_summary(today)
    return [[a, b, n] for a, b, n in summary.sector_pairs]


SECTOR_DESCRIPTION = _l(
    "Sector code: government, industry, academia, civil_society or international_cooperation."
)
DATASETS: dict[str, Dataset] = {
    "directorio": Dataset(
        "directorio",
        _l("Member directory"),
        _l("Member institutions that chose to be listed publicly, by name."),
        (
            Field("name", "text", _l("The institution's name.")),
            Field("acronym", "text", _l("Its acronym (empty if none).")),
            Field("sector", "text", SECTOR_DESCRIPTION),
            Field(
                "state",
                "text",
                _l("Federal entity, ISO 3166-2 code (MX-CMX); EXT outside Mexico; empty if none."),
            ),
            Field("website", "url", _l("Its website (empty if none recorded).")),
            Field("joined_year", "integer", _l("The year it joined the coalition.")),
        ),
        directory_rows,
    ),
    "crecimiento": Dataset(
        "crecimiento",
        _l("Growth since 2018"),
        _l(
            "Listed member institutions at the end of every month, by sector; the last row is "
            "today."
        ),
        (
            Field(
                "date", "date", _l("The month's last day (YYYY-MM-DD), or today for the last row.")
            ),
            Field(
                "<sector>",
                "integer",
                _l("One column per sector code: its listed members on that date."),
            ),
            Field("total", "integer", _l("All listed members on that date.")),
        ),
        growth_rows,
    ),
    "red": Dataset(
        "red",
        _l("Network summary"),
        _l("Confirmed, current ties between listed members, counted by the pair of sectors."),
        (
            Field("sector_a", "text", SECTOR_DESCRIPTION),
            Field("sector_b", "text", _l("The other side's sector code (may equal sector_a).")),
            Field("ties", "integer", _l("Confirmed ties between institutions of these sectors.")),
        ),
        network_rows,
    ),
}


def header(dataset: Dataset, today: date) -> list[str]:
    if dataset.slug == "crecimiento":
        slugs = [s.slug for s in queries.figures(today).sectors]
        return ["date", *slugs, "total"]
    return [f.name for f in dataset.fields]


def as_table(dataset: Dataset, today: date) -> list[list[Any]]:
    return [header(dataset, today), *dataset.rows(today)]


def as_json(dataset: Dataset, today: date, url: str) -> dict[str, Any]:
    table = as_table(dataset, today)
    names = table[0]
    document: dict[str, Any] = {
        "dataset": dataset.slug,
        "title": str(dataset.title),
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "source": url,
        "as_of": today.isoformat(),
        "fields": names,
        "rows": [dict(zip(names, row, strict=True)) for row in table[1:]],
    }
    if dataset.slug == "red":
        summary = queries.network_summary(today)
        document["headline"] = {
            "listed_institutions": summary.institutions,
            "confirmed_ties": summary.ties,
            "working_groups": summary.groups,
        }
    return document
