"""What every signed-in request pays (issue 17): the person, their unread count and the pages'
data version in one statement; the templates' addresses built once per process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import event, text, update

from coalition_app import create_app
from coalition_app.account.service import load_active_user
from coalition_app.core.db import make_engine, session
from coalition_app.notifications.service import unread_count
from config import TestConfig
from models import Notification, NotificationKind, User
from tests.databases import base_url
from tests.helpers import count_statements

on_postgresql = pytest.mark.skipif(
    not (base_url() or "").startswith("postgresql"),
    reason="needs PostgreSQL (TEST_DATABASE_URL); .ci/run runs it in its PostgreSQL pass",
)
#: libpq's transaction status after a statement: outside any transaction, or inside one.
IDLE, IN_TRANSACTION = 0, 2


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


@contextmanager
def transaction_states(engine) -> Iterator[list[tuple[str, int]]]:
    """(statement, the connection's transaction status once it ran) for each statement."""
    seen: list[tuple[str, int]] = []

    def after(_conn, cursor, statement, _params, _context, _many) -> None:
        seen.append((statement, cursor.connection.pgconn.transaction_status))

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


@on_postgresql
def test_postgresql_reads_outside_a_transaction_until_something_may_write_or_lock(
    empty_database_url,
):
    engine = make_engine(empty_database_url)
    try:
        for first_of_the_transaction in (
            "UPDATE users SET full_name = full_name WHERE false",
            "SELECT id FROM users FOR UPDATE",
            "SELECT id FROM users FOR NO KEY UPDATE",
            "SELECT set_config('application_name', 'floor', true)",
            "SELECT pg_advisory_xact_lock(17)",
            "WITH gone AS (DELETE FROM users WHERE false RETURNING id) SELECT * FROM gone",
        ):
            with engine.connect() as connection, transaction_states(engine) as seen:
                connection.execute(text("SELECT count(*) FROM users"))
                connection.execute(text(first_of_the_transaction))
                connection.execute(text("SELECT count(*) FROM users"))
                connection.rollback()
            assert [status for _statement, status in seen] == [
                IDLE,
                IN_TRANSACTION,
                IN_TRANSACTION,
            ], first_of_the_transaction

        # A stricter isolation level keeps its one snapshot: a transaction from the start...
        with engine.connect() as connection, transaction_states(engine) as seen:
            connection.execution_options(isolation_level="REPEATABLE READ")
            connection.execute(text("SELECT count(*) FROM users"))
            connection.rollback()
        assert [status for _statement, status in seen] == [IN_TRANSACTION]
        # ... and the connection, back in the pool at READ COMMITTED, reads alone again.
        with engine.connect() as connection, transaction_states(engine) as seen:
            connection.execute(text("SELECT count(*) FROM users"))
        assert [status for _statement, status in seen] == [IDLE]
        assert engine.pool.checkedin() == 1
    finally:
        engine.dispose()


@pytest.fixture
def postgres_app(seeded_database_url) -> Iterator[Flask]:
    """The app on the seeded PostgreSQL database, its connections closed at the end."""
    app = create_app(TestConfig(seeded_database_url))
    yield app
    app.extensions["database"].engine.dispose()


@on_postgresql
def test_postgresql_a_page_that_reads_opens_no_transaction_and_a_write_commits(postgres_app):
    app = postgres_app
    engine = app.extensions["database"].engine
    client = app.test_client()
    signed_in = text("SELECT count(*) FROM audit_events WHERE action = 'sign_in'")
    with app.app_context():
        before = session.scalar(signed_in)
        session.rollback()
    with transaction_states(engine) as signing_in:
        response = client.post(
            "/login", data={"email": "member@example.org", "password": "coalition-demo"}
        )
    assert response.status_code == 302
    # The sign-in's use case (its savepoint first) and its writes: one transaction...
    statuses = [status for _statement, status in signing_in]
    begun = statuses.index(IN_TRANSACTION)
    assert set(statuses[:begun]) <= {IDLE} and set(statuses[begun:]) == {IN_TRANSACTION}
    assert signing_in[begun][0].lstrip().upper().startswith(("SAVEPOINT", "INSERT", "UPDATE"))
    assert any(statement.lstrip().startswith("INSERT") for statement, _ in signing_in)
    # ... committed: the next request sees it.
    with app.app_context():
        assert session.scalar(signed_in) == before + 1

    with transaction_states(engine) as reading:
        assert client.get("/groups/").status_code == 200
    assert reading and {status for _statement, status in reading} == {IDLE}

    # Opening the inbox marks what it shows as read (a write when something was unread);
    # with nothing new it is a read like any other page.
    assert client.get("/inbox").status_code == 200
    with transaction_states(engine) as reading_the_inbox:
        assert client.get("/inbox").status_code == 200
    assert reading_the_inbox
    assert {status for _statement, status in reading_the_inbox} == {IDLE}


@on_postgresql
def test_postgresql_a_connection_the_server_ended_is_replaced_before_a_page_uses_it(
    postgres_app, seeded_database_url
):
    app = postgres_app
    engine = app.extensions["database"].engine
    pings: list[object] = []
    ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(connection) or ping(connection)  # type: ignore[method-assign]
    client = app.test_client()
    client.post("/login", data={"email": "member@example.org", "password": "coalition-demo"})
    assert client.get("/groups/").status_code == 200
    assert pings == []  # a healthy connection is handed out without a round trip

    pool = engine.pool
    assert pool.checkedin() == 1
    with app.app_context():
        pid = session.scalar(text("SELECT pg_backend_pid()"))
        session.rollback()
    killer = make_engine(seeded_database_url)
    with killer.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    time.sleep(0.2)  # the FATAL message and the closed socket reach the idle connection

    assert client.get("/groups/").status_code == 200
    assert len(pings) == 1  # that one was pinged, found gone and replaced
    with app.app_context():
        assert session.scalar(text("SELECT pg_backend_pid()")) != pid


def test_plain_hooks_are_run_as_they_are_and_async_ones_are_still_refused(app: Flask):
    def plain() -> None:
        return None

    async def coroutine() -> None:
        return None

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain  # remembered: the same answer
    for _ in range(2):  # never remembered as plain
        with pytest.raises(RuntimeError, match="async"):  # Flask's: no asgiref installed
            app.ensure_sync(coroutine)


def test_the_session_cookie_is_signed_with_the_current_secret_key(app: Flask, client, login_as):
    login_as()
    assert client.get("/groups/").status_code == 200
    old_key = app.config["SECRET_KEY"]

    app.config["SECRET_KEY"] = "another-secret-key"
    assert client.get("/groups/").status_code == 302  # the cookie no longer opens: signed out

    login_as()  # a new cookie, signed with the new key...
    app.config["SECRET_KEY"] = old_key
    app.config["SECRET_KEY_FALLBACKS"] = ["another-secret-key"]
    assert client.get("/groups/").status_code == 200  # ... still accepted as a fallback's


def test_each_request_gets_its_language_as_one_locale_made_once_per_language(app: Flask):
    from flask_babel import get_locale

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = get_locale()
    with app.test_request_context("/", headers={"Accept-Language": "en-GB,en;q=0.9"}):
        assert get_locale() is english and str(english) == "en"
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert str(get_locale()) == "es"  # neither of ours: Spanish
    with app.test_request_context("/"):
        from flask import session as cookie_session

        cookie_session["locale"] = "en"
        assert get_locale() is english
