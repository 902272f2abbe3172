"""Fixtures: apps on migrated databases, one rolled-back transaction per test, sign-in helpers.

Two databases are prepared once per run: an empty one (`app`, `db_session`) and one loaded
with the seed data (`seeded_app`, `seeded_session`). Each test works inside a transaction
that is rolled back afterwards; the app's own commits become savepoint releases.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from coalition_app import create_app
from coalition_app.core.db import make_engine
from coalition_app.core.extensions import limiter
from config import TestConfig
from models import (
    GroupChair,
    GroupMembership,
    GroupRole,
    Institution,
    Role,
    User,
    WorkingGroup,
)
from tests.databases import fresh_database_url
from tests.helpers import FAST_HASH, PASSWORD, sign_in


@pytest.fixture(scope="session")
def empty_database_url(tmp_path_factory) -> str:
    return fresh_database_url("empty", tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def seeded_database_url(tmp_path_factory) -> str:
    from seeds import load_all

    url = fresh_database_url("seeded", tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    with Session(engine) as session:
        load_all(session, demo=True, password_hash_method=FAST_HASH)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, object]]:
    engines: dict[str, object] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


def _transactional_app(url: str, engines: dict, **config_overrides) -> Iterator[Flask]:
    engine = engines.get(url)
    if engine is None:
        engine = engines[url] = make_engine(url)
    connection: Connection = engine.connect()
    transaction = connection.begin()
    config = TestConfig(url)
    for key, value in config_overrides.items():
        setattr(config, key, value)
    app = create_app(config)
    # The limiter's memory storage lives as long as the process: every test starts with
    # fresh limits, whatever the tests before it in this worker spent.
    with app.app_context():
        limiter.reset()
    database = app.extensions["database"]
    database.engine.dispose()
    database.bind_to(connection, join_transaction_mode="create_savepoint")
    try:
        yield app
    finally:
        database.session.remove()
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture
def app(empty_database_url, _engines) -> Iterator[Flask]:
    yield from _transactional_app(empty_database_url, _engines)


@pytest.fixture
def seeded_app(seeded_database_url, _engines) -> Iterator[Flask]:
    yield from _transactional_app(seeded_database_url, _engines)


@pytest.fixture
def csrf_app(empty_database_url, _engines) -> Iterator[Flask]:
    """An app with CSRF protection on, as in production."""
    yield from _transactional_app(empty_database_url, _engines, WTF_CSRF_ENABLED=True)


@pytest.fixture
def proxied_app(empty_database_url, _engines) -> Iterator[Flask]:
    """An app behind one trusted reverse proxy (PROXY_HOPS=1)."""
    yield from _transactional_app(empty_database_url, _engines, PROXY_HOPS=1)


@pytest.fixture
def db_session(app) -> Session:
    """The app's scoped session (no app context held open, so requests get their own `g`)."""
    return app.extensions["database"].session


@pytest.fixture
def seeded_session(seeded_app) -> Session:
    return seeded_app.extensions["database"].session


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def seeded_client(seeded_app) -> FlaskClient:
    return seeded_app.test_client()


_counter = itertools.count(1)


@pytest.fixture
def make_institution(db_session) -> Callable[..., Institution]:
    # Factories commit: in tests a commit only releases a savepoint, and the request that
    # follows (which closes the session afterwards) must see the rows.
    def make(**fields) -> Institution:
        n = next(_counter)
        values = {
            "name": f"Institución de prueba {n}",
            "acronym": f"IP{n}",
            "sector_slug": "academia",
            "state_code": "MX-CMX",
            "joined_on": date(2019, 1, 1),
        }
        values.update(fields)
        institution = Institution(**values)
        db_session.add(institution)
        db_session.commit()
        return institution

    return make


@pytest.fixture
def make_user(db_session, make_institution) -> Callable[..., User]:
    def make(password: str = PASSWORD, chair_of=(), **fields) -> User:
        """A person; `chair_of` (a group or several) names them its chair since 2019-11-01
        (only current while their institution leads the group, `GroupChair.current_on`)."""
        n = next(_counter)
        values = {
            "email": f"person{n}@example.org",
            "full_name": f"Persona {n}",
            "role": Role.MEMBER,
        }
        values.update(fields)
        if "institution" not in values and "institution_id" not in values:
            values["institution"] = make_institution()
        user = User(password_hash=generate_password_hash(password, FAST_HASH), **values)
        db_session.add(user)
        groups = [chair_of] if isinstance(chair_of, WorkingGroup) else list(chair_of)
        for group in groups:
            db_session.add(GroupChair(group=group, person=user, since=date(2019, 11, 1)))
        db_session.commit()
        return user

    return make


@pytest.fixture
def make_group(db_session) -> Callable[..., WorkingGroup]:
    def make(leads=(), members=(), **fields) -> WorkingGroup:
        n = next(_counter)
        values = {"slug": f"grupo-{n}", "name_es": f"Grupo {n}", "name_en": f"Group {n}"}
        values.update(fields)
        group = WorkingGroup(**values)
        db_session.add(group)
        for institution, role in [(i, GroupRole.LEAD) for i in leads] + [
            (i, GroupRole.MEMBER) for i in members
        ]:
            db_session.add(
                GroupMembership(
                    group=group, institution=institution, role=role, since=date(2019, 11, 1)
                )
            )
        db_session.commit()
        return group

    return make


@pytest.fixture
def login_as(client, make_user) -> Callable[..., User]:
    """Create a person with the given role and sign them in on `client`."""

    def login(role: Role = Role.MEMBER, **fields) -> User:
        user = make_user(role=role, **fields)
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.data
        return user

    return login
