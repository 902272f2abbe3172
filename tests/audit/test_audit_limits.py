"""The audit trail at the edges of its filters (never a 500), and its CSV: the formula guard
and no-store."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Role
from tests.helpers import sign_in


@pytest.fixture
def coordinator(client, make_user):
    user = make_user(role=Role.COORDINATOR, email="coord@example.org")
    assert sign_in(client, user.email).status_code == 302
    return user


@pytest.mark.parametrize(
    "query",
    [
        "until=9999-12-31",
        "since=9999-12-31",
        "since=0001-01-01&until=9999-12-31",
        "until=0001-01-01",
    ],
)
def test_any_real_date_filters_the_page_and_the_csv(client, coordinator, query):
    page = client.get(f"/audit/?{query}")
    assert page.status_code == 200
    exported = client.get(f"/audit/export.csv?{query}")
    assert exported.status_code == 200
    assert exported.get_data(as_text=True).startswith("time,actor,action")


def test_until_the_last_day_there_is_includes_today(client, coordinator):
    page = client.get("/audit/?until=9999-12-31").get_data(as_text=True)
    assert "<code>sign_in</code>" in page
    nothing = client.get("/audit/?until=2000-01-01").get_data(as_text=True)
    assert "<code>sign_in</code>" not in nothing


def _current_page(html: str) -> str:
    return re.search(r'<a class="page-link"[^>]*aria-current="page">(\d+)</a>', html).group(1)


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("99999999999999999999999", "3"),
        ("9" * 5000, "3"),
        ("3", "3"),
        ("4", "3"),
        ("2", "2"),
        ("²", "1"),
        ("٣", "1"),  # an Arabic-Indic three: a digit to str.isdigit, not a page number
        ("-1", "1"),
        ("0", "1"),
        ("", "1"),
    ],
)
def test_a_page_past_the_last_is_the_last_and_a_non_number_the_first(
    client, coordinator, db_session, page, shown
):
    db_session.add_all(
        AuditEvent(action="test.filler", target_type="none", details={}) for _ in range(120)
    )
    db_session.commit()
    response = client.get("/audit/", query_string={"page": page})
    assert response.status_code == 200
    assert _current_page(response.get_data(as_text=True)) == shown


def test_the_csv_neutralises_formulas_in_every_cell_and_is_not_stored(
    app, client, coordinator, make_user, db_session
):
    invitee = make_user(email="=1+2@example.org", full_name="@SUM(A1)")
    other = app.test_client()
    assert sign_in(other, invitee.email).status_code == 302  # their sign-in: they are the actor
    sign_in(other, "+cmd@example.org", "wrong password")  # a failed one: the address typed
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    actors = [row[1] for row in rows[1:]]
    assert "'=1+2@example.org" in actors
    assert "=1+2@example.org" not in actors
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
    assert client.get("/audit/").headers["Cache-Control"] == "no-store"
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "audit.export")
        )
        == 1
    )
