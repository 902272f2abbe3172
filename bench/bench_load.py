"""Sustained load on loopback: every page and API resource under gunicorn, against /healthz.

The routes come from the app's url_map (tests/routes.py, shared with the statement-count and
width walks), so a new page is measured the day it lands; downloads, feeds and probes are left
out with the reason listed there (`NOT_PAGES`). Each database (BENCH_DATABASES, default
"sqlite,postgresql") is migrated and seeded fresh: an SQLite file under a temporary folder, and
the PostgreSQL database named by BENCH_DATABASE_URL (empty or disposable) or, without it, a
disposable database created on 127.0.0.1:5432 as user postgres and dropped at the end (skipped
with a note when no server answers).

`gunicorn -w 4 --threads 2` runs in production mode twice: with the page cache off
(PAGE_CACHE_ENABLED=0) for every page, then on for the cached pages (home, group, network).
Signed in as the demo coordinator (who sees most); a page refused to the coordinator is
measured as the demo member, public pages signed out. Each route gets a short warm-up, then
wrk -t2 -c16 for BENCH_DURATION seconds (default 3), in BENCH_ROUNDS rounds (default 1; with
more, each route reports its median round); BENCH_PAGES (paths or endpoints, comma-separated)
measures only those. Prints req/s, p50 and p99, the share of /healthz
(measured by the same gunicorn at the start and the end of each round) and PASS/MISS against
issue 17's targets: uncached, at least 15 % of /healthz and p99 under 150 ms; cached, at least
35 %. gunicorn is always stopped at the end.

Beside each share, the server's CPU per request: the gunicorn workers' and (on PostgreSQL) the
database server's processes' CPU time over the run (from /proc), divided by the requests
answered, and /healthz's CPU per request over the page's ("CPU share"). The targets are the
req/s shares; the CPU share is the steadier figure when something else shares the machine
(another process's work slows a run's requests but is not counted in its CPU), so it is what
to compare between two runs of different code.

wrk is Debian's `wrk` package; when it is missing it is installed with apt-get (as root),
and when that fails a threaded Python load generator is used instead (and says so).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from coalition_app.core import migrations
from coalition_app.core.db import make_engine
from tests.routes import COORDINATOR, GROUP, MEMBER, NOT_PAGES, Page, add_samples, only, pages
from tests.routes import sample_arguments as sample_arguments_of

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "coalition-demo"
BASELINE = "/healthz"
CACHED_PAGES = ["/", f"/groups/{GROUP}", "/network"]  # the pages the page cache serves
THREADS, CONNECTIONS = 2, 16
WARM_UP_SECONDS = 1  # per route, unmeasured: "sustained" leaves out each worker's first views
# Issue 17's targets, as shares of /healthz in the same run (and p99 in milliseconds).
UNCACHED_SHARE, UNCACHED_P99_MS, CACHED_SHARE = 0.15, 150.0, 0.35
# Four workers importing the app (scikit-learn, WeasyPrint) on a loaded 2-core machine.
READY_SECONDS = 120
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# wrk's --latency table stops at 50/75/90/99: this script reports p95 as well (microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_us=%d p50=%d p95=%d p99=%d "
    .. "socket_errors=%d bad_status=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
"""


# --- the database and the server ----------------------------------------------------------------


def prepare_database(url: str) -> dict[str, object]:
    """Migrate and seed; the sample values of the routes' arguments."""
    from seeds import load_all

    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_all(session, demo=True, password_hash_method="scrypt")
        add_samples(session)
        session.commit()
        samples = sample_arguments_of(session)
    engine.dispose()
    return samples


@contextmanager
def postgres_database():
    """BENCH_DATABASE_URL, or a disposable database on the local server (None: no server)."""
    if os.environ.get("BENCH_DATABASE_URL"):
        yield os.environ["BENCH_DATABASE_URL"]
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"coalition_bench_{secrets.token_hex(4)}"
    server = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        print(f"note: no PostgreSQL server on 127.0.0.1:5432 ({error.orig}): skipped")
        server.dispose()
        yield None
        return
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    url: str,
    port: int,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
    *,
    page_cache: bool | None = None,
) -> subprocess.Popen:
    """gunicorn in production mode; `page_cache` on or off (None: as the environment says)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "NETWORK_CACHE_URL", "RATELIMIT_STORAGE_URI"}
    }
    env.update(
        COALITION_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=url,
        BASE_URL=f"http://127.0.0.1:{port}",  # production requires it (and trusts its host)
        RATELIMIT_STORAGE_URI="memory://",
    )
    if page_cache is not None:
        env["PAGE_CACHE_ENABLED"] = "1" if page_cache else "0"
    env.update(extra_env or {})  # a benchmark's own settings (a Redis limiter, say)
    log = log_path.open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "4",
            "--threads",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one at the end
    )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the arbiter stops its workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_ready(
    port: int, process: subprocess.Popen, log_path: Path, seconds: int = READY_SECONDS
) -> None:
    """Until gunicorn answers /healthz (its four workers start slowly on a busy machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log_path.read_text(errors="replace"))
        try:
            if get(port, BASELINE)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer /healthz within {seconds} s:\n"
        + log_path.read_text(errors="replace")
    )


# --- HTTP over loopback -------------------------------------------------------------------------


def request(port: int, method: str, path: str, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def get(port: int, path: str, cookie: str = ""):
    return request(port, "GET", path, {"Cookie": cookie} if cookie else {})


def _cookies(headers, jar: dict[str, str]) -> None:
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def sign_in(port: int, email: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in as a demo person; the Cookie header to send (Secure cookies, sent by hand)."""
    jar: dict[str, str] = {}
    status, body, headers = get(port, "/login")
    _cookies(headers, jar)
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token"[^>]*value="([^"]+)"', body
    )
    if status != 200 or match is None:
        raise RuntimeError(f"no sign-in form (HTTP {status})")
    form = {"csrf_token": match.group(1).decode(), "email": email, "password": password}
    status, _body, headers = request(
        port,
        "POST",
        "/login",
        {
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        urlencode(form),
    )
    _cookies(headers, jar)
    if status != 302:
        raise RuntimeError(f"sign-in failed (HTTP {status})")
    # The first page after signing in, as a browser would see it: its session cookie then
    # carries the session's CSRF secret, as every later request of a real browser does
    # (wrk replays one cookie and ignores Set-Cookie).
    status, _body, headers = get(port, "/", "; ".join(f"{k}={v}" for k, v in jar.items()))
    _cookies(headers, jar)
    if status != 200:
        raise RuntimeError(f"the home page after sign-in failed (HTTP {status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


# --- the server's CPU ---------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after its last ")".
    name_end = text.rindex(")")
    return [text[text.index("(") + 1 : name_end], *text[name_end + 2 :].split()]


def server_pids(arbiter: int, database: str) -> list[int]:
    """gunicorn's workers (children of the arbiter) and, on PostgreSQL, every `postgres`
    process of the machine (the backends serving the workers and the server's own)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _proc_stat(int(entry.name))
        if fields is None:
            continue
        # fields: [comm, state, ppid, ...]
        if int(fields[2]) == arbiter or (database == "postgresql" and fields[0] == "postgres"):
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process (all its threads), by pid."""
    seconds = {}
    for pid in pids:
        fields = _proc_stat(pid)
        if fields is not None:  # utime and stime: fields 14 and 15 of proc(5)
            seconds[pid] = (int(fields[12]) + int(fields[13])) / CLOCK_TICKS
    return seconds


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at both (a backend
    that ended in between is lost; one that started is counted from zero)."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


# --- load generators ----------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    """wrk, installed from Debian's package when missing and we are root; None otherwise."""
    if shutil.which("wrk") or os.geteuid() != 0:
        return shutil.which("wrk")
    print("wrk is missing: installing Debian's wrk package with apt-get", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": False}
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
    if not shutil.which("wrk"):  # a stale package index: refresh it once and retry
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
    return shutil.which("wrk")


def run_wrk(wrk: str, script: Path, port: int, path: str, cookie: str, seconds: int) -> dict:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",  # a slow page's answers are counted (wrk's default drops those over 2 s)
        "-s",
        str(script),
        *(["-H", f"Cookie: {cookie}"] if cookie else []),
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    values = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {
        "rps": rps,
        "p50": values["p50"] / 1000,
        "p95": values["p95"] / 1000,
        "p99": values["p99"] / 1000,
        "errors": values["socket_errors"] + values["bad_status"],
        "requests": values["requests"],
    }


def run_python(port: int, path: str, cookie: str, seconds: int) -> dict:
    """The fallback: CONNECTIONS threads on keep-alive connections for `seconds` seconds."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "rps": len(latencies) / elapsed,
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
        "errors": errors[0],
        "requests": len(latencies),
    }


# --- the benchmark ------------------------------------------------------------------------------


@dataclass
class Target:
    """A route to measure and whose cookie to send ("" signed out)."""

    path: str
    cookie: str
    as_whom: str


class Runner:
    """Drives one gunicorn: warm-up and measured runs, with wrk or the Python fallback."""

    def __init__(
        self,
        port: int,
        wrk: str | None,
        script: Path,
        seconds: int,
        pids: Callable[[], list[int]] = list,
    ) -> None:
        self.port, self.wrk, self.script, self.seconds = port, wrk, script, seconds
        self.pids = pids  # the server's processes, whose CPU each run reads

    def measure(self, target: Target, seconds: int | None = None) -> dict:
        seconds = seconds or self.seconds
        # Listed anew for each run: workers that were still starting when /healthz first
        # answered are counted from their first run on.
        pids = self.pids()
        before = cpu_seconds(pids)
        if self.wrk:
            result = run_wrk(self.wrk, self.script, self.port, target.path, target.cookie, seconds)
        else:
            result = run_python(self.port, target.path, target.cookie, seconds)
        used = cpu_used(before, cpu_seconds(pids))
        result["cpu_ms"] = used * 1000 / result["requests"] if result["requests"] else 0.0
        return result

    def warm_up(self, target: Target) -> None:
        for _ in range(5):
            get(self.port, target.path, target.cookie)
        if self.wrk:  # concurrently too, so that every worker has served the route
            self.measure(target, WARM_UP_SECONDS)


def choose_targets(port: int, routes: list[Page], cookies: dict[str, str]) -> tuple[list, list]:
    """(targets, skipped): each route with the first person it answers 200 to (the
    coordinator, else the member; public pages signed out), or the reason it is left out."""
    targets, skipped = [], []
    for page in routes:
        who = [("signed out", "")] if page.is_public else list(cookies.items())
        statuses = []
        for as_whom, cookie in who:
            status = get(port, page.path, cookie)[0]
            statuses.append(f"{as_whom}: {status}")
            if status == 200:
                targets.append(Target(page.path, cookie, as_whom))
                break
        else:
            skipped.append((page.path, "answered " + ", ".join(statuses)))
    return targets, skipped


def run_rounds(runner: Runner, targets: list[Target], rounds: int) -> tuple[dict, dict[str, float]]:
    """{path: median round}, and the baseline's req/s and CPU ms per request (the means of
    its runs at the start and the end of every round: a slow spell of the machine touches
    both)."""
    baseline = Target(BASELINE, "", "signed out")
    for target in [baseline, *targets]:
        runner.warm_up(target)
    measured: dict[str, list[dict]] = {t.path: [] for t in targets}
    base_runs = []
    for _ in range(rounds):
        base_runs.append(runner.measure(baseline))
        for target in targets:
            measured[target.path].append(runner.measure(target))
        base_runs.append(runner.measure(baseline))
    medians = {
        path: sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
        for path, runs in measured.items()
    }
    base = {
        "rps": statistics.fmean(r["rps"] for r in base_runs),
        "cpu_ms": statistics.fmean(r["cpu_ms"] for r in base_runs),
    }
    return medians, base


def serve(url: str, tmp: Path, *, page_cache: bool):
    """Start gunicorn on the database; (process, port)."""
    port = free_port()
    log_path = tmp / f"gunicorn-{'cached' if page_cache else 'uncached'}.log"
    process = start_gunicorn(url, port, log_path, page_cache=page_cache)
    try:
        wait_ready(port, process, log_path)
    except BaseException:
        stop_gunicorn(process)
        raise
    return process, port


def bench_database(url: str, tmp: Path, wrk: str | None, seconds: int, rounds: int) -> None:
    from coalition_app import create_app
    from config import TestConfig

    started = time.perf_counter()
    samples = prepare_database(url)
    database = url.split("://", 1)[0]
    print(f"\ndatabase: {database}, migrated and seeded in {time.perf_counter() - started:.1f} s")
    routes = only(
        pages(create_app(TestConfig("sqlite://")), samples), os.environ.get("BENCH_PAGES", "")
    )
    script = tmp / "report.lua"
    script.write_text(WRK_REPORT)
    tool = (
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s"
        if wrk
        else f"Python threads ({CONNECTIONS} keep-alive connections, {seconds} s)"
    )
    print(
        f"gunicorn -w 4 --threads 2 (production); load: {tool}; {rounds} round(s);"
        f" load average before: {os.getloadavg()[0]:.2f}"
    )
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print("note: the machine is busier than its cores: shares below are lower bounds")
    results = []  # (label, path, as_whom, result, share, target verdict)
    skipped: list[tuple[str, str]] = []
    for page_cache in (False, True):
        process, port = serve(url, tmp, page_cache=page_cache)
        try:
            cookies = {"coordinator": sign_in(port, COORDINATOR), "member": sign_in(port, MEMBER)}
            chosen = [p for p in routes if p.path in CACHED_PAGES] if page_cache else routes
            targets, missing = choose_targets(port, chosen, cookies)
            if not page_cache:
                skipped = missing
            runner = Runner(port, wrk, script, seconds, partial(server_pids, process.pid, database))
            medians, base = run_rounds(runner, targets, rounds)
        finally:
            stop_gunicorn(process)
        label = "cached" if page_cache else "uncached"
        results.append((label, BASELINE, "signed out", base, None, "baseline"))
        for target in targets:
            r = medians[target.path]
            share = r["rps"] / base["rps"] if base["rps"] else 0.0
            r["cpu_share"] = base["cpu_ms"] / r["cpu_ms"] if r["cpu_ms"] else 0.0
            if page_cache:
                ok = share >= CACHED_SHARE
            else:
                ok = share >= UNCACHED_SHARE and r["p99"] < UNCACHED_P99_MS
            verdict = "PASS" if ok and not r["errors"] else "MISS"
            if r["errors"]:  # sockets that failed or timed out, answers other than 2xx/3xx
                verdict += f" ({r['errors']} errors)"
            results.append((label, target.path, target.as_whom, r, share, verdict))
    report(database, results, skipped)
    print(f"load average after: {os.getloadavg()[0]:.2f} (figures are upper bounds when loaded)")


def report(database: str, results: list, skipped: list[tuple[str, str]]) -> None:
    width = max(len(path) for _l, path, *_rest in results) + 2
    print(
        f"\n{'cache':<9}{'route':<{width}}{'as':<12}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'/healthz':>10}{'CPU ms':>8}{'CPU share':>11}  target"
    )
    for label, path, as_whom, r, share, verdict in results:
        if share is None:
            print(
                f"{label:<9}{path:<{width}}{as_whom:<12}{r['rps']:>8.0f}{'':>18}"
                f"{'100%':>10}{r['cpu_ms']:>8.2f}{'100%':>11}  {verdict}"
            )
            continue
        print(
            f"{label:<9}{path:<{width}}{as_whom:<12}{r['rps']:>8.0f}{r['p50']:>9.1f}"
            f"{r['p99']:>9.1f}{share:>10.1%}{r['cpu_ms']:>8.2f}{r['cpu_share']:>11.1%}  {verdict}"
        )
    uncached = [x for x in results if x[0] == "uncached" and x[4] is not None]
    missed = [x for x in uncached if x[5].startswith("MISS")]
    print(
        f"\n{database}: {len(uncached) - len(missed)} of {len(uncached)} uncached routes meet"
        f" the target (>= {UNCACHED_SHARE:.0%} of /healthz, p99 < {UNCACHED_P99_MS:.0f} ms)"
    )
    slowest = sorted(uncached, key=lambda x: x[4])[:8]
    print("slowest: " + ", ".join(f"{path} {share:.1%}" for _l, path, _a, _r, share, _v in slowest))
    by_cpu = [x for x in uncached if x[3]["cpu_share"] >= UNCACHED_SHARE]
    print(
        f"by CPU per request: {len(by_cpu)} of {len(uncached)} uncached routes at"
        f" >= {UNCACHED_SHARE:.0%} of /healthz's; the costliest: "
        + ", ".join(
            f"{path} {r['cpu_ms']:.1f} ms"
            for _l, path, _a, r, _s, _v in sorted(uncached, key=lambda x: -x[3]["cpu_ms"])[:8]
        )
    )
    print("not measured (answer no page to these people):")
    for path, why in skipped:
        print(f"  {path}: {why}")
    print(f"left out by design: {len(NOT_PAGES)} endpoints (tests/routes.py NOT_PAGES)")


def main() -> None:
    seconds = int(os.environ.get("BENCH_DURATION", "3"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "1"))
    wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    wrk = ensure_wrk()
    if not wrk:
        print("note: wrk is not available: using the Python load generator instead")
    with tempfile.TemporaryDirectory(prefix="coalition-bench-") as folder:
        tmp = Path(folder)
        if "sqlite" in wanted:
            bench_database(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp, wrk, seconds, rounds)
        if "postgresql" in wanted:
            with postgres_database() as url:
                if url:
                    bench_database(url, tmp, wrk, seconds, rounds)


if __name__ == "__main__":
    main()
