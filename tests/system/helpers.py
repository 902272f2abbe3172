"""What the system tests share: gunicorn servers on loopback, a browserless HTTP client with
cookies and CSRF tokens, and a look into the database behind them."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from coalition_app.core.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn process serving the app in production mode."""

    def __init__(self, env: dict[str, str], workers: int = 2, threads: int = 4) -> None:
        self.port = free_port()
        # The server's log goes to a file (a pipe nobody reads would fill and stall it).
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.log = ""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self._read_log())
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        raise RuntimeError("gunicorn did not start in 30 s")

    def stop(self) -> None:
        """Stop the server; what it logged is then in `self.log`."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log = self._read_log()
        self._log.close()

    def _read_log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")


class Browserless:
    """A minimal HTTP client with a cookie jar that also sends Secure cookies over loopback
    (production cookies are Secure; these tests talk plain HTTP to 127.0.0.1)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        connection.close()
        return response.status, text, response.headers

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict):
        return self.request("POST", path, form)

    def csrf(self, page: str) -> str:
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page
        )
        assert match, "no CSRF token on the page"
        return match.group(1)

    def sign_in(self, email: str, password: str = "coalition-demo") -> int:
        _, page, _ = self.get("/login")
        status, _, _ = self.post(
            "/login", {"email": email, "password": password, "csrf_token": self.csrf(page)}
        )
        return status


def all_at_once(count: int, action: Callable[[int, Callable[[], None]], object]) -> list:
    """Run `action(number, together)` in `count` threads; each calls `together()` right before
    the request that must leave at the same moment as the others'. Returns what each action
    returned, in order; an exception in any thread is raised here."""
    barrier = threading.Barrier(count, timeout=60)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            results[number] = action(number, barrier.wait)
        except BaseException as error:  # noqa: BLE001 - raised below, in the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def first_task_of(database_url: str, email: str) -> int:
    """The id of the first live, unfinished task assigned to the person with this e-mail (a
    finished one refuses a progress below 100 %)."""
    from sqlalchemy import select

    from models import Task, User, WorkStatus

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            person = session.scalar(select(User).where(User.email == email))
            return session.scalar(
                select(Task.id)
                .where(
                    Task.assignee_id == person.id,
                    Task.archived_at.is_(None),
                    Task.status != WorkStatus.DONE,
                )
                .order_by(Task.id)
            )
    finally:
        engine.dispose()


def people_with_their_own_task(database_url: str, count: int) -> list[tuple[str, int]]:
    """`count` seeded people (e-mail, task id), each with a live task of their own that they
    may record progress on, each task different."""
    from sqlalchemy import select

    from coalition_app import create_app
    from coalition_app.policy import can
    from config import TestConfig
    from models import Task, User

    app = create_app(TestConfig(database_url))
    try:
        with app.app_context():
            session = app.extensions["database"].session
            found: dict[str, int] = {}
            tasks = session.scalars(
                select(Task)
                .join(User, Task.assignee_id == User.id)
                .where(Task.archived_at.is_(None), User.email.like("%@example.org"))
                .order_by(Task.id)
            ).all()
            for task in tasks:
                email = task.assignee.email
                if (
                    email not in found
                    and task.status.value != "done"
                    and can(task.assignee, "update_task", task)
                ):
                    found[email] = task.id
            session.remove()
    finally:
        app.extensions["database"].engine.dispose()
    people = list(found.items())[:count]
    assert len(people) == count, f"the seed has only {len(people)} such people"
    return people
