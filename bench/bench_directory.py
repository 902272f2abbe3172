"""The directory with 10,000 institutions: search, filter, sort and a deep page, timed.

Builds its own SQLite database (migrated, then bulk-inserted), signs in through the Flask test
client and prints median and p95 milliseconds per request, and each as a ratio to a trivial
route (the sign-in page's redirect for a signed-in person) measured in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from coalition_app import create_app
from coalition_app.core import migrations
from coalition_app.core.db import make_engine
from config import TestConfig
from models import GroupMembership, Institution, Role, Sector, State, User, WorkingGroup

INSTITUTIONS = 10_000
RUNS = 40
PASSWORD = "bench password 123"


def build(url: str) -> None:
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        sectors = session.scalars(select(Sector.slug)).all()
        states = session.scalars(select(State.code)).all()
        session.execute(
            insert(Institution),
            [
                {
                    "name": f"Institución {i:05d} de Investigación",
                    "name_key": f"institucion {i:05d} de investigacion",
                    "acronym": f"I{i}",
                    "sector_slug": sectors[i % len(sectors)],
                    "state_code": states[i % len(states)],
                    "joined_on": date(2018, 6, 1) + timedelta(days=i % 2000),
                    "left_on": date(2025, 1, 1) if i % 17 == 0 else None,
                    "is_founder": i < 10,
                    "basis": "demo",
                    "created_at": date(2018, 6, 1),
                }
                for i in range(INSTITUTIONS)
            ],
        )
        group = WorkingGroup(slug="etica", name_es="Ética", name_en="Ethics")
        session.add(group)
        session.flush()
        session.execute(
            insert(GroupMembership),
            [
                {
                    "group_id": group.id,
                    "institution_id": i,
                    "role": "member",
                    "since": date(2019, 11, 1),
                    "basis": "demo",
                }
                for i in range(1, INSTITUTIONS, 7)
            ],
        )
        session.add(
            User(
                email="bench@example.org",
                full_name="Bench",
                institution_id=1,
                role=Role.MEMBER,
                password_hash=generate_password_hash(PASSWORD, TestConfig.PASSWORD_HASH_METHOD),
            )
        )
        session.commit()
    engine.dispose()


def timed(client, path: str, runs: int = RUNS) -> list[float]:
    client.get(path)  # warm up
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 302), (path, response.status_code)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        started = time.perf_counter()
        build(url)
        print(f"built {INSTITUTIONS} institutions in {time.perf_counter() - started:.1f} s")
        config = TestConfig(url)
        app = create_app(config)
        client = app.test_client()
        response = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        baseline = timed(client, "/login")  # signed in: a redirect, no queries of note
        base = statistics.median(baseline)
        print(
            f"{'trivial route /login (redirect)':44} median {base:7.2f} ms"
            f"  p95 {p95(baseline):7.2f} ms"
        )
        cases = {
            "directory, first page": "/institutions",
            "search 'investigacion 0042'": "/institutions?q=investigacion+0042",
            "search acronym 'I99'": "/institutions?q=I99",
            "filter sector+state+active": (
                "/institutions?sector=academia&state=MX-JAL&status=active"
            ),
            "filter group+founder=no": "/institutions?group=etica&founder=no",
            "sort by state, descending": "/institutions?sort=state&dir=desc",
            "sort by joined_on, page 200": "/institutions?sort=joined_on&page=200",
            "page 200 (of 400)": "/institutions?page=200",
        }
        for label, path in cases.items():
            values = timed(client, path)
            median = statistics.median(values)
            print(
                f"{label:44} median {median:7.2f} ms  p95 {p95(values):7.2f} ms"
                f"  ({median / base:5.1f}x trivial)"
            )
        app.extensions["database"].engine.dispose()


if __name__ == "__main__":
    main()
