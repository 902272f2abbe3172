"""Behind a reverse proxy (PROXY_HOPS): each person's own address, from the X-Forwarded-For
entry the trusted proxy added, for the sign-in limits and the audit trail; without the
setting the header is ignored (anyone can send one)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

import config
from coalition_app.core.extensions import limiter
from models import AuditEvent, Institution, Role, User
from tests.helpers import FAST_HASH, PASSWORD

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the proxy
ALICE, BOB = "203.0.113.7", "198.51.100.20"


def _limit_addresses_to_three(app) -> None:
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    with app.app_context():
        limiter.reset()


def _sign_in_from(client, address: str, email: str, password: str = "wrong password"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
        environ_base=PROXY,
    )


def _failed_addresses(session) -> list[str | None]:
    return list(
        session.scalars(
            select(AuditEvent.ip)
            .where(AuditEvent.action == "sign_in_failed")
            .order_by(AuditEvent.id)
        )
    )


def _person(session, email: str, role: Role = Role.MEMBER) -> User:
    institution = Institution(
        name=f"Institución de {email}", sector_slug="academia", joined_on=date(2020, 1, 1)
    )
    user = User(
        email=email,
        full_name="Persona de prueba",
        role=role,
        institution=institution,
        password_hash=generate_password_hash(PASSWORD, FAST_HASH),
    )
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def proxied_session(proxied_app):
    return proxied_app.extensions["database"].session


@pytest.fixture
def proxied_client(proxied_app):
    _limit_addresses_to_three(proxied_app)
    return proxied_app.test_client()


def test_behind_a_proxy_failed_sign_ins_count_per_client(proxied_session, proxied_client):
    coordinator = _person(proxied_session, "coordinadora@example.org", Role.COORDINATOR)
    invented = [_sign_in_from(proxied_client, ALICE, f"nadie{n}@example.org") for n in range(3)]
    assert [response.status_code for response in invented] == [401] * 3
    assert _sign_in_from(proxied_client, ALICE, "nadie9@example.org").status_code == 429

    # Someone else behind the same proxy is not held back by Alice's attempts.
    assert _sign_in_from(proxied_client, BOB, "otro@example.org").status_code == 401
    signed_in = _sign_in_from(proxied_client, BOB, coordinator.email, password=PASSWORD)
    assert signed_in.status_code == 302


def test_behind_a_proxy_the_audit_trail_records_the_client(proxied_session, proxied_client):
    session = proxied_session
    member = _person(session, "miembro@example.org")
    _sign_in_from(proxied_client, ALICE, "nadie@example.org")
    # A client that writes its own X-Forwarded-For: the proxy appends what it saw, and only
    # that entry is trusted.
    _sign_in_from(proxied_client, f"6.6.6.6, {BOB}", member.email)
    assert _failed_addresses(session) == [ALICE, BOB]

    _sign_in_from(proxied_client, ALICE, member.email, password=PASSWORD)
    signed_in = session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in"))
    assert signed_in.ip == ALICE


def test_without_the_setting_forwarded_headers_are_ignored(app, client, db_session, make_user):
    _limit_addresses_to_three(app)
    member = make_user()
    statuses = [
        _sign_in_from(client, f"203.0.113.{n}", f"nadie{n}@example.org").status_code
        for n in range(4)
    ]
    # Whatever the header says, all come from the one address that connected.
    assert statuses == [401, 401, 401, 429]
    assert _sign_in_from(client, BOB, member.email, password=PASSWORD).status_code == 429
    assert set(_failed_addresses(db_session)) == {PROXY["REMOTE_ADDR"]}


def test_proxy_hops_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("PROXY_HOPS", "2")
    assert config._env_count("PROXY_HOPS", 0) == 2
    monkeypatch.delenv("PROXY_HOPS")
    assert config._env_count("PROXY_HOPS", 0) == 0
    for wrong in ("-1", "one", "1.5"):
        monkeypatch.setenv("PROXY_HOPS", wrong)
        with pytest.raises(RuntimeError, match="PROXY_HOPS must be a whole number"):
            config._env_count("PROXY_HOPS", 0)
