"""What each page costs in one process: milliseconds and SQL statements per request, no server.

The load benchmark's figures move with whatever else the machine runs; a single request in
the process, repeated, ranks the pages by their own cost. Every page of the url_map
(tests/routes.py), on a freshly seeded SQLite file (BENCH_DATABASE_URL to use another,
empty or disposable, database), with the page cache off, as the demo coordinator (the member
for pages refused to the coordinator; public pages signed out): one warm-up view, then
BENCH_REPEAT (default 5) timed views, the median CPU and wall times reported, the most CPU
first (BENCH_PAGES=/growth,/deliverables/1 or endpoint names: only those). Then a profile of
the slowest BENCH_PROFILE (default 3) pages: pyinstrument's call tree when it is installed
(a test dependency, installed by `make install`), else cProfile's top
functions by own time.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from coalition_app import create_app
from coalition_app.core import migrations
from coalition_app.core.db import make_engine
from config import TestConfig
from tests.helpers import count_statements, sign_in
from tests.routes import COORDINATOR, MEMBER, Page, add_samples, only, pages, sample_arguments

DEMO_PASSWORD = "coalition-demo"


def seeded_app(url: str):
    from seeds import load_all

    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_all(session, demo=True, password_hash_method=TestConfig.PASSWORD_HASH_METHOD)
        add_samples(session)
        session.commit()
        samples = sample_arguments(session)
    engine.dispose()
    app = create_app(TestConfig(url))
    app.config["PAGE_CACHE_ENABLED"] = False
    return app, samples


def main() -> None:
    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    profiled = int(os.environ.get("BENCH_PROFILE", "3"))
    with tempfile.TemporaryDirectory(prefix="coalition-costs-") as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'costs.sqlite3'}"
        app, samples = seeded_app(url)
        clients = {"signed out": app.test_client()}
        for name, email in (("coordinator", COORDINATOR), ("member", MEMBER)):
            clients[name] = app.test_client()
            sign_in(clients[name], email, DEMO_PASSWORD)
        engine = app.extensions["database"].engine
        costs = []  # (median ms, statements, page, as whom)
        for page in only(pages(app, samples), os.environ.get("BENCH_PAGES", "")):
            who = ["signed out"] if page.is_public else ["coordinator", "member"]
            for as_whom in who:
                client = clients[as_whom]
                if client.get(page.path).status_code == 200:
                    break
            else:
                continue
            cpu, wall = [], []
            for _ in range(repeat):
                with count_statements(engine) as counter:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    client.get(page.path)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    wall.append((time.perf_counter() - started) * 1000)
            costs.append(
                (statistics.median(cpu), statistics.median(wall), counter.count, page, as_whom)
            )
        costs.sort(key=lambda cost: cost[0], reverse=True)
        # CPU time is this process's own: other processes on the machine slow the wall clock
        # (the SQLite file's I/O is in both).
        print(f"load average: {os.getloadavg()[0]:.2f} (wall times are upper bounds when loaded)")
        print(f"{'CPU ms':>8}{'wall ms':>9}{'SQL':>5}  {'as':<12}route")
        for cpu_ms, wall_ms, statements, page, as_whom in costs:
            print(f"{cpu_ms:>8.1f}{wall_ms:>9.1f}{statements:>5}  {as_whom:<12}{page.path}")
        for *_figures, page, as_whom in costs[:profiled]:
            print(f"\n--- profile of {page.path} ({as_whom}) ---")
            print(profile(clients[as_whom], page))
        app.extensions["database"].engine.dispose()


def profile(client, page: Page) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(page.path)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        return out.getvalue()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(5):
        client.get(page.path)
    profiler.stop()
    return profiler.output_text(show_all=False)


if __name__ == "__main__":
    main()
