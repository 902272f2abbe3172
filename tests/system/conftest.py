"""Real servers: gunicorn processes on loopback against one PostgreSQL and one Redis.

These tests run in .ci/run's PostgreSQL pass (TEST_DATABASE_URL set to PostgreSQL, Redis on
127.0.0.1:6379); elsewhere they are skipped with that reason. A module that declares
`ANY_DATABASE = True` needs neither: it runs in every pass, on SQLite (`make test`) as on
PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import socket

import pytest
from sqlalchemy.orm import Session

from coalition_app.core.db import make_engine
from tests.databases import base_url, fresh_database_url
from tests.system.helpers import REDIS_URL


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    reason = None
    if not (base_url() or "").startswith("postgresql"):
        reason = "needs PostgreSQL (TEST_DATABASE_URL); .ci/run runs it in its PostgreSQL pass"
    elif not _redis_up():
        reason = "needs Redis on 127.0.0.1:6379 (.ci/run starts it)"
    if reason:
        for item in items:
            if "tests/system/" in str(item.fspath) and not getattr(
                item.module, "ANY_DATABASE", False
            ):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def system_database_url(tmp_path_factory) -> str:
    from seeds import load_all

    url = fresh_database_url("system", tmp_path_factory.mktemp("system"))
    engine = make_engine(url)
    with Session(engine) as session:
        load_all(session, demo=True, password_hash_method="pbkdf2:sha256:1000")
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def server_env(system_database_url) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "COALITION_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": system_database_url,
            # Production requires it; its host (any port) is the one the servers answer to.
            "BASE_URL": "http://127.0.0.1",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            # A fresh key space per run, so earlier runs' counts never leak in.
            "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
            "MAIL_ENABLED": "0",
        }
    )
    return env
