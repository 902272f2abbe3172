"""The database binding and the unit of work.

One engine and one scoped session per app, removed after each request. We use plain
SQLAlchemy 2.x rather than Flask-SQLAlchemy (no release since 2023) so that `models/` imports
no Flask and the same models serve the CLI, the seeds and the tests.

The unit of work: use cases change objects and flush, never commit (`@use_case` runs each in
a savepoint, so one that raises leaves nothing behind); the request commits once, after its
handler returns, and a CLI command once at its end (`unit_of_work`). Work that must wait for
the commit (delivering queued e-mail, say) registers with `after_commit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask, Response, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from werkzeug.local import LocalProxy


class Database:
    """Holds an app's engine and its scoped session factory."""

    def __init__(self, url: str, echo: bool | None = False) -> None:
        self.engine = make_engine(url, echo=echo)
        self.session = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))

    def bind_to(self, bind: Any, **session_options: Any) -> None:
        """Point the session at another bind (tests use a connection inside a transaction)."""
        self.session.remove()
        self.session = scoped_session(
            sessionmaker(bind=bind, expire_on_commit=False, **session_options)
        )


def make_engine(url: str, echo: bool | None = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo)
        _make_sqlite_strict(engine)
        return engine
    # pre_ping: a connection dropped by a database restart is replaced, not handed out.
    # A short connect timeout: with the database down, pages answer 503 quickly, not hang.
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=5,
        connect_args={"connect_timeout": 2},
    )


def _make_sqlite_strict(engine: Engine) -> None:
    """Foreign keys on, and real transactions (pysqlite's own BEGIN handling breaks SAVEPOINT)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> Database:
    database = Database(app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ECHO"))
    app.extensions["database"] = database

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        # Whatever was not committed (a request that failed) is rolled back here.
        app.extensions["database"].session.remove()

    return database


def commit_request(response: Response) -> Response:
    """Commit what the request did, once, after its handler has answered (an after_request
    hook, registered last so that it runs first: the other hooks see its answer).

    A request that failed has already been rolled back by the error handlers; a commit
    that fails is answered by them too (a lost race: 409; the database away: 503).
    """
    if g.pop("_abandoned", False):
        return response  # a failed request: the session's removal rolls it back
    session = get_database().session()
    if session.in_transaction():
        session.commit()
    _run_after_commit()
    return response


P = ParamSpec("P")
T = TypeVar("T")


def use_case(function: Callable[P, T]) -> Callable[P, T]:
    """Run a use case in a savepoint: if it raises, nothing it wrote is kept (the request's
    other work is), and its objects are as they were in the database."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with get_database().session.begin_nested():
            return function(*args, **kwargs)

    return run


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A CLI command's transaction: committed at the end of the block, rolled back if it raises."""
    session = get_database().session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _run_after_commit()


def after_commit(callback: Callable[[], Any]) -> None:
    """Run `callback` once this request's (or command's) transaction has been committed."""
    pending = g.setdefault("_after_commit", [])
    if callback not in pending:
        pending.append(callback)


def _run_after_commit() -> None:
    for callback in g.pop("_after_commit", []):
        callback()


def abandon_request() -> None:
    """Keep nothing of this request: no commit, and what was to follow it is forgotten."""
    g._abandoned = True
    g.pop("_after_commit", None)
    g.pop("_outbox_queued", None)


def get_database() -> Database:
    database: Database = current_app.extensions["database"]
    return database


def _current_session() -> Session:
    return get_database().session()


#: The request's session. Services import this; it resolves to the current app's session.
session: Session = LocalProxy(_current_session)  # type: ignore[assignment]
