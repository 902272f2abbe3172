"""A helper for finding what a signed-in page costs (not part of `make bench`).

    python -m bench.profile_page load /groups /growth ...      wrk on gunicorn, vs /healthz
    python -m bench.profile_page profile /growth [--repeat N]   pyinstrument on one request

`load` seeds a fresh database (SQLite under a temporary folder, or the PostgreSQL database
named by BENCH_DATABASE_URL, emptied first), serves it with production gunicorn (4 workers,
2 threads) with the page cache off (PAGE_CACHE_ENABLED=0), signs in as the demo
coordinator and runs `wrk -t2 -c16 -d5s` on /healthz and each page (BENCH_DURATION changes
the seconds). `profile` seeds an SQLite file, signs in with the test client, renders the
page a few times (warm-up) and prints pyinstrument's tree of one request, with the number of
SQL statements it ran. The page cache is off in both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench import bench_load

COORDINATOR = "coordinator@example.org"


def _fresh_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def load(paths: list[str]) -> None:
    os.environ["PAGE_CACHE_ENABLED"] = "0"
    seconds = int(os.environ.get("BENCH_DURATION", "5"))
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        if url.startswith("postgresql"):
            _fresh_postgres(url)
        bench_load.prepare_database(url)
        port = bench_load.free_port()
        log = Path(folder) / "gunicorn.log"
        server = bench_load.start_gunicorn(url, port, log)
        try:
            _wait_ready(port, server)
            cookie = bench_load.sign_in(port, COORDINATOR)
            script = Path(folder) / "report.lua"
            script.write_text(bench_load.WRK_REPORT)
            wrk = bench_load.ensure_wrk()
            assert wrk, "wrk is needed"
            baseline = None
            for path in [bench_load.BASELINE, *paths]:
                status = bench_load.get(port, path, cookie)[0]
                if status != 200:
                    print(f"{path}: HTTP {status}", flush=True)
                    continue
                bench_load.run_wrk(wrk, script, port, path, cookie, 2)  # warm-up
                figures = _wrk(wrk, script, port, path, cookie, seconds)
                baseline = baseline or figures["rps"]
                print(
                    f"{path:40} {figures['rps']:8.0f} req/s"
                    f" {100 * figures['rps'] / baseline:5.1f} %"
                    f"  p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms"
                    f"  errors {figures['errors']}",
                    flush=True,
                )
        finally:
            bench_load.stop_gunicorn(server)
    print("load average:", Path("/proc/loadavg").read_text().strip())


def _wait_ready(port: int, server: subprocess.Popen) -> None:
    # Longer than bench_load's 30 s: on a loaded machine four workers take a while to boot.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            if bench_load.get(port, bench_load.BASELINE)[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /healthz within 180 s")


def _wrk(wrk: str, script: Path, port: int, path: str, cookie: str, seconds: int) -> dict:
    import re

    command = [wrk, "-t2", "-c16", f"-d{seconds}s", "-s", str(script)]
    command += ["-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    values = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": values["p50"] / 1000,
        "p99": values["p99"] / 1000,
        "errors": values["socket_errors"] + values["bad_status"],
    }


def profile(paths: list[str], repeat: int = 1) -> None:
    from pyinstrument import Profiler

    from coalition_app import create_app
    from config import Config

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        if url.startswith("postgresql"):
            _fresh_postgres(url)
        bench_load.prepare_database(url)

        config = Config()
        config.SQLALCHEMY_DATABASE_URI = url
        config.WTF_CSRF_ENABLED = False
        config.RATELIMIT_ENABLED = False
        config.PAGE_CACHE_ENABLED = False
        app = create_app(config)
        client = app.test_client()
        answer = client.post(
            "/login", data={"email": COORDINATOR, "password": bench_load.DEMO_PASSWORD}
        )
        assert answer.status_code == 302, answer.status_code
        statements: list[str] = []
        engine = app.extensions["database"].engine
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for path in paths:
            for _ in range(5):
                assert client.get(path).status_code == 200, path
            statements.clear()
            # The fastest of ten rounds of ten: the machine is shared, and contention only
            # ever adds time.
            rounds = []
            for _ in range(10):
                started = time.process_time()
                for _ in range(10):
                    client.get(path)
                rounds.append((time.process_time() - started) / 10 * 1000)
            cpu_ms = min(rounds)
            statements.clear()
            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(repeat):
                client.get(path)
            profiler.stop()
            print(f"=== {path}")
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            print(f"{len(statements) // repeat} statements per request, {cpu_ms:.1f} ms CPU")
            if os.environ.get("SHOW_SQL"):
                for statement in statements[: len(statements) // repeat]:
                    print("---", statement)


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "load":
        load(rest)
    else:
        repeat = int(rest[rest.index("--repeat") + 1]) if "--repeat" in rest else 1
        profile([x for x in rest if x.startswith("/")], repeat)
