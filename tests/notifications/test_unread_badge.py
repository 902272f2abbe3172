"""Issue 13: the unread badge clears when the inbox is read. Opening the inbox reads what it
shows: the badge of that same response, and of every page after (cached ones included),
counts only what is left unread; what was new on this visit is still marked "new"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import Notification, NotificationKind
from tests.helpers import count_statements


def badge(page: str) -> int | None:
    match = re.search(r'id="unread-count">(\d+)', page)
    return int(match.group(1)) if match else None


def _notify(db_session, user, count: int, title: str = "Borrador") -> None:
    for n in range(count):
        db_session.add(
            Notification(
                user_id=user.id,
                kind=NotificationKind.TASK_DUE_SOON,
                params={"title": f"{title} {n}", "due_on": "2026-12-01"},
            )
        )
    db_session.commit()


def _unread(db_session, user) -> int:
    db_session.expire_all()
    return db_session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def test_opening_the_inbox_clears_the_badge_on_that_response_and_after(
    client, login_as, make_user, db_session
):
    person = login_as()
    someone_else = make_user()
    _notify(db_session, person, 2)
    _notify(db_session, someone_else, 1)
    client.get("/my-work")  # the welcome message is read: pages below are cached
    # A cached page holding the old count must not be served once the inbox is read.
    assert badge(client.get("/").get_data(as_text=True)) == 2
    assert badge(client.get("/").get_data(as_text=True)) == 2

    response = client.get("/inbox")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert badge(page) is None  # the same response already shows none unread
    assert "Borrador 0" in page and "Borrador 1" in page
    assert page.count(">nuevo</span>") == 2  # still marked new on this visit
    assert "Marcar todo como leído" not in page  # nothing is left to mark
    assert _unread(db_session, person) == 0
    assert _unread(db_session, someone_else) == 1  # only one's own inbox is read

    for path in ("/", "/my-work", "/groups/", "/inbox"):
        assert badge(client.get(path).get_data(as_text=True)) is None, path
    # Seen once: no longer new on the next visit.
    assert ">nuevo</span>" not in client.get("/inbox").get_data(as_text=True)

    _notify(db_session, person, 1, title="Otra")
    assert badge(client.get("/").get_data(as_text=True)) == 1
    page = client.get("/inbox").get_data(as_text=True)
    assert badge(page) is None and page.count(">nuevo</span>") == 1


def test_what_the_inbox_does_not_show_stays_unread_and_counted(client, login_as, db_session):
    person = login_as()
    _notify(db_session, person, 103)  # the inbox shows the newest 100
    page = client.get("/inbox").get_data(as_text=True)
    assert badge(page) == 3
    assert page.count(">nuevo</span>") == 100
    assert "Marcar todo como leído" in page
    assert _unread(db_session, person) == 3

    page = client.post("/inbox/read", follow_redirects=True).get_data(as_text=True)
    assert badge(page) is None
    assert _unread(db_session, person) == 0


def test_an_inbox_with_nothing_new_writes_nothing(app, client, login_as, db_session):
    person = login_as()
    _notify(db_session, person, 1)
    client.get("/inbox")
    engine = app.extensions["database"].session.get_bind()
    with count_statements(engine) as seen:
        page = client.get("/inbox").get_data(as_text=True)
    assert badge(page) is None and "Borrador 0" in page
    assert not [s for s in seen.statements if s.lstrip().upper().startswith("UPDATE NOTIFICATIONS")]


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},  # a link or redirect from another site
        {"Sec-Fetch-Site": "same-site"},  # another application on a sibling subdomain
        {"Sec-Purpose": "prefetch"},  # the browser guessing, not the person reading
        {"Purpose": "prefetch"},
    ],
)
def test_the_inbox_is_not_marked_read_by_other_sites_or_prefetches(
    client, login_as, db_session, headers
):
    person = login_as()
    _notify(db_session, person, 2)
    page = client.get("/inbox", headers=headers).get_data(as_text=True)
    assert page.count(">nuevo</span>") == 2 and badge(page) == 2
    assert client.head("/inbox").status_code == 200
    assert _unread(db_session, person) == 2
    # Opened from the site itself (or typed in the address bar): read.
    page = client.get("/inbox", headers={"Sec-Fetch-Site": "same-origin"}).get_data(as_text=True)
    assert badge(page) is None and _unread(db_session, person) == 0
