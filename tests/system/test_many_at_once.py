"""A plenary on one venue Wi-Fi: many people at the same moment, through one gunicorn server
with several workers and threads. On SQLite (an SQLite file, `make test`) and on PostgreSQL
(.ci/run's second pass).

20 people sign in at the same moment, then save progress on their own tasks at the same
moment; the coordinator saves one task from 20 tabs at the same moment. Every answer is a
success or a clear 409 ("not saved"), none is a 5xx, nothing accepted is lost or recorded
twice, nothing refused is recorded, and the server never logs an outage.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition_app.core.db import make_engine
from models import AuditEvent, ProgressUpdate, Task, User
from tests.system.helpers import Browserless, Server, all_at_once, people_with_their_own_task

#: Runs without Redis and on SQLite too (see tests/system/conftest.py).
ANY_DATABASE = True
CROWD = 20
NOT_SAVED = "No se guardó"


@pytest.fixture(scope="module")
def crowd_server(system_database_url):
    env = dict(os.environ)
    env.update(
        {
            "COALITION_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": system_database_url,
            "BASE_URL": "http://127.0.0.1",  # production requires it (and trusts its host)
            # The sign-in limits count per worker here: the test needs no Redis, and no
            # right password may be refused whatever the count.
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_ENABLED": "0",
        }
    )
    server = Server(env, workers=3, threads=6)
    yield server
    server.stop()
    assert "Database unavailable" not in server.log
    assert "Traceback" not in server.log, server.log


@pytest.fixture(scope="module")
def database(system_database_url):
    engine = make_engine(system_database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def people(system_database_url) -> list[tuple[str, int]]:
    """20 people (e-mail, task id), each with a live task of their own."""
    return people_with_their_own_task(system_database_url, CROWD)


@pytest.fixture(scope="module")
def crowd(crowd_server, database, people):
    """The 20 sign in at the same moment: (each one's answer and client, when it started)."""
    started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return _sign_in_together(crowd_server.port, [email for email, _ in people]), started


def _sign_in_together(port: int, emails: list[str]) -> list[tuple[int, Browserless]]:
    def sign_in(number: int, together) -> tuple[int, Browserless]:
        http = Browserless(port)
        _, page, _ = http.get("/login")
        form = {
            "email": emails[number],
            "password": "coalition-demo",
            "csrf_token": http.csrf(page),
        }
        together()
        status, _, _ = http.post("/login", form)
        return status, http

    return all_at_once(len(emails), sign_in)


def _progress_form(http: Browserless, task_id: int, note: str) -> tuple[dict, int]:
    status, page, _ = http.get(f"/tasks/{task_id}")
    assert status == 200, (task_id, status)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    current = re.search(r'<option selected value="([a-z_]+)"', page).group(1)
    progress = int(re.search(r'name="progress"[^>]* value="(\d+)"', page).group(1))
    new_progress = progress + 1 if progress < 99 else progress - 1
    form = {
        "csrf_token": http.csrf(page),
        "version": version,
        "status": current,
        "progress": str(new_progress),
        "note": note,
    }
    return form, new_progress


def _sign_ins_since(engine, since: datetime, emails: list[str]) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(
            select(User.email, func.count(AuditEvent.id))
            .join(AuditEvent, AuditEvent.actor_id == User.id)
            .where(
                AuditEvent.action == "sign_in",
                AuditEvent.created_at >= since,
                User.email.in_(set(emails)),
            )
            .group_by(User.email)
        ).all()
    return dict(rows)


def test_twenty_people_sign_in_at_the_same_moment(crowd, database, people):
    results, started = crowd
    emails = [email for email, _ in people]

    assert [status for status, _ in results] == [302] * CROWD
    for _, http in results:
        status, page, _ = http.get("/")
        assert status == 200 and "Cerrar sesión" in page
    # Each sign-in is in the audit trail once.
    assert _sign_ins_since(database, started, emails) == dict.fromkeys(emails, 1)


def test_twenty_people_save_their_progress_at_the_same_moment(crowd, database, people):
    signed_in = crowd[0]
    assert [status for status, _ in signed_in] == [302] * CROWD
    tag = secrets.token_hex(3)

    def save(number: int, together) -> tuple[str, int, int, str]:
        http, task_id = signed_in[number][1], people[number][1]
        note = f"crowd-{tag}-{number}"
        form, progress = _progress_form(http, task_id, note)
        together()
        status, page, _ = http.post(f"/tasks/{task_id}/progress", form)
        return note, status, progress, page

    results = all_at_once(CROWD, save)

    statuses = [status for _, status, _, _ in results]
    assert set(statuses) <= {302, 409}, statuses
    assert all(NOT_SAVED in page for _, status, _, page in results if status == 409)
    assert statuses.count(302) >= 1
    with Session(database) as session:
        for number, (note, status, progress, _) in enumerate(results):
            task_id = people[number][1]
            recorded = session.scalars(
                select(ProgressUpdate).where(ProgressUpdate.note == note)
            ).all()
            if status == 302:  # accepted: recorded once, and the task shows it
                assert [update.task_id for update in recorded] == [task_id]
                assert session.get(Task, task_id).progress == progress
            else:  # refused: nothing of it was kept
                assert recorded == []
    print(f"\n{statuses.count(302)} saved, {statuses.count(409)} refused with 409")


def test_twenty_saves_of_one_task_at_the_same_moment_keep_exactly_one(
    crowd_server, database, people
):
    coordinator = Browserless(crowd_server.port)
    assert coordinator.sign_in("coordinator@example.org") == 302
    task_id = people[0][1]
    tag = secrets.token_hex(3)

    def save(number: int, together) -> tuple[str, int, int, str]:
        http = Browserless(crowd_server.port)  # one more tab of the coordinator's session
        http.cookies = dict(coordinator.cookies)
        note = f"same-{tag}-{number}"
        form, progress = _progress_form(http, task_id, note)
        together()
        status, page, _ = http.post(f"/tasks/{task_id}/progress", form)
        return note, status, progress, page

    results = all_at_once(CROWD, save)

    statuses = sorted(status for _, status, _, _ in results)
    # Every form carried the same version: one save wins, every other one is told.
    assert statuses == [302] + [409] * (CROWD - 1)
    assert all(NOT_SAVED in page for _, status, _, page in results if status == 409)
    (winner,) = [(note, progress) for note, status, progress, _ in results if status == 302]
    with Session(database) as session:
        recorded = session.scalars(
            select(ProgressUpdate.note).where(ProgressUpdate.note.like(f"same-{tag}-%"))
        ).all()
        assert recorded == [winner[0]]
        assert session.get(Task, task_id).progress == winner[1]
