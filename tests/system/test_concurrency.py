"""20 clients each save 25 progress updates to the same task through gunicorn workers:
every accepted update is in the history exactly once, every refused one got a 409, no 5xx,
and the final state is the last accepted update."""

from __future__ import annotations

import random
import re
import secrets
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition_app.core.db import make_engine
from models import ProgressUpdate, Task
from tests.system.helpers import Browserless, Server, first_task_of

CLIENTS, UPDATES = 20, 25


def test_concurrent_progress_updates_lose_nothing(server_env, system_database_url):
    task_id = first_task_of(system_database_url, "member@example.org")
    engine = make_engine(system_database_url)

    # A key space of its own: sign-in limits spent by other system tests of this session (the
    # two-server tests lock an account on purpose) must not refuse these sign-ins.
    server = Server(
        {**server_env, "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}"}, workers=4
    )
    results: list[tuple[str, int, int]] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(number: int) -> None:
        try:
            run_client(number)
        except Exception as error:  # noqa: BLE001 - reported below, with the others
            errors.append(f"client {number}: {error!r}")

    def run_client(number: int) -> None:
        rng = random.Random(number)
        http = Browserless(server.port)
        status = http.sign_in("coordinator@example.org")
        if status != 302:
            errors.append(f"client {number} could not sign in ({status})")
            return
        for update in range(UPDATES):
            status, page, _ = http.get(f"/tasks/{task_id}")
            if status != 200:
                errors.append(f"GET {status}")
                continue
            version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
            progress = rng.randint(1, 99)
            note = f"c{number}-u{update}"
            status, _, _ = http.post(
                f"/tasks/{task_id}/progress",
                {
                    "csrf_token": http.csrf(page),
                    "version": version,
                    "status": "in_progress",
                    "progress": str(progress),
                    "note": note,
                },
            )
            with lock:
                results.append((note, status, progress))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        server.stop()

    assert errors == []
    assert len(results) == CLIENTS * UPDATES
    assert all(status < 500 for _, status, _ in results), "a 5xx escaped"
    accepted = {note: progress for note, status, progress in results if status == 302}
    refused = [note for note, status, _ in results if status != 302]
    assert all(status == 409 for _, status, _ in results if status != 302)
    assert accepted, "nothing was accepted"

    with Session(engine) as session:
        history = session.scalars(
            select(ProgressUpdate)
            .where(ProgressUpdate.task_id == task_id, ProgressUpdate.note.like("c%-u%"))
            .order_by(ProgressUpdate.id)
        ).all()
        final = session.get(Task, task_id)
        notes = [update.note for update in history]
        assert sorted(notes) == sorted(accepted)  # each accepted update once, no refused one
        assert not set(refused) & set(notes)
        last = history[-1]
        assert final.progress == accepted[last.note]
        assert last.changes.get("progress", [None, final.progress])[1] == final.progress
    engine.dispose()
    print(f"\n{len(accepted)} accepted, {len(refused)} refused with 409")
