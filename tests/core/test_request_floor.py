"""What every signed-in request pays (issue 17): the person, their unread count and the pages'
data version in one statement; the templates' addresses built once per process."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import update

from coalition_app.account.service import load_active_user
from coalition_app.core.db import session
from coalition_app.notifications.service import unread_count
from models import Notification, NotificationKind, User
from tests.helpers import count_statements


def _without_begin(statements: list[str]) -> list[str]:
    return [s for s in statements if s.strip().upper() not in {"BEGIN", "COMMIT"}]


def test_a_page_served_from_the_cache_runs_one_statement(app, client, login_as, db_session):
    user = login_as()
    db_session.add(
        Notification(user_id=user.id, kind=NotificationKind.TASK_ASSIGNED, params={}, link="/")
    )
    db_session.commit()
    client.get("/my-work")  # the welcome message read: the next pages carry none
    engine = app.extensions["database"].session.get_bind()

    first = client.get("/").get_data(as_text=True)
    with count_statements(engine) as again:
        second = client.get("/").get_data(as_text=True)

    assert second == first and 'id="unread-count">1<' in second
    # The person, with the two-factor setting, the unread count and the "pages" version.
    [statement] = _without_begin(again.statements)
    assert "FROM users" in statement and "notifications" in statement, statement
    assert "data_versions" in statement, statement


def test_a_signed_in_page_asks_for_the_unread_count_with_the_person(
    app, client, login_as, db_session
):
    user = login_as()
    for _ in range(2):
        db_session.add(
            Notification(user_id=user.id, kind=NotificationKind.TASK_ASSIGNED, params={}, link="/")
        )
    db_session.commit()
    client.get("/my-work")
    engine = app.extensions["database"].session.get_bind()

    with count_statements(engine) as counter:
        page = client.get("/groups/").get_data(as_text=True)

    assert 'id="unread-count">2<' in page
    assert not [s for s in counter.statements if s.lstrip().startswith("SELECT count(*)")], (
        counter.statements
    )


def test_the_count_read_with_the_person_follows_what_the_request_changes(
    app: Flask, make_user, db_session
):
    user: User = make_user()
    db_session.commit()
    engine = app.extensions["database"].session.get_bind()
    with app.test_request_context("/"):
        loaded = load_active_user(f"{user.id}.{user.session_version}")
        assert loaded is not None
        with count_statements(engine) as counter:
            assert unread_count(loaded) == 0
        assert counter.count == 0  # read with the person

        session.add(
            Notification(user_id=user.id, kind=NotificationKind.TASK_ASSIGNED, params={}, link="/")
        )
        assert unread_count(loaded) == 1  # a pending notification: flushed and counted

        session.execute(update(Notification).values(read_at=datetime(2026, 1, 1)))
        assert unread_count(loaded) == 0  # a bulk update: counted again
        session.rollback()


def test_the_templates_addresses_are_flasks(app: Flask):
    remembered = app.jinja_env.globals["url_for"]
    cases = [
        ("home.index", {}),
        ("groups.detail", {"slug": "etica"}),
        ("static", {"filename": "css/app.css"}),
        ("home.index", {"flag": True}),
        ("home.index", {"flag": 1}),
        ("home.index", {"flag": None}),
        ("home.index", {"tags": ["a", "b"]}),
    ]
    for script_name in ("", "/mounted"):
        with app.test_request_context("/", base_url=f"http://localhost{script_name}/"):
            for endpoint, values in cases * 2:  # built, then remembered
                assert remembered(endpoint, **values) == app.url_for(endpoint, **values), (
                    script_name,
                    endpoint,
                    values,
                )
            assert remembered("home.index").startswith(f"{script_name}/")
            assert "?v=" in remembered("static", filename="css/app.css")
            assert remembered("home.index", flag=True) != remembered("home.index", flag=1)
            assert remembered("home.index", _external=True).startswith("http://")
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        remembered("home.index")  # outside a request: Flask's own (external, so it needs one)


def test_a_limit_on_every_request_would_still_be_checked_on_every_request(app, client):
    # The app has none (each limited view checks its own), so the check before every request
    # is skipped; a default limit, were one configured, makes it run again.
    from flask_limiter import Limit
    from flask_limiter.util import get_remote_address

    from coalition_app.core.extensions import limiter

    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    manager = limiter.limit_manager
    manager.set_default_limits(
        [Limit(limit_provider="2 per day", key_function=get_remote_address).bind(limiter)]
    )
    try:
        assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        manager.set_default_limits([])
