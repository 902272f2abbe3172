"""The growth series, computed from the seed data, and the dashboard built on them."""

from __future__ import annotations

from datetime import date

import pytest

from coalition_app.directory import service as directory
from coalition_app.growth import series as growth
from coalition_app.growth.series import GroupMemberRow, MemberRow
from tests.helpers import sign_in

TODAY = date.today()


@pytest.fixture
def seed_growth(seeded_app):
    with seeded_app.test_request_context():
        yield growth.load(TODAY)


def test_ten_members_at_the_end_of_2018_as_the_seed_records_them(seed_growth):
    assert sum(growth.members_on(seed_growth.rows, date(2018, 12, 31)).values()) == 10
    assert dict(growth.year_end_totals(seed_growth.rows, TODAY))[2018] == 10


def test_more_than_110_members_at_the_end_of_2020(seed_growth):
    assert sum(growth.members_on(seed_growth.rows, date(2020, 12, 31)).values()) >= 110


def test_series_runs_monthly_from_the_first_founder_to_today(seed_growth):
    series = growth.membership_series(seed_growth.rows, seed_growth.sector_slugs, TODAY)
    first = min(row.joined_on for row in seed_growth.rows)
    assert series.days[0].year == first.year and series.days[0].month == first.month
    assert series.days[-1] == TODAY
    index = series.days.index(date(2018, 12, 31))
    assert index in series.year_end_indexes
    assert series.totals[index] == 10
    assert series.totals == sorted(series.totals) or any(r.left_on for r in seed_growth.rows)


def test_series_counts_each_point_as_members_on_counts_it():
    rows = [
        MemberRow(date(2020, 1, 15), None, "academia"),
        MemberRow(date(2020, 1, 31), date(2020, 3, 31), "academia"),  # leaves on a point
        MemberRow(date(2020, 2, 1), date(2020, 2, 2), "industry"),  # between two points
        MemberRow(date(2020, 2, 29), date(2020, 4, 1), "industry"),
        MemberRow(date(2020, 3, 1), None, "unknown"),  # a sector not shown
    ]
    today = date(2020, 5, 10)
    series = growth.membership_series(rows, ["academia", "industry"], today)
    for i, day in enumerate(series.days):
        expected = growth.members_on(rows, day)
        assert [series.counts[s][i] for s in ("academia", "industry")] == [
            expected["academia"],
            expected["industry"],
        ], day
    assert series.totals == [2, 3, 2, 1, 1]


def test_each_sector_count_matches_the_directory(seeded_app, seed_growth):
    counts = growth.breakdown(seed_growth.rows, TODAY, "sector")
    with seeded_app.test_request_context():
        for sector in seed_growth.sector_slugs:
            page = directory.directory_page(
                directory.DirectoryQuery(sector=sector, status="active"), TODAY
            )
            assert page.total == counts.get(sector, 0), sector
        everyone = directory.directory_page(directory.DirectoryQuery(status="active"), TODAY)
    assert everyone.total == sum(counts.values())


def test_joins_per_quarter_add_up_to_every_institution(seed_growth):
    joins = growth.joins_per_quarter(seed_growth.rows, TODAY)
    assert sum(n for _q, n in joins) == len(seed_growth.rows)
    assert joins[0][0] == "2018-Q2"


def test_pure_functions_on_tiny_rows():
    rows = [
        MemberRow(date(2018, 6, 1), None, "academia", "MX-CMX"),
        MemberRow(date(2018, 6, 1), date(2019, 3, 1), "industry", "MX-JAL"),
        MemberRow(date(2019, 2, 10), None, "academia", None),
    ]
    assert growth.members_on(rows, date(2018, 12, 31)) == {"academia": 1, "industry": 1}
    assert growth.year_end_totals(rows, date(2019, 6, 1)) == [(2018, 2), (2019, 2)]
    assert growth.joins_per_quarter(rows, date(2019, 4, 1)) == [
        ("2018-Q2", 2),
        ("2018-Q3", 0),
        ("2018-Q4", 0),
        ("2019-Q1", 1),
        ("2019-Q2", 0),
    ]
    assert growth.breakdown(rows, date(2019, 6, 1), "state") == {"MX-CMX": 1, None: 1}
    mix = growth.group_sector_mix(
        [GroupMemberRow("etica", "academia"), GroupMemberRow("etica", "industry")],
        ["etica", "datos"],
        ["academia", "industry"],
    )
    assert mix == {"etica": {"academia": 1, "industry": 1}, "datos": {"academia": 0, "industry": 0}}
    assert growth.missing_sectors(mix) == {"etica": [], "datos": ["academia", "industry"]}


def test_dashboard_shows_charts_tables_and_csv(seeded_client):
    sign_in(seeded_client, "member@example.org", "coalition-demo")
    response = seeded_client.get("/growth")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="growth-data"' in html and 'type="application/json"' in html
    assert "chart.umd.min.js" in html and "js/growth.js" in html
    assert "Crecimiento" in html
    assert 'style="' not in html and " onclick" not in html
    for series in ("members", "joins", "sectors", "states", "groups"):
        csv = seeded_client.get(f"/growth/{series}.csv")
        assert csv.status_code == 200, series
        assert csv.mimetype == "text/csv"
    members = seeded_client.get("/growth/members.csv").get_data(as_text=True).splitlines()
    year_end = next(line for line in members if line.startswith("2018-12-31"))
    assert year_end.endswith(",10")
    assert seeded_client.get("/growth/nothing.csv").status_code == 404


def test_dashboard_needs_sign_in(seeded_client):
    assert seeded_client.get("/growth").status_code == 302


def test_the_month_by_month_table_has_the_same_rows_as_the_csv(seeded_client):
    sign_in(seeded_client, "member@example.org", "coalition-demo")
    html = seeded_client.get("/growth").get_data(as_text=True)
    lines = seeded_client.get("/growth/members.csv").get_data(as_text=True).splitlines()[1:]
    expected = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in line.split(",")) + "</tr>" for line in lines
    )
    # Every month, each sector's count then the total, as the CSV download has them.
    assert f"<tbody>{expected}</tbody>" in html


def test_active_rows_are_the_rows_active_on_the_day():
    rows = [
        MemberRow(date(2020, 1, 15), None, "academia"),
        MemberRow(date(2020, 1, 31), date(2020, 3, 31), "academia"),
        MemberRow(date(2020, 2, 1), date(2020, 2, 2), "industry"),
        MemberRow(date(2020, 3, 1), None, "unknown"),
    ]
    for day in (date(2020, 1, 14), date(2020, 1, 31), date(2020, 2, 2), date(2020, 3, 31)):
        assert growth.active_rows(rows, day) == [row for row in rows if row.active_on(day)], day


def test_pair_rows_escape_each_label_as_the_template_did(app):
    from coalition_app.growth.views import pair_rows

    with app.app_context():
        assert str(pair_rows([("A & <B>", 3), ("x\x00y", 0)])) == (
            "<tr><td>A &amp; &lt;B&gt;</td><td>3</td></tr><tr><td>x\x00y</td><td>0</td></tr>"
        )
        assert str(pair_rows([])) == ""


# The template's loop `growth.views.group_mix_rows` replaces, as it was.
GROUP_MIX_LOOP = """{% for g in board.data.groups %}
      <tr>
        <td><a href="{{ url_for('groups.detail', slug=g.slug) }}">{{ g.name(lang) }}</a></td>
        {% for sector in board.data.sectors %}<td>{{ board.mix[g.slug][sector.slug] }}</td>{% endfor %}
        <td>{% set gaps = board.gaps[g.slug] %}{% if gaps %}<span class="gap-flag">⚠ {% for sector in board.data.sectors if sector.slug in gaps %}{{ sector.name(lang) }}{{ ", " if not loop.last }}{% endfor %}</span>{% else %}—{% endif %}</td>
      </tr>
      {% endfor %}"""  # noqa: E501 (the template's lines as they were)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_group_mix_rows_are_the_templates(app, language):
    from types import SimpleNamespace

    from coalition_app.growth.views import group_mix_rows

    def named(slug, es, en):
        return SimpleNamespace(slug=slug, name=lambda lang: es if lang == "es" else en)

    sectors = [named("academia", "Academia", "Academia"), named("ind", "Industria & <b>", "Ind")]
    groups = [named("etica", "Ética <i>", "Ethics"), named("datos", "Datos", "Data & co")]
    mix = {"etica": {"academia": 2, "ind": 0}, "datos": {"academia": 0, "ind": 0}}
    board = SimpleNamespace(
        data=SimpleNamespace(sectors=sectors, groups=groups),
        mix=mix,
        gaps=growth.missing_sectors(mix),
    )
    with app.test_request_context():
        expected = app.jinja_env.from_string(GROUP_MIX_LOOP).render(board=board, lang=language)
        assert str(group_mix_rows(board, language)) == expected
        board.data.groups = []
        assert str(group_mix_rows(board, language)) == ""


def test_month_ends_are_each_months_last_day_up_to_the_end_itself():
    import calendar

    points = growth.month_ends(date(2019, 11, 20), date(2024, 3, 5))
    expected = []
    for year in range(2019, 2025):
        for month in range(1, 13):
            last = date(year, month, calendar.monthrange(year, month)[1])
            if date(2019, 11, 1) <= last and (year, month) <= (2024, 3):
                expected.append(min(last, date(2024, 3, 5)))
    assert points == expected
    assert date(2020, 2, 29) in points and date(2019, 12, 31) in points
    assert growth.month_ends(date(2024, 3, 31), date(2024, 3, 31)) == [date(2024, 3, 31)]


def test_a_series_without_sectors_totals_zero_at_each_point():
    series = growth.Series([date(2020, 1, 31), date(2020, 2, 29)], [], {})
    assert series.totals == [0, 0]
