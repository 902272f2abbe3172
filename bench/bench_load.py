"""Sustained load on loopback: signed-in pages under gunicorn against a hello-world baseline.

Migrates and seeds a fresh database (an SQLite file under a temporary folder, or the
PostgreSQL database named by BENCH_DATABASE_URL, which must be empty or disposable), starts
`gunicorn -w 4 --threads 2` in production mode, signs in as the demo member over HTTP and
drives each route with wrk (`-t2 -c16 -d10s`; BENCH_DURATION changes the seconds) after a
warm-up, in three rounds over all routes (a slow spell of the machine touches them alike;
each route reports its median round). The baseline is /healthz, served by the same
gunicorn without touching the database. Prints requests per second, p50 and p95 latency,
and each page's throughput as a share of the baseline's in the same run. gunicorn is
always stopped at the end.

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
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from coalition_app.core import migrations
from coalition_app.core.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
DEMO_EMAIL = "member@example.org"
DEMO_PASSWORD = "coalition-demo"
BASELINE = "/healthz"
PAGES = ["/", "/groups/etica"]
OPTIONAL_PAGES = ["/network"]  # measured only when it answers 200
THREADS, CONNECTIONS = 2, 16
ROUNDS = 3
WARM_UP_SECONDS = 2  # per route, unmeasured: "sustained" leaves out each worker's first views
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


def prepare_database(url: str) -> None:
    from seeds import load_all

    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_all(session, demo=True, password_hash_method="scrypt")
        session.commit()
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    url: str, port: int, log_path: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
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


def wait_ready(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log_path.read_text(errors="replace"))
        try:
            if get(port, BASELINE)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


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


def sign_in(port: int) -> str:
    """Sign in as the demo member; the Cookie header to send (Secure cookies, sent by hand)."""
    jar: dict[str, str] = {}
    status, body, headers = get(port, "/login")
    _cookies(headers, jar)
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token"[^>]*value="([^"]+)"', body
    )
    if status != 200 or match is None:
        raise RuntimeError(f"no sign-in form (HTTP {status})")
    form = {"csrf_token": match.group(1).decode(), "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
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
        "-s",
        str(script),
        "-H",
        f"Cookie: {cookie}",
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
        "errors": values["socket_errors"] + values["bad_status"],
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
        "errors": errors[0],
    }


# --- the benchmark ------------------------------------------------------------------------------


def main() -> None:
    seconds = int(os.environ.get("BENCH_DURATION", "10"))
    with tempfile.TemporaryDirectory(prefix="coalition-bench-") as folder:
        tmp = Path(folder)
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
        started = time.perf_counter()
        prepare_database(url)
        database = url.split("://", 1)[0]
        print(f"database: {database}, migrated and seeded in {time.perf_counter() - started:.1f} s")
        wrk = ensure_wrk()
        script = tmp / "report.lua"
        script.write_text(WRK_REPORT)
        port = free_port()
        log_path = tmp / "gunicorn.log"
        process = start_gunicorn(url, port, log_path)
        try:
            wait_ready(port, process, log_path)
            cookie = sign_in(port)
            routes = [BASELINE]
            for path in PAGES + OPTIONAL_PAGES:
                status = get(port, path, cookie)[0]
                if status == 200:
                    routes.append(path)
                elif path in OPTIONAL_PAGES:
                    print(f"note: {path} answered {status}, not 200: skipped")
                else:
                    raise RuntimeError(f"{path} answered {status} for the signed-in member")
            for path in routes:  # warm every worker's caches before measuring
                for _ in range(20):
                    get(port, path, cookie)
                if wrk:  # concurrently too, so that every worker has served every route
                    run_wrk(wrk, script, port, path, cookie, WARM_UP_SECONDS)
            if wrk:
                tool = f"wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s --latency"
            else:
                tool = f"Python threads ({CONNECTIONS} keep-alive connections, {seconds} s)"
                print("note: wrk is not available: using the Python load generator instead")
            print(
                f"gunicorn -w 4 --threads 2 (production) on 127.0.0.1:{port}; load: {tool};"
                f" {ROUNDS} rounds over the routes, median round reported"
            )
            # Rounds, each measuring every route in turn: a slow spell of the machine then
            # touches every route alike, and each route reports its median round.
            rounds: dict[str, list[dict]] = {path: [] for path in routes}
            for _ in range(ROUNDS):
                for path in routes:
                    if wrk:
                        rounds[path].append(run_wrk(wrk, script, port, path, cookie, seconds))
                    else:
                        rounds[path].append(run_python(port, path, cookie, seconds))
            results = {
                path: sorted(measured, key=lambda r: r["rps"])[len(measured) // 2]
                for path, measured in rounds.items()
            }
        finally:
            stop_gunicorn(process)
    base = results[BASELINE]["rps"]
    print(
        f"\n{'route':<16}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'vs /healthz':>13}{'errors':>8}"
    )
    for path, r in results.items():
        ratio = r["rps"] / base if base else 0.0
        label = "baseline" if path == BASELINE else f"{ratio:.1%}"
        print(
            f"{path:<16}{r['rps']:>10.0f}{r['p50']:>10.1f}{r['p95']:>10.1f}{label:>13}"
            f"{r['errors']:>8}"
        )


if __name__ == "__main__":
    main()
