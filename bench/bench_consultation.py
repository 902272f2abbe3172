"""The consultation's targets (issue 16), printed with ratios (measured / target; at most 1
is met):

- the seed's analysis (1,600 participants × 60 statements), as the results cache builds it
  from the database (`results.load` then `results.summarise`): under 0.5 s (wall and CPU
  seconds, best of five);
- 100,000 participants × 1,000 statements with 5 million votes (`results.summarise` on
  arrays, what the background job computes after reading): under 30 s;
- voting through gunicorn (`-w 4 --threads 2`, production mode, the limiter in Redis when one
  answers) with wrk over 1,600 participants, so the per-participant limit (kept as
  configured) never refuses: 500 votes per second or more, p99 under 100 ms (each vote
  posted as the voting page's script posts it: JSON to /voto with the participant's vote
  token, answered 204; the script holds the next cards), on SQLite and on a fresh PostgreSQL
  database
  (BENCH_POSTGRES_URL names the server; by default the local one, when it answers), next to
  `/healthz` on the same server: what the machine allows any request at that moment; and
  the CPU time per vote of gunicorn's workers and (PostgreSQL) of the database's server
  processes, which a loaded machine's wall clock hides;
- the voting page itself (a participant past the consent form) interactive within 2 s on
  Lighthouse's mobile profile.

`make bench BENCH=consultation`. BENCH_PARTS (analysis,voting,page; and cpu: the CPU per vote
in one process, `vote_cpu`), BENCH_DURATION (seconds
of wrk, 10), BENCH_CONNECTIONS (8) and BENCH_DATABASE_URL (instead of a temporary SQLite
file; then PostgreSQL is not measured separately) change the run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from bench import bench_load as load
from tests.browser.chromium import CHROMIUM

SLUG = "consulta-nacional-ia2030"
WRK_THREADS = 2
# 8: the four workers' two threads each (BENCH_CONNECTIONS changes it).
WRK_CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
TARGETS = {"seed": 0.5, "large": 30.0, "votes_per_second": 500, "p99_ms": 100, "page_s": 2.0}


def seed_size(url: str) -> float:
    """The results page's whole computation on the seeded database, as the cache builds it
    (`results.load` then `results.summarise`): wall and CPU seconds, best of five."""
    from sqlalchemy import select

    from coalition_app.consultation import results
    from coalition_app.core.db import make_engine
    from models import Consultation

    engine = make_engine(url)
    with engine.connect() as connection:
        consultation_id = connection.scalar(
            select(Consultation.id).where(Consultation.slug == SLUG)
        )
        data = results.load(connection, consultation_id)
        results.summarise(data)  # warm: imports, first allocations
        runs = []
        for _ in range(5):
            wall, cpu = time.perf_counter(), time.process_time()
            data = results.load(connection, consultation_id)
            loaded = time.perf_counter()
            results.summarise(data)
            runs.append((time.perf_counter() - wall, time.process_time() - cpu, loaded - wall))
    engine.dispose()
    best = min(runs)
    print(
        f"seed analysis ({len(data.participant_ids)} participants x {len(data.statements)} "
        f"statements, {len(data.values)} votes, from the database): {best[0]:.3f} s "
        f"(reading {best[2]:.3f} s), {best[1]:.3f} CPU s; slowest of five {max(runs)[0]:.3f} s"
    )
    return best[0]


def large_size() -> float:
    """100,000 participants x 1,000 statements, 5 million votes: `results.summarise` (every
    figure of the page) on arrays, as the background job computes them after reading."""
    from coalition_app.consultation import results

    participants, statements, each = 100_000, 1_000, 50
    rng = np.random.default_rng(1)
    # 50 distinct statements per participant: a random start and a stride of 20.
    start = rng.integers(0, statements, size=(participants, 1))
    cols = ((start + np.arange(each) * 20) % statements).ravel()
    rows = np.repeat(np.arange(participants), each)
    camp = rng.integers(0, 2, participants)
    agrees = (cols % 2 == camp[rows]) ^ (rng.random(len(cols)) < 0.2)
    values = np.where(agrees, 1, -1)
    values[rng.random(len(values)) < 0.1] = 0
    sector_slugs = ["academia", "gobierno", "industria", "sociedad-civil", "cooperacion"]
    data = results.Loaded(
        statements=[
            {"id": i + 1, "text_es": f"s{i}", "text_en": None, "group_id": None}
            for i in range(statements)
        ],
        participant_ids=np.arange(1, participants + 1),
        sectors=np.array(sector_slugs, dtype=object)[rng.integers(0, 5, participants)],
        states=np.array([f"MX-{i:02d}" for i in range(32)], dtype=object)[
            rng.integers(0, 32, participants)
        ],
        flagged=np.zeros(participants, dtype=bool),
        verified=np.zeros(participants, dtype=bool),
        rows=rows,
        cols=cols,
        values=values,
        flagged_votes=0,
        sector_slugs=sector_slugs,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    results.summarise(data)
    seconds = time.perf_counter() - wall
    print(
        f"large {participants} x {statements}, {len(values)} votes (summarise): "
        f"{seconds:.2f} s, {time.process_time() - cpu:.2f} CPU s"
    )
    return seconds


def _wait_ready(port: int, process, log: Path, seconds: int = 180) -> None:
    """bench_load's wait, with more patience: four workers starting on a busy machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log.read_text(errors="replace"))
        try:
            if load.get(port, load.BASELINE)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {load.BASELINE} within {seconds} s")


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _voters(url: str, secret: str, count: int) -> tuple[list[tuple[str, str]], list[int]]:
    """The consulta cookies and vote tokens of `count` of the seed's participants (signed as
    the app signs them, with the server's secret: joining over HTTP would cost two requests
    each and meet the per-address joining limit) and the consultation's approved statements."""
    from itsdangerous import URLSafeSerializer
    from sqlalchemy import select

    from coalition_app.consultation.views import COOKIE_SALT, vote_token
    from coalition_app.core.db import make_engine
    from models import Consultation, ConsultationParticipant, ConsultationStatement
    from models.consultation import StatementStatus

    engine = make_engine(url)
    with engine.connect() as connection:
        consultation_id = connection.scalar(
            select(Consultation.id).where(Consultation.slug == SLUG)
        )
        people = list(
            connection.scalars(
                select(ConsultationParticipant.id)
                .where(ConsultationParticipant.consultation_id == consultation_id)
                .order_by(ConsultationParticipant.id)
                .limit(count)
            )
        )
        statements = list(
            connection.scalars(
                select(ConsultationStatement.id).where(
                    ConsultationStatement.consultation_id == consultation_id,
                    ConsultationStatement.status == StatementStatus.APPROVED,
                )
            )
        )
    engine.dispose()
    signer = URLSafeSerializer(secret, salt=COOKIE_SALT)
    voters = [(f"consulta-{SLUG}={signer.dumps(p)}", vote_token(secret, SLUG, p)) for p in people]
    return voters, statements


def _session(port: int) -> tuple[str, str]:
    """A browser session's cookie and its CSRF token (from the consent form)."""
    jar: dict[str, str] = {}
    status, body, headers = load.get(port, f"/consulta/{SLUG}")
    load._cookies(headers, jar)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body)
    if status != 200 or token is None:
        raise RuntimeError(f"no consent form (HTTP {status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v), token.group(1).decode()


def _join(port: int) -> str:
    """A new participant, past the consent form: the Cookie header its browser would send."""
    session, token = _session(port)
    status, _body, headers = load.request(
        port,
        "POST",
        f"/consulta/{SLUG}/unirse",
        {"Cookie": session, "Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"csrf_token": token, "consent": "y"}),
    )
    jar: dict[str, str] = dict(part.split("=", 1) for part in session.split("; "))
    load._cookies(headers, jar)
    if status != 302:
        raise RuntimeError(f"joining failed (HTTP {status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


def _redis_limiter() -> str | None:
    """The limiter's storage as in production (Redis), when a Redis server answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis: the limiter stays in memory, and we say so
        return None
    return url


def _wrk_script(path: Path, session: str, voters, statements) -> None:
    """Each request: the next participant (round robin over many, so that no one reaches
    the per-participant limit), a statement of the consultation, a vote, posted as the
    voting page's script posts it (consultation.js): the same endpoint, headers and body."""
    entries = ",\n".join(f'{{"{cookie}; {session}", "{token}"}}' for cookie, token in voters)
    path.write_text(
        "local people = {\n" + entries + "\n}\n"
        f"local statements = {{{', '.join(map(str, statements))}}}\n"
        'local votes = {"agree", "disagree", "pass"}\n'
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local p = people[(i % #people) + 1]\n"
        "  local s = statements[(math.floor(i / #people) % #statements) + 1]\n"
        # As JSON.stringify writes it: no spaces.
        '  local body = \'{"statement":\' .. s .. \',"vote":"\' .. votes[(i % 3) + 1]'
        " .. '\"}'\n"
        f'  return wrk.format("POST", "/consulta/{SLUG}/voto", '
        '{["Cookie"] = p[1], ["Content-Type"] = "application/json", '
        '["Accept"] = "application/json", ["X-Vote-Token"] = p[2]}, body)\n'
        "end\n" + load.WRK_REPORT
    )


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds the processes have used (Linux's /proc), what a loaded
    machine's wall clock cannot tell: the work each vote costs, whoever else runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _children(pid: int) -> list[int]:
    """The gunicorn arbiter's workers."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _database_backends(url: str) -> list[int]:
    """PostgreSQL's server processes serving the benchmark's database (its connections)."""
    if not url.startswith("postgresql"):
        return []
    from sqlalchemy import text

    from coalition_app.core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        pids = list(
            connection.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        )
    engine.dispose()
    return pids


def _report_script(folder: Path) -> Path:
    path = folder / "report.lua"
    path.write_text(load.WRK_REPORT)
    return path


def _wrk_figures(out: str) -> dict[str, str] | None:
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    return None if line is None else dict(part.split("=") for part in line.split()[1:])


def voting(url: str, seconds: int, label: str) -> dict | None:
    """Votes per second through gunicorn in production mode (`-w 4 --threads 2`), with
    the limits on: the per-participant limit as configured (the load spreads over the
    seed's 1,600 participants, under a vote per second each), the per-address one raised
    (every vote of the load comes from 127.0.0.1), in Redis when one answers."""
    wrk = load.ensure_wrk()
    if wrk is None:
        print("wrk is not installed (and we are not root): voting not measured")
        return None
    port = load.free_port()
    secret = secrets.token_hex(32)
    redis_url = _redis_limiter()
    extra = {
        "SECRET_KEY": secret,
        "CONSULTATION_VOTE_LIMIT_PER_ADDRESS": "1000000 per minute",
        # A fresh key space per run: other runs' counts never refuse this one's votes.
        "RATELIMIT_KEY_PREFIX": f"bench-voting-{secrets.token_hex(4)}",
    }
    if redis_url:
        extra["RATELIMIT_STORAGE_URI"] = redis_url
    voters, statements = _voters(url, secret, 1600)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        process = load.start_gunicorn(url, port, log, extra)
        try:
            _wait_ready(port, process, log)
            session, _token = _session(port)  # the browser's session cookie, sent along
            lua = Path(tmp) / "votes.lua"
            _wrk_script(lua, session, voters, statements)
            command = [wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", "-s", str(lua)]
            target = f"http://127.0.0.1:{port}/"
            subprocess.run([*command, "-d2s", target], capture_output=True, check=False)
            workers, backends = _children(process.pid), _database_backends(url)
            before = (_cpu_seconds(workers), _cpu_seconds(backends))
            out = subprocess.run(
                [*command, f"-d{seconds}s", target], capture_output=True, text=True, check=False
            ).stdout
            cpu = (_cpu_seconds(workers) - before[0], _cpu_seconds(backends) - before[1])
            # The same server's /healthz (no database, no limits) right after: what this
            # machine, as loaded as it is now, allows any request through gunicorn.
            baseline = _wrk_figures(
                subprocess.run(
                    [wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s"]
                    + ["-s", str(_report_script(Path(tmp))), f"{target.rstrip('/')}/healthz"],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
            )
        finally:
            load.stop_gunicorn(process)
    figures = _wrk_figures(out)
    if figures is None:
        print("wrk gave no report:\n" + out)
        return None
    per_second = int(figures["requests"]) / (int(figures["duration_us"]) / 1e6)
    p50, p99 = int(figures["p50"]) / 1000, int(figures["p99"]) / 1000
    if baseline is not None:
        healthz = int(baseline["requests"]) / (int(baseline["duration_us"]) / 1e6)
        print(
            f"/healthz on the same server: {healthz:.0f} req/s, "
            f"p99 {int(baseline['p99']) / 1000:.1f} ms (votes: {per_second / healthz:.0%} of it)"
        )
    votes = int(figures["requests"])
    if votes:
        database = f", database {cpu[1] / votes * 1000:.2f}" if backends else ""
        print(
            f"CPU per vote ({label}): workers {cpu[0] / votes * 1000:.2f} ms{database} "
            f"(over {votes} votes; what the wall clock of a loaded machine hides)"
        )
    limiter = "Redis" if redis_url else "memory (no Redis answered)"
    print(
        f"voting ({label}, limiter in {limiter}, {len(voters)} participants, "
        f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}): {per_second:.0f} votes/s, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"errors {figures['socket_errors']} socket / {figures['bad_status']} non-2xx; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return {"per_second": per_second, "p50": p50, "p99": p99, "label": label, "cpu": cpu}


def vote_cpu(url: str, count: int = 3000) -> float:
    """CPU milliseconds per vote in this process, the robust figure on a loaded machine: the
    app (production settings, the limiter in Redis when one answers) called directly on
    prepared requests, each what the page's script posts (`_wrk_script`), without gunicorn
    or wrk; the first tenth warms up."""
    import json as json_
    import sys

    from werkzeug.test import EnvironBuilder

    secret = secrets.token_hex(32)
    redis_url = _redis_limiter()
    settings = {"SECRET_KEY": secret, "DATABASE_URL": url, "BASE_URL": "http://127.0.0.1:5000"}
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        from coalition_app import create_app
        from config import ProductionConfig

        config = ProductionConfig()  # reads these three from the environment
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    # The class's settings were read when `config` was imported: set on the instance.
    config.RATELIMIT_STORAGE_URI = redis_url or "memory://"
    config.RATELIMIT_KEY_PREFIX = f"bench-vote-cpu-{secrets.token_hex(4)}"
    config.CONSULTATION_VOTE_LIMIT_PER_ADDRESS = "1000000 per minute"
    app = create_app(config)
    voters, statements = _voters(url, secret, 1600)
    votes = ["agree", "disagree", "pass"]
    environs = []
    for i in range(count):
        cookie, token = voters[i % len(voters)]
        statement = statements[(i // len(voters)) % len(statements)]
        environs.append(
            EnvironBuilder(
                path=f"/consulta/{SLUG}/voto",
                method="POST",
                headers={
                    "Host": "127.0.0.1:5000",
                    "Cookie": cookie,
                    "Accept": "application/json",
                    "X-Vote-Token": token,
                },
                data=json_.dumps({"statement": statement, "vote": votes[i % 3]}),
                content_type="application/json",
            ).get_environ()
        )
    statuses: dict[str, int] = {}

    def start_response(status, _headers, _exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def run(batch) -> None:
        for environ in batch:
            body = app(environ, start_response)
            for _chunk in body:
                pass
            getattr(body, "close", lambda: None)()

    warm = count // 10
    run(environs[:warm])
    cpu = time.process_time()
    run(environs[warm:])
    per_vote = (time.process_time() - cpu) / (count - warm) * 1000
    print(
        f"CPU per vote in one process ({url.split(':', 1)[0].split('+')[0]}, the app called "
        f"directly, limiter in {'Redis' if redis_url else 'memory'}): {per_vote:.2f} ms over "
        f"{count - warm} votes, answers {statuses}; load average {os.getloadavg()[0]:.1f}",
        file=sys.stdout,
    )
    return per_vote


def phone_page(url: str) -> float | None:
    """Seconds until the voting page itself (one statement, a participant already past the
    consent form) is interactive on Lighthouse's mobile profile (an emulated mid-range
    phone, simulated slow 4G, CPU slowed 4×): its `interactive` audit, with the first and
    largest contentful paints and the performance score. The participant's cookies are sent as
    a header (the production cookies are Secure, which a
    browser keeps only over HTTPS): a new participant, who joined over HTTP."""
    from bench.bench_lighthouse import REPORTS, ensure_lighthouse

    try:
        command = ensure_lighthouse()
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"Lighthouse unavailable ({error}): the voting page not measured")
        return None
    port = load.free_port()
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / "consulta_votar.json"
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        process = load.start_gunicorn(url, port, log)
        try:
            _wait_ready(port, process, log)
            cookies = [_join(port)]
            status, body, _headers = load.get(port, f"/consulta/{SLUG}", cookies[0])
            if status != 200 or b'name="statement"' not in body:
                raise RuntimeError(f"the voting page did not show a statement (HTTP {status})")
            subprocess.run(
                [
                    str(command),
                    f"http://127.0.0.1:{port}/consulta/{SLUG}",
                    "--quiet",
                    "--output=json",
                    f"--output-path={report}",
                    "--only-categories=performance",
                    f"--extra-headers={json.dumps({'Cookie': cookies[0]})}",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                ],
                env=dict(os.environ, CHROME_PATH=CHROMIUM),
                check=True,
                timeout=240,
            )
        finally:
            load.stop_gunicorn(process)
    data = json.loads(report.read_text())
    audits = data["audits"]

    def seconds(audit: str) -> float:
        return float(audits[audit]["numericValue"]) / 1000

    interactive = seconds("interactive")
    print(
        f"the voting page on Lighthouse's mobile profile: interactive {interactive:.2f} s, "
        f"first contentful paint {seconds('first-contentful-paint'):.2f} s, largest "
        f"{seconds('largest-contentful-paint'):.2f} s, total blocking "
        f"{audits['total-blocking-time']['numericValue']:.0f} ms, performance "
        f"{round(100 * (data['categories']['performance']['score'] or 0))} "
        f"(report: {report.relative_to(load.ROOT)})"
    )
    return interactive


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database on the server BENCH_POSTGRES_URL names (by default the
    local one, when it answers), dropped at the end; None without a server."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(
        os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    )
    name = f"coalition_bench_voting_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no server: PostgreSQL is not measured, and we say so
        admin.dispose()
        yield None
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    seconds = int(os.environ.get("BENCH_DURATION", "10"))
    parts = set(os.environ.get("BENCH_PARTS", "analysis,voting,page").split(","))
    results: dict = {}
    votes: list[dict] = []
    page = None
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        load.prepare_database(url)
        if "analysis" in parts:
            results = {"seed": seed_size(url), "large": large_size()}
        if "cpu" in parts:
            vote_cpu(url)
        if "voting" in parts:
            votes.append(voting(url, seconds, url.split(":", 1)[0].split("+")[0]))
        if "page" in parts:
            page = phone_page(url)
    if "voting" in parts and not os.environ.get("BENCH_DATABASE_URL"):
        with _postgres_database() as postgres:
            if postgres is None:
                print("no PostgreSQL server answered: voting measured on SQLite only")
            else:
                load.prepare_database(postgres)
                votes.append(voting(postgres, seconds, "postgresql"))
    print("ratios to the targets (measured / target; at most 1 is met):")
    if results:
        print(f"  analysis of the seed: {results['seed'] / TARGETS['seed']:.2f}")
        print(f"  analysis of 100,000 x 1,000: {results['large'] / TARGETS['large']:.2f}")
    for vote in votes:
        if vote:
            print(
                f"  {vote['label']}: votes per second "
                f"{TARGETS['votes_per_second'] / vote['per_second']:.2f}, "
                f"p99 latency {vote['p99'] / TARGETS['p99_ms']:.2f}"
            )
    if page is not None:
        print(f"  voting page interactive: {page / TARGETS['page_s']:.2f}")


if __name__ == "__main__":
    main()
