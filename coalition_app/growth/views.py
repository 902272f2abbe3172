"""The growth dashboard: how the coalition grew, where its members are, which gaps remain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..applications.service import per_quarter as applications_per_quarter
from ..core import clock
from ..core.csv import csv_response
from ..core.html import escape_each
from ..core.i18n import current_language
from ..policy import authorize
from . import series as growth

bp = Blueprint("growth", __name__)

SERIES = ("members", "joins", "sectors", "states", "groups", "applications")


@dataclass
class Dashboard:
    """The dashboard's tables: each is a header row and data rows (also the CSV downloads)."""

    data: growth.GrowthData
    members: growth.Series
    year_ends: list[tuple[int, int]]
    joins: list[tuple[str, int]]
    by_sector: list[tuple[str, str, int]]  # slug, label, count
    by_state: list[tuple[str, int]]
    mix: dict[str, dict[str, int]]
    gaps: dict[str, list[str]]
    #: (quarter, received, approved, pending) of the applications to join.
    applications: list[tuple[str, int, int, int]]


def build(today: date) -> Dashboard:
    data = growth.load(today)
    slugs = data.sector_slugs
    language = current_language()
    sector_counts = growth.breakdown(data.rows, today, "sector")
    state_counts = growth.breakdown(data.rows, today, "state")
    state_names = {s.code: s.name(language) for s in data.states}
    not_recorded = _("(not recorded)")
    by_state = sorted(
        [
            (state_names.get(code, not_recorded) if code else not_recorded, n)
            for code, n in state_counts.items()
        ],
        key=lambda pair: (-pair[1], pair[0]),
    )
    mix = growth.group_sector_mix(data.group_rows, [g.slug for g in data.groups], slugs)
    return Dashboard(
        data=data,
        members=growth.membership_series(data.rows, slugs, today),
        year_ends=growth.year_end_totals(data.rows, today),
        joins=growth.joins_per_quarter(data.rows, today),
        by_sector=[(s.slug, s.name(language), sector_counts.get(s.slug, 0)) for s in data.sectors],
        by_state=by_state,
        mix=mix,
        gaps=growth.missing_sectors(mix),
        applications=applications_per_quarter(),
    )


def table(dashboard: Dashboard, series: str) -> list[list]:
    """The numbers behind one chart, header first."""
    language = current_language()
    sectors = dashboard.data.sectors
    if series == "members":
        s = dashboard.members
        return [["date", *s.sectors, "total"]] + [
            [day.isoformat(), *(s.counts[k][i] for k in s.sectors), s.totals[i]]
            for i, day in enumerate(s.days)
        ]
    if series == "joins":
        return [["quarter", "joined"]] + [list(pair) for pair in dashboard.joins]
    if series == "sectors":
        return [["sector", "members"]] + [[slug, n] for slug, _label, n in dashboard.by_sector]
    if series == "states":
        return [["state", "members"]] + [list(pair) for pair in dashboard.by_state]
    if series == "applications":
        return [["quarter", "received", "approved", "pending"]] + [
            list(row) for row in dashboard.applications
        ]
    if series == "groups":
        return [["group", *(s.slug for s in sectors), "missing_sectors"]] + [
            [
                g.name(language),
                *(dashboard.mix[g.slug][s.slug] for s in sectors),
                " ".join(dashboard.gaps[g.slug]),
            ]
            for g in dashboard.data.groups
        ]
    abort(404)


def chart_data(dashboard: Dashboard) -> dict:
    """What growth.js draws, as JSON in the page (data, not script: allowed under a strict CSP)."""
    language = current_language()
    s = dashboard.members
    sector_labels = {sector.slug: sector.name(language) for sector in dashboard.data.sectors}
    year_ends = set(s.year_end_indexes)
    return {
        "sectors": [{"slug": k, "label": sector_labels[k]} for k in s.sectors],
        "members": {
            "labels": [day.isoformat() for day in s.days],
            "counts": s.counts,
            "yearEnds": sorted(year_ends),
            "totals": s.totals,
        },
        "joins": {
            "labels": [q for q, _n in dashboard.joins],
            "counts": [n for _q, n in dashboard.joins],
        },
        "bySector": {
            "labels": [label for _slug, label, _n in dashboard.by_sector],
            "slugs": [slug for slug, _label, _n in dashboard.by_sector],
            "counts": [n for _slug, _label, n in dashboard.by_sector],
        },
        "byState": {
            "labels": [name for name, _n in dashboard.by_state],
            "counts": [n for _name, n in dashboard.by_state],
        },
        "groups": {
            "labels": [g.name(language) for g in dashboard.data.groups],
            "counts": {
                k: [dashboard.mix[g.slug][k] for g in dashboard.data.groups] for k in s.sectors
            },
        },
        "text": {"members": _("Members"), "joined": _("Joined")},
    }


def month_rows(series: growth.Series) -> Markup:
    """The month-by-month table's rows (a date, each sector's count, the total), written
    here rather than by a template loop: a decade of months times the sectors is about a
    thousand cells, most of the page's cost when a loop wrote each one. The cells are
    counts (ints) and ISO dates, which escaping leaves as they are: none is escaped."""
    columns = [series.counts[k] for k in series.sectors]
    return Markup(
        "".join(
            [
                f"<tr><td>{day.isoformat()}</td>"
                f"<td>{'</td><td>'.join(map(str, (*counts, total)))}</td></tr>"
                for day, total, *counts in zip(series.days, series.totals, *columns, strict=True)
            ]
        )
    )


def pair_rows(pairs: list[tuple[Any, Any]]) -> Markup:
    """Rows of a label and a count (`<tr><td>…</td><td>…</td></tr>`), as the template loop
    wrote them, escaped in one call: the quarters' and the states' tables."""
    escaped = escape_each([value for pair in pairs for value in pair])
    return Markup(
        "".join(
            [
                f"<tr><td>{label}</td><td>{count}</td></tr>"
                for label, count in zip(escaped[0::2], escaped[1::2], strict=True)
            ]
        )
    )


def group_mix_rows(board: Dashboard, language: str) -> Markup:
    """The sector mix table's rows (a group, its members in each sector, the sectors it
    lacks), as the template's loop wrote them: a loop of loops over the groups and sectors."""
    sectors = board.data.sectors
    names = dict(
        zip(
            [s.slug for s in sectors],
            escape_each([s.name(language) for s in sectors]),
            strict=True,
        )
    )
    out = []
    for group in board.data.groups:
        counts = board.mix[group.slug]
        gaps = board.gaps[group.slug]
        link, name = escape_each([url_for("groups.detail", slug=group.slug), group.name(language)])
        cells = "".join([f"<td>{counts[s.slug]}</td>" for s in sectors])
        lacking = ", ".join([names[s.slug] for s in sectors if s.slug in gaps])
        gap = f'<span class="gap-flag">⚠ {lacking}</span>' if gaps else "—"
        out.append(
            "\n      <tr>\n"
            f'        <td><a href="{link}">{name}</a></td>\n'
            f"        {cells}\n"
            f"        <td>{gap}</td>\n"
            "      </tr>\n      "
        )
    return Markup("".join(out))


@bp.get("/growth")
def dashboard():
    authorize(current_user, "view_directory")
    board = build(clock.today())
    return render_template(
        "growth/dashboard.html",
        board=board,
        chart=chart_data(board),
        month_rows=month_rows(board.members),
        pair_rows=pair_rows,
        group_mix_rows=group_mix_rows(board, current_language()),
    )


@bp.get("/growth/<series>.csv")
def series_csv(series: str):
    authorize(current_user, "view_directory")
    if series not in SERIES:
        abort(404)
    return csv_response(table(build(clock.today()), series), f"growth-{series}.csv")
