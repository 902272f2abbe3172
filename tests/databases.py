"""Fresh, migrated test databases: SQLite files by default, PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from coalition_app.core import migrations


def base_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def fresh_database_url(name: str, tmp_dir: Path) -> str:
    """A new empty database named after `name`, migrated to the newest revision."""
    url = base_url()
    if url is None:
        path = tmp_dir / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = _recreate_postgres_database(url, name)
    migrations.upgrade(url)
    return url


def _recreate_postgres_database(url: str, name: str) -> str:
    parsed = make_url(url)
    # Each pytest-xdist worker (gw0, gw1, ...) has databases of its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    database = f"{parsed.database}_{worker}_{name}" if worker else f"{parsed.database}_{name}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return parsed.set(database=database).render_as_string(hide_password=False)
