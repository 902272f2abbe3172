"""Pooled connections are pinged before use only after being idle (core.db): a busy server
pays no round trip per request, and a connection a restart dropped is replaced, not used."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from coalition_app.core import db


@pytest.fixture
def engine(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite:///{tmp_path / 'pings.sqlite3'}", pool_size=1)
    db._ping_idle_connections(engine)
    pings = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection):
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    engine.pings = pings  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


def _use(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        return connection.connection.dbapi_connection


def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(engine):
    first = _use(engine)
    assert _use(engine) is first  # the pool's one connection, reused
    assert engine.pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(engine, monkeypatch):
    first = _use(engine)
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
    assert _use(engine) is first and engine.pings == [first]

    def dead(_dbapi_connection):
        raise OSError("server closed the connection")

    monkeypatch.setattr(engine.dialect, "do_ping", dead)
    replaced = _use(engine)  # the pool connects anew instead of handing out the dead one
    assert replaced is not first


def test_the_postgresql_engine_pings_idle_connections_only():
    engine = db.make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/unused")  # no connect
    try:
        assert engine.pool._pre_ping is False  # no round trip on every checkout
        assert event_registered(engine, "checkout") and event_registered(engine, "checkin")
    finally:
        engine.dispose()


def event_registered(engine, name: str) -> bool:
    return bool(getattr(engine.pool.dispatch, name))
