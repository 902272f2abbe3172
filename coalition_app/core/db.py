"""The database binding and the unit of work.

One engine and one scoped session per app, removed after each request. We use plain
SQLAlchemy 2.x rather than Flask-SQLAlchemy (no release since 2023) so that `models/` imports
no Flask and the same models serve the CLI, the seeds and the tests.

The unit of work: use cases change objects and flush, never commit (`@use_case` runs each in
a savepoint, so one that raises leaves nothing behind); the request commits once, after its
handler returns, and a CLI command once at its end (`unit_of_work`). Work that must wait for
the commit (delivering queued e-mail, say) registers with `after_commit`.

On PostgreSQL a request that only reads runs its statements outside a transaction
(`_read_outside_transactions`): the same rows as inside one under READ COMMITTED, without the
BEGIN and COMMIT round trips; its first statement that may write or lock begins the
transaction, as before. A connection handed out is checked without a round trip
(`_check_on_checkout`).

On SQLite many people can work at once (`_make_sqlite_concurrent`): the WAL journal, so
readers never wait for the writer; writes queue for the one write lock (up to
SQLITE_BUSY_TIMEOUT) instead of failing on it, and hold it only from their first write to
the commit.
"""

from __future__ import annotations

import re
import select
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask, Response, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor, ExecutionContext
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from werkzeug.local import LocalProxy

#: Seconds an SQLite write waits for the write lock before giving up (SQLITE_BUSY_TIMEOUT).
DEFAULT_SQLITE_BUSY_TIMEOUT = 10.0


class Database:
    """Holds an app's engine and its scoped session factory."""

    def __init__(
        self,
        url: str,
        echo: bool | None = False,
        sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
    ) -> None:
        self.engine = make_engine(url, echo=echo, sqlite_busy_timeout=sqlite_busy_timeout)
        self.session = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))

    def bind_to(self, bind: Any, **session_options: Any) -> None:
        """Point the session at another bind (tests use a connection inside a transaction)."""
        self.session.remove()
        self.session = scoped_session(
            sessionmaker(bind=bind, expire_on_commit=False, **session_options)
        )


def make_engine(
    url: str,
    echo: bool | None = False,
    *,
    sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo)
        _make_sqlite_strict(engine, sqlite_busy_timeout)
        _make_sqlite_concurrent(engine, sqlite_busy_timeout)
        return engine
    psycopg = make_url(url).get_driver_name() == "psycopg"
    # A short connect timeout: with the database down, pages answer 503 quickly, not hang.
    engine = create_engine(
        url,
        echo=echo,
        # Another driver: a connection dropped by a database restart is replaced, not handed
        # out, by SQLAlchemy's ping before each checkout (psycopg's check costs no round trip).
        pool_pre_ping=not psycopg,
        pool_size=5,
        max_overflow=10,
        pool_timeout=5,
        connect_args={"connect_timeout": 2},
    )
    if psycopg:
        _check_on_checkout(engine)
        _read_outside_transactions(engine)
    return engine


# --- PostgreSQL: fewer round trips ---------------------------------------------------------------
#
# A page that reads (most requests) sent five messages to PostgreSQL and waited for each: the
# pool's ping, BEGIN, its statements (two for a small page), COMMIT. Each costs the app and the
# database a system call and a wake-up, on the same two cores under load.


def _check_on_checkout(engine: Engine) -> None:
    """A connection the database has dropped (a restart, an idle timeout, a proxy gone) is
    replaced before it is handed out, as `pool_pre_ping` did, without its round trip.

    Whatever ends a connection from the server's side (a FATAL message, the socket closed)
    leaves something to read on the socket of an idle connection, which nothing else does
    here (the app never LISTENs): only then is the ping sent. A ping that fails discards the
    connection and the pool connects anew (SQLAlchemy's documented DisconnectionError).
    """

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or dbapi_connection.broken or _has_input(dbapi_connection):
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:  # noqa: BLE001 - any failure: a connection to replace
                raise exc.DisconnectionError() from error


def _has_input(dbapi_connection: Any) -> bool:
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


#: A statement that may take a lock or set something for the transaction (`FOR UPDATE`,
#: `set_config(..., true)`, a transaction-level advisory lock) is never run outside one.
_NEEDS_TRANSACTION = re.compile(
    r"\bFOR\s+(NO\s+KEY\s+|KEY\s+)?(UPDATE|SHARE)\b|SET_CONFIG|ADVISORY", re.IGNORECASE
)


def _reads_only(statement: str) -> bool:
    """A SELECT that neither locks nor sets anything (a data-changing CTE starts WITH)."""
    return statement.lstrip()[:6].upper() == "SELECT" and not _NEEDS_TRANSACTION.search(statement)


def _read_outside_transactions(engine: Engine) -> None:
    """Reads in autocommit until the first statement that is not a plain SELECT.

    Under READ COMMITTED (the default, which the app runs in) every statement of a
    transaction sees what was committed when it started, as each one run by itself does, so
    the reads see the same rows; nothing is written or locked until the transaction begins.
    The first other statement (INSERT, UPDATE, DELETE, SAVEPOINT, a SELECT ... FOR UPDATE)
    turns autocommit off, so psycopg sends BEGIN before it and everything after is one
    transaction, committed or rolled back as before. A request that only read has no
    transaction to end: its commit sends nothing (psycopg skips COMMIT and the pool's
    ROLLBACK on an idle connection).
    """

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Only under READ COMMITTED (the server's default, which psycopg leaves as None):
        # a stricter level's one snapshot for the whole transaction is not to be given up.
        if (
            dbapi_connection.pgconn.transaction_status == _PG_IDLE
            and dbapi_connection.isolation_level in _READ_COMMITTED
        ):
            dbapi_connection.autocommit = True

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(
        _connection: Connection,
        cursor: DBAPICursor,
        statement: str,
        _parameters: object,
        _context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        dbapi_connection = cursor.connection
        if dbapi_connection.autocommit and not _reads_only(statement):
            dbapi_connection.autocommit = False  # psycopg begins before this statement


#: libpq's PQTRANS_IDLE: no transaction open on the connection.
_PG_IDLE = 0
#: psycopg's isolation_level for READ COMMITTED: unset (the server's default), or set so.
_READ_COMMITTED = (None, 2)


def _make_sqlite_strict(engine: Engine, busy_timeout: float) -> None:
    """Foreign keys on, real transactions (pysqlite's own BEGIN handling breaks SAVEPOINT),
    and the WAL journal."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # How long a statement waits for a lock another connection holds before SQLITE_BUSY.
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        # Readers never wait for the writer, nor the writer for readers. Kept in the file once
        # set (an in-memory database answers "memory" and stays so).
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL's usual pairing: far fewer fsyncs; a crash of the app loses no commit, a power
        # cut at most the last ones, and neither corrupts the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# --- SQLite: writes queue for the lock --------------------------------------------------------
#
# SQLite has one write lock per database. A transaction that has read and then wants to write
# is refused at once (SQLITE_BUSY, without waiting for busy_timeout) when another connection
# holds the lock or has committed since its first read: waiting could not make its snapshot
# current. Only a transaction that takes the lock before reading (BEGIN IMMEDIATE) waits for
# it. So every transaction starts as a deferred read (one consistent snapshot, no lock: pages
# that only read never wait); at its first write statement, when it has written nothing yet,
# it ends that read, starts again with BEGIN IMMEDIATE (which waits its turn for the lock) and
# reopens the savepoints that were open. What it read before is then possibly stale, as under
# PostgreSQL's READ COMMITTED, which the app is built for: version columns and atomic updates
# turn a lost race into a 409. The lock is held from the first write to the commit
# (milliseconds), not while a request hashes a password or renders a page.

_STATE = "coalition.sqlite_transaction"  # in connection.info, while a transaction is open
#: Statements that never write (SAVEPOINT and the like only mark the transaction).
_NOT_WRITES = ("SELECT", "EXPLAIN", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")


class _Transaction:
    __slots__ = ("savepoints", "writing")

    def __init__(self) -> None:
        self.savepoints: list[str] = []  # the open ones' names, outermost first
        self.writing = False  # holds the write lock (BEGIN IMMEDIATE)

    def follow(self, statement: str) -> None:
        """Keep `savepoints` in step with a SAVEPOINT, RELEASE or ROLLBACK TO statement."""
        words = statement.split()
        if len(words) == 2 and words[0].upper() == "SAVEPOINT":
            self.savepoints.append(words[1])
        elif len(words) >= 2 and words[0].upper() in {"RELEASE", "ROLLBACK"}:
            name = words[-1]  # RELEASE [SAVEPOINT] name, ROLLBACK TO [SAVEPOINT] name
            if name in self.savepoints:
                # SQLAlchemy is done with a savepoint it rolled back to, as with a released one.
                del self.savepoints[self.savepoints.index(name) :]


def _writes(statement: str, context: ExecutionContext | None) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is not None and getattr(compiled.statement, "is_select", False):
        return False  # a SELECT, even one that starts WITH a CTE
    return not statement.lstrip()[:10].upper().startswith(_NOT_WRITES)


def _make_sqlite_concurrent(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")
        connection.info[_STATE] = _Transaction()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        connection.info.pop(_STATE, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(
        connection: Connection,
        cursor: DBAPICursor,
        statement: str,
        _parameters: object,
        context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        state: _Transaction | None = connection.info.get(_STATE)
        if state is None:
            return
        if not _writes(statement, context):
            state.follow(statement)
            return
        if state.writing:
            return
        cursor.execute("COMMIT")  # the read so far: nothing written, nothing to lose
        try:
            _begin_immediate(cursor, busy_timeout)
        except Exception:
            # Not had in time: back to a transaction with the same savepoints, so that the
            # caller's rollbacks find what they expect, and the busy error is what it sees.
            cursor.execute("BEGIN")
            _reopen(cursor, state.savepoints)
            raise
        state.writing = True
        _reopen(cursor, state.savepoints)


#: SQLite's error code for a lock another connection holds.
_SQLITE_BUSY = 5
#: The longest pause between two tries for the write lock (seconds).
_LONGEST_PAUSE = 0.001


def _begin_immediate(cursor: DBAPICursor, timeout: float) -> None:
    """BEGIN IMMEDIATE, tried again after pauses of at most a millisecond until `timeout`.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms
    between tries: a write queued behind a few others kept sleeping for tens of milliseconds
    after the lock was free, and under many writers at once (votes) the sleeps, not the
    work, set the latency and the rate. So the connection's busy timeout is off for this one
    statement and the tries are ours; the busy timeout stays for everything else.
    """
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout
        pause = 0.0001
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF != _SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={round(timeout * 1000)}")


def _reopen(cursor: DBAPICursor, savepoints: list[str]) -> None:
    for name in savepoints:
        cursor.execute(f"SAVEPOINT {name}")


def init_app(app: Flask) -> Database:
    database = Database(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config.get("SQLALCHEMY_ECHO"),
        sqlite_busy_timeout=float(
            app.config.get("SQLITE_BUSY_TIMEOUT", DEFAULT_SQLITE_BUSY_TIMEOUT)
        ),
    )
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


def one_statement_use_case(function: Callable[P, T]) -> Callable[P, T]:
    """A use case whose only write is one statement, atomic by itself: `use_case` without
    the savepoint (two round trips on PostgreSQL, three statements and the nested
    transaction's bookkeeping on SQLite, for nothing a single statement needs). It raises
    only before writing or when its statement wrote nothing, so a refused one still leaves
    nothing written. The vote, hundreds a second, is one."""
    return function


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
