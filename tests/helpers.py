"""What tests share (fixtures live in conftest.py): the test password, signing in through the
sign-in page, and counting the SQL statements a block of code runs."""

from __future__ import annotations

from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import event

from config import TestConfig

PASSWORD = "correct horse battery"
FAST_HASH = TestConfig.PASSWORD_HASH_METHOD


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **extra):
    """Post the sign-in form as a browser would."""
    return client.post("/login", data={"email": email, "password": password, **extra})


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _executemany):
        # Savepoint bookkeeping comes from the test harness, not from the page.
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine_or_connection):
    """Yield a counter of statements executed on the given engine or connection."""
    target = getattr(engine_or_connection, "engine", engine_or_connection)
    counter = StatementCounter()
    event.listen(target, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(target, "before_cursor_execute", counter)


def add_group_work(session, group, n: int, batch: str) -> list:
    """Add n member institutions to `group`, each owning a deliverable with two tasks (due over
    the next 40 days): the rows the query-count tests grow between two counts. Returns the
    (institution, deliverable) pairs, flushed."""
    from datetime import date, timedelta

    from models import Deliverable, GroupMembership, GroupRole, Institution, Task

    added = []
    for i in range(n):
        institution = Institution(
            name=f"Crecimiento {batch} {i}",
            sector_slug="academia",
            state_code="MX-JAL",
            joined_on=date(2020, 1, 1),
        )
        session.add(institution)
        session.add(
            GroupMembership(
                group_id=group.id,
                institution=institution,
                role=GroupRole.MEMBER,
                since=date(2020, 1, 1),
            )
        )
        deliverable = Deliverable(
            group_id=group.id,
            title=f"Entregable {batch} {i}",
            owner_institution=institution,
            due_on=date.today() + timedelta(days=i % 40),
        )
        session.add(deliverable)
        session.add_all(
            [Task(deliverable=deliverable, title=f"Tarea {batch} {i}-{k}") for k in (1, 2)]
        )
        added.append((institution, deliverable))
    session.flush()
    return added


def coalition_today():
    """The coalition's day (what the app calls today, `core.clock.today`), for tests outside
    an app context: from 18:00 in Mexico City the server's UTC date is already tomorrow."""
    from models.base import COALITION_TIMEZONE, local_now

    return local_now(COALITION_TIMEZONE).date()
