"""SQLite under concurrent use (core/db.py): the WAL journal; a transaction that read and then
writes waits its turn for the write lock instead of failing at once; reads take no lock and
keep one snapshot; savepoints (use cases) survive the switch to the write lock; and a lock
that still could not be had in time is a clear 409, never the 503 of an outage.

These make their own SQLite files, whatever database the rest of the suite runs on."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from coalition_app import create_app
from coalition_app.core import migrations
from coalition_app.core.db import make_engine
from coalition_app.core.errors import is_busy
from config import TestConfig
from models import AuditEvent, Institution, Role, User
from tests.helpers import FAST_HASH, PASSWORD, sign_in


@pytest.fixture
def counter_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'counter.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (1, 0), (2, 0)")
    engine.dispose()
    return url


def _count(engine: Engine, row: int = 1) -> int:
    with engine.connect() as connection:
        query = text("SELECT n FROM counter WHERE id = :id")
        return connection.execute(query, {"id": row}).scalar_one()


def _hold_write_lock(engine: Engine, seconds: float, row: int = 2) -> threading.Thread:
    """Another connection takes the write lock, writes, and commits `seconds` later."""
    taken = threading.Event()

    def hold() -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql("UPDATE counter SET n = n + 1 WHERE id = ?", (row,))
            taken.set()
            time.sleep(seconds)
            connection.commit()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    return thread


def test_sqlite_files_run_in_wal_with_the_configured_busy_timeout(counter_url):
    engine = make_engine(counter_url, sqlite_busy_timeout=2.5)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_write_after_a_read_waits_while_another_write_holds_the_lock(counter_url):
    engine = make_engine(counter_url, sqlite_busy_timeout=5)
    with Session(engine) as session:
        assert session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar() == 0
        holder = _hold_write_lock(engine, 0.3)
        # Read, then write while the other holds the lock: it waits, then passes.
        session.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
        session.commit()
        holder.join()
    assert (_count(engine, 1), _count(engine, 2)) == (1, 1)  # both writes kept
    engine.dispose()


def test_a_queued_write_tries_again_within_a_millisecond_and_gives_up_in_time(
    counter_url, monkeypatch
):
    """Not SQLite's own busy handler, whose pauses grow to 100 ms (core.db._begin_immediate):
    a write queued behind others would sleep on long after the lock was free."""
    from coalition_app.core import db

    engine = make_engine(counter_url, sqlite_busy_timeout=0.05)
    pauses: list[float] = []
    sleep = time.sleep
    monkeypatch.setattr(db.time, "sleep", lambda s: (pauses.append(s), sleep(s)))
    with engine.connect() as holder, Session(engine) as session:
        holder.exec_driver_sql("UPDATE counter SET n = n + 1 WHERE id = 2")  # holds the lock
        session.execute(text("SELECT n FROM counter WHERE id = 1"))
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            session.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
        assert time.monotonic() - started >= 0.05  # the whole busy timeout
        assert len(pauses) > 10 and max(pauses) <= 0.001
        # The connection's busy timeout is back for every other statement.
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 50
        session.rollback()
        holder.rollback()
    engine.dispose()


def test_a_write_after_a_read_passes_when_another_write_committed_in_between(counter_url):
    engine = make_engine(counter_url, sqlite_busy_timeout=5)
    with Session(engine) as session:
        assert session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar() == 0
        _hold_write_lock(engine, 0).join()  # committed after this transaction's read
        session.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
        session.commit()
    assert (_count(engine, 1), _count(engine, 2)) == (1, 1)
    engine.dispose()


def test_reads_take_no_lock_and_keep_one_snapshot(counter_url):
    engine = make_engine(counter_url, sqlite_busy_timeout=0.1)
    with Session(engine) as reader:
        assert reader.execute(text("SELECT n FROM counter WHERE id = 2")).scalar() == 0
        # A write commits while the read is open: it does not wait for the reader...
        _hold_write_lock(engine, 0).join()
        assert _count(engine, 2) == 1
        # ...and the reader still sees the database as it was when it began.
        assert reader.execute(text("SELECT n FROM counter WHERE id = 2")).scalar() == 0
    engine.dispose()


def test_savepoints_opened_before_the_first_write_still_work(counter_url):
    engine = make_engine(counter_url)
    with Session(engine) as session:
        session.execute(text("SELECT n FROM counter"))
        with session.begin_nested():  # a use case, opened while only reading
            session.execute(text("SELECT n FROM counter"))
            session.execute(text("UPDATE counter SET n = 10 WHERE id = 1"))
            with pytest.raises(RuntimeError), session.begin_nested():
                session.execute(text("UPDATE counter SET n = 20 WHERE id = 2"))
                raise RuntimeError("a use case that fails keeps nothing")
        with pytest.raises(RuntimeError), session.begin_nested():
            session.execute(text("UPDATE counter SET n = 30 WHERE id = 2"))
            raise RuntimeError
        session.commit()
    assert (_count(engine, 1), _count(engine, 2)) == (10, 0)
    engine.dispose()


def test_a_transaction_that_writes_nothing_is_rolled_back_cleanly(counter_url):
    engine = make_engine(counter_url)
    with Session(engine) as session:
        session.execute(text("UPDATE counter SET n = 5 WHERE id = 1"))
        session.rollback()
        session.execute(text("SELECT n FROM counter"))
        session.commit()
    assert _count(engine, 1) == 0
    engine.dispose()


# --- through the app ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_database_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('busy') / 'app.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        institution = Institution(
            name="Institución Ocupada", sector_slug="academia", joined_on=date(2020, 1, 1)
        )
        session.add(
            User(
                email="busy@example.org",
                full_name="Persona Ocupada",
                role=Role.MEMBER,
                institution=institution,
                password_hash=generate_password_hash(PASSWORD, FAST_HASH),
            )
        )
        session.commit()
    engine.dispose()
    return url


@pytest.fixture
def busy_app(app_database_url):
    config = TestConfig(app_database_url)
    config.SQLITE_BUSY_TIMEOUT = 0.2
    app = create_app(config)
    yield app
    app.extensions["database"].engine.dispose()


def _audit_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.query(AuditEvent).count()


def test_a_lock_not_had_in_time_is_a_clear_409_and_not_an_outage(busy_app, caplog):
    engine = busy_app.extensions["database"].engine
    before = _audit_rows(engine)
    with engine.connect() as other:
        other.exec_driver_sql("UPDATE users SET full_name = full_name")  # a long write: the lock
        with caplog.at_level(logging.INFO, logger=busy_app.logger.name):
            response = sign_in(busy_app.test_client(), "busy@example.org")
        other.rollback()

    assert response.status_code == 409
    assert response.headers["Retry-After"] == "2"
    page = response.get_data(as_text=True)
    assert "No se guardó: muchas personas están guardando en este momento" in page
    assert "No disponible" not in page
    assert "Database busy on POST /login" in caplog.text
    assert "Database unavailable" not in caplog.text
    assert _audit_rows(engine) == before  # nothing of it was kept
    # The lock gone, the same sign-in passes.
    assert sign_in(busy_app.test_client(), "busy@example.org").status_code == 302


def test_busy_and_locked_are_told_apart_from_an_outage():
    def error(original: Exception) -> OperationalError:
        return OperationalError("SELECT 1", {}, original)

    import sqlite3

    locked = sqlite3.OperationalError("database is locked")
    assert is_busy(error(locked))
    assert not is_busy(error(sqlite3.OperationalError("unable to open database file")))

    class PgError(Exception):
        def __init__(self, sqlstate: str | None) -> None:
            super().__init__("psycopg error")
            self.sqlstate = sqlstate

    assert is_busy(error(PgError("55P03")))  # lock_not_available
    assert is_busy(error(PgError("40P01")))  # deadlock_detected
    assert not is_busy(error(PgError(None)))  # the server is gone: an outage
    assert not is_busy(error(PgError("57P01")))  # admin_shutdown: an outage
