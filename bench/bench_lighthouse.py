"""Lighthouse on the public site and on the signed-in pages: the scores of each page on a
mobile run, with Debian's Chromium.

Migrates and seeds a fresh database (SQLite under a temporary folder), starts gunicorn in
production mode (as `bench_load` does), and runs the npm package `lighthouse` against each
page with its default mobile settings (emulated phone, simulated slow 4G and CPU slow-down),
`--chrome-flags=--headless=new` and CHROME_PATH=/usr/bin/chromium. Lighthouse is installed by
this benchmark with npm into a cache folder (BENCH_CACHE, by default
~/.cache/coalition-bench/lighthouse), never into the app.

Public pages: the four scores (performance, accessibility, best practices, SEO), target 95
each. Signed-in pages (issue 17): signed in as the demo coordinator, whose session cookie is
passed to Lighthouse with `--extra-headers`; performance at least 90, accessibility and best
practices 100 (SEO is not measured: these pages are for no search engine). The sample ids (a
deliverable, a task, an institution, a meeting, a consultation) are read from the seeded
database. LIGHTHOUSE_PAGES=public or signed-in measures one set only, and a comma-separated
list of SIGNED_IN_PAGES entries (`/network,/growth`) only those. LIGHTHOUSE_SYNTHETIC=10000
measures the network page alone on `flask seed-synthetic`'s coalition of that many
institutions (ten ties each) instead of the seed (the issue: interactive within 6 s there).
Prints one line per page with each score against its target, and the JSON reports are kept
under test-output/lighthouse/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition_app.core.db import make_engine
from coalition_app.network.synthetic import COORDINATOR_EMAIL as SYNTHETIC_COORDINATOR
from coalition_app.network.synthetic import PASSWORD as SYNTHETIC_PASSWORD
from coalition_app.network.synthetic import seed_synthetic
from tests.browser.chromium import CHROMIUM

from .bench_load import (
    DEMO_PASSWORD,
    ROOT,
    free_port,
    get,
    prepare_database,
    sign_in,
    start_gunicorn,
    stop_gunicorn,
    wait_ready,
)

# 12.x: the last line that runs on Debian 12's Node 20 (13 wants Node 22.12).
LIGHTHOUSE_VERSION = "12.8.2"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = [
    "/coalicion",
    "/miembros",
    "/grupos/etica",
    "/eventos",
    "/datos",
    "/coalicion?lang=en",
    "/public/agenda",  # the agenda (issue 16), on the public site too
]
TARGET = 95
COORDINATOR = "coordinator@example.org"
#: The main signed-in pages; {names} are sample ids read from the seeded database.
SIGNED_IN_PAGES = [
    "/",
    "/my-work",
    "/groups",
    "/groups/etica",
    "/deliverables/{deliverable}",
    "/tasks/{task}",
    "/institutions",
    "/institutions/{institution}",
    "/network",
    "/growth",
    "/people",
    "/calendar",
    "/meetings/{meeting}",
    "/agenda",
    "/inbox",
    "/consultations",
    "/consultations/{consultation}/manage",
    "/account/profile",
]
SIGNED_IN_CATEGORIES = ("performance", "accessibility", "best-practices")
SIGNED_IN_TARGETS = {"performance": 90, "accessibility": 100, "best-practices": 100}
REPORTS = ROOT / "test-output" / "lighthouse"


def cache_folder() -> Path:
    default = Path.home() / ".cache" / "coalition-bench" / "lighthouse"
    return Path(os.environ.get("BENCH_CACHE", default))


def ensure_lighthouse() -> Path:
    """The lighthouse command, installed with npm into the cache folder on first use."""
    folder = cache_folder()
    command = folder / "node_modules" / ".bin" / "lighthouse"
    installed = folder / "node_modules" / "lighthouse" / "package.json"
    if command.exists() and json.loads(installed.read_text())["version"] == LIGHTHOUSE_VERSION:
        return command
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: Lighthouse cannot be installed")
    folder.mkdir(parents=True, exist_ok=True)
    package = folder / "package.json"
    if not package.exists():
        package.write_text('{"private": true}\n')
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", f"lighthouse@{LIGHTHOUSE_VERSION}"],
        cwd=folder,
        check=True,
    )
    return command


def run_lighthouse(
    command: Path,
    url: str,
    report: Path,
    categories: tuple[str, ...] = CATEGORIES,
    cookie: str = "",
) -> dict[str, int]:
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    extra = [f"--extra-headers={json.dumps({'Cookie': cookie})}"] if cookie else []
    subprocess.run(
        [
            str(command),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(categories)}",
            # Chromium 155 records no trace for Lighthouse 12 under the old headless mode
            # (NO_NAVSTART): the new one.
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            *extra,
        ],
        env=env,
        check=True,
        timeout=240,
    )
    data = json.loads(report.read_text())
    return {c: round(100 * (data["categories"][c]["score"] or 0)) for c in categories}


def interactive_seconds(report: Path) -> tuple[float | None, float]:
    """The report's time to interactive in seconds (the network page's target), and
    Lighthouse's benchmark index of the machine during the run (lower: busier, so every
    simulated time is longer)."""
    data = json.loads(report.read_text())
    value = (data["audits"].get("interactive") or {}).get("numericValue")
    index = data.get("environment", {}).get("benchmarkIndex", 0)
    return (None if value is None else value / 1000), index


def sample_ids(url: str) -> dict[str, object]:
    """The ids that SIGNED_IN_PAGES name, the first of each kind in the seeded database."""
    from models import Consultation, Deliverable, Institution, Meeting, Task

    engine = make_engine(url)
    with Session(engine) as session:

        def first(column):
            return session.scalar(select(column).order_by(column).limit(1))

        ids = {
            "deliverable": first(Deliverable.id),
            "task": first(Task.id),
            "institution": first(Institution.id),
            "meeting": first(Meeting.id),
            "consultation": first(Consultation.slug),
        }
    engine.dispose()
    return ids


def prepare_synthetic(url: str, institutions: int) -> None:
    """A database of `flask seed-synthetic`'s coalition: `institutions`, ten ties each."""
    from werkzeug.security import generate_password_hash

    from coalition_app.core import migrations

    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_synthetic(
            session,
            institutions=institutions,
            ties=10 * institutions,
            seed=1,
            password_hash=generate_password_hash(SYNTHETIC_PASSWORD, "scrypt"),
        )
        session.commit()
    engine.dispose()


def wait_for_network(port: int, cookie: str, seconds: int = 120) -> None:
    """Until the network page and its drawing answer 200 from every gunicorn worker.

    A large network's first build runs in the background, in each worker (the benchmark's
    cache is per process: no Redis); the drawing is derived on its first request. So both
    are asked until a run of answers in a row are all 200s (4 workers, 2 threads each).
    """
    deadline = time.monotonic() + seconds
    in_a_row = 0
    while time.monotonic() < deadline and in_a_row < 16:
        ok = get(port, "/network", cookie)[0] == 200
        ok = get(port, "/network/graph.json", cookie)[0] == 200 and ok
        in_a_row = in_a_row + 1 if ok else 0
        if not ok:
            time.sleep(1)


def main() -> None:
    command = ensure_lighthouse()
    REPORTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="coalition-lighthouse-") as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        started = time.perf_counter()
        synthetic = int(os.environ.get("LIGHTHOUSE_SYNTHETIC", "0"))
        if synthetic:
            prepare_synthetic(url, synthetic)
        else:
            prepare_database(url)
        print(f"database: sqlite, migrated and seeded in {time.perf_counter() - started:.1f} s")
        port = free_port()
        log_path = tmp / "gunicorn.log"
        process = start_gunicorn(url, port, log_path)
        try:
            wait_ready(port, process, log_path)
            print(f"lighthouse {LIGHTHOUSE_VERSION}, mobile (default), Chromium {CHROMIUM}")
            only = os.environ.get("LIGHTHOUSE_PAGES", "")
            if synthetic:
                print(f"synthetic coalition: {synthetic:,} institutions, {10 * synthetic:,} ties")
                measure_signed_in(
                    command,
                    port,
                    {},
                    ["/network"],
                    SYNTHETIC_COORDINATOR,
                    SYNTHETIC_PASSWORD,
                    prefix=f"synthetic-{synthetic}_",
                )
            elif only in ("", "public"):
                measure_public(command, port)
            if synthetic:
                pass
            elif only not in ("", "public", "signed-in"):
                measure_signed_in(command, port, sample_ids(url), only.split(","))
            elif only in ("", "signed-in"):
                measure_signed_in(command, port, sample_ids(url), SIGNED_IN_PAGES)
        finally:
            stop_gunicorn(process)


def _report_name(prefix: str, path: str) -> str:
    name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "") or "home"
    return f"{prefix}{name}.json"


def measure_public(command: Path, port: int) -> None:
    print(f"{'public page':<38} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5}")
    below = []
    for path in PAGES:
        report = REPORTS / _report_name("", path)
        scores = run_lighthouse(command, f"http://127.0.0.1:{port}{path}", report)
        print(f"{path:<38} " + " ".join(f"{scores[c]:>5}" for c in CATEGORIES))
        below += [f"{path} {c} {s}" for c, s in scores.items() if s < TARGET]
    print(f"target {TARGET}: " + ("all met" if not below else "below: " + "; ".join(below)))


def measure_signed_in(
    command: Path,
    port: int,
    ids: dict[str, object],
    pages: list[str],
    email: str = COORDINATOR,
    password: str = DEMO_PASSWORD,
    prefix: str = "signed-in_",
) -> None:
    cookie = sign_in(port, email, password)  # its welcome message read, as a browser would
    wait_for_network(port, cookie, seconds=900)
    targets = " ".join(f"{c} {t}" for c, t in SIGNED_IN_TARGETS.items())
    print(f"signed in as {email}; targets: {targets}; cpu: Lighthouse's benchmark index")
    print(f"{'signed-in page':<38} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'TTI s':>6} {'cpu':>5}")
    below = []
    for template in pages:
        path = template.format(**ids)
        report = REPORTS / _report_name(prefix, path)
        scores = None
        for _attempt in range(2):  # Chromium now and then records no trace (NO_NAVSTART)
            try:
                scores = run_lighthouse(
                    command, f"http://127.0.0.1:{port}{path}", report, SIGNED_IN_CATEGORIES, cookie
                )
                break
            except subprocess.CalledProcessError:  # Lighthouse said why above
                continue
        if scores is None:
            print(f"{path:<38} failed")
            below.append(f"{path} failed")
            continue
        tti, index = interactive_seconds(report)
        print(
            f"{path:<38} "
            + " ".join(f"{scores[c]:>5}" for c in SIGNED_IN_CATEGORIES)
            + (f" {tti:>6.1f}" if tti is not None else "      -")
            + f" {index:>5.0f}"
        )
        below += [f"{path} {c} {s}" for c, s in scores.items() if s < SIGNED_IN_TARGETS[c]]
    print("signed-in targets: " + ("all met" if not below else "below: " + "; ".join(below)))
