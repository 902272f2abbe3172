"""The database binding: one engine and one scoped session per app, removed after each request.

We use plain SQLAlchemy 2.x rather than Flask-SQLAlchemy (no release since 2023) so that
`models/` imports no Flask and the same models serve the CLI, the seeds and the tests.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from werkzeug.local import LocalProxy


class Database:
    """Holds an app's engine and its scoped session factory."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.engine = make_engine(url, echo=echo)
        self.session = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))

    def bind_to(self, bind: Any, **session_options: Any) -> None:
        """Point the session at another bind (tests use a connection inside a transaction)."""
        self.session.remove()
        self.session = scoped_session(
            sessionmaker(bind=bind, expire_on_commit=False, **session_options)
        )


def make_engine(url: str, echo: bool = False) -> Engine:
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
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> Database:
    database = Database(app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ECHO"))
    app.extensions["database"] = database

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        app.extensions["database"].session.remove()

    return database


def get_database() -> Database:
    return current_app.extensions["database"]


def _current_session() -> Session:
    return get_database().session()


#: The request's session. Services import this; it resolves to the current app's session.
session: Session = LocalProxy(_current_session)  # type: ignore[assignment]
