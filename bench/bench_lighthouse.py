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
practices 100 (SEO is not measured: these pages are for no search engine). The signed-in pages
come from the app's url_map (tests/routes.py, as the load benchmark's), one page per distinct
template (the first path that renders it, as the coordinator or else the demo member): a new
page is measured the day it lands, and pages that differ only by their row are measured once.
LIGHTHOUSE_PAGES=public or signed-in measures one set only, and a comma-separated list of
paths or endpoints (`/network,/growth`, `growth.dashboard`) only those. LIGHTHOUSE_SYNTHETIC=10000
measures the network page alone on `flask seed-synthetic`'s coalition of that many
institutions (ten ties each) instead of the seed (the issue: interactive within 6 s there),
seeded under LIGHTHOUSE_SYNTHETIC_DIR once a day when it is set (as BENCH_NETWORK_DIR does).
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
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from coalition_app.core.db import make_engine
from coalition_app.network.synthetic import COORDINATOR_EMAIL as SYNTHETIC_COORDINATOR
from coalition_app.network.synthetic import PASSWORD as SYNTHETIC_PASSWORD
from coalition_app.network.synthetic import seed_synthetic
from tests.browser.chromium import CHROMIUM
from tests.routes import COORDINATOR, MEMBER, only, pages

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


def signed_in_pages(
    url: str, samples: dict[str, object], wanted: str = ""
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """([(path, template, email)], skipped): the url_map's signed-in HTML pages, one per
    template; with `wanted` (paths or endpoints, comma-separated), those pages only.

    Each page is rendered once in this process on the seeded database (Flask's test client,
    the page cache off) as the coordinator, or as the member when the coordinator is refused;
    the template a page renders is the last one `template_rendered` reports (the page's parts
    are rendered inside it). Pages neither of them is shown (a redirect, a refusal) are
    listed as skipped, with their status.
    """
    from flask import template_rendered

    from coalition_app import create_app
    from config import TestConfig
    from tests.helpers import sign_in as sign_in_client

    app = create_app(TestConfig(url))
    app.config["PAGE_CACHE_ENABLED"] = False
    routes = [p for p in pages(app, samples) if not p.is_public and not p.is_api]
    routes = only(routes, wanted)
    clients = []
    for email in (COORDINATOR, MEMBER):
        client = app.test_client()
        sign_in_client(client, email, DEMO_PASSWORD)
        clients.append((email, client))
    rendered: list[str] = []

    def record(_app, template, **_extra) -> None:
        rendered.append(template.name)

    chosen: dict[str, tuple[str, str]] = {}
    skipped = []
    with template_rendered.connected_to(record, app):
        for page in routes:
            statuses = []
            for email, client in clients:
                rendered.clear()
                response = client.get(page.path)
                statuses.append(str(response.status_code))
                if response.status_code == 200 and response.mimetype == "text/html":
                    # Named pages are each measured; the walk keeps one page per template.
                    key = page.path if wanted else (rendered or [page.path])[-1]
                    chosen.setdefault(key, (page.path, email))
                    break
            else:
                skipped.append(f"{page.path} ({'/'.join(statuses)})")
    found = sorted((path, template, email) for template, (path, email) in chosen.items())
    return found, skipped


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


def synthetic_url(tmp: Path, institutions: int) -> str:
    """The synthetic database's URL, seeded now under `tmp`, or kept under
    LIGHTHOUSE_SYNTHETIC_DIR and seeded there once a day (the data's dates follow the day):
    seeding 10,000 institutions takes minutes."""
    kept = os.environ.get("LIGHTHOUSE_SYNTHETIC_DIR")
    folder = Path(kept) if kept else tmp
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic-{institutions}-{date.today().isoformat()}.sqlite3"
    done = path.with_suffix(".seeded")
    url = f"sqlite:///{path}"
    if not done.exists():
        path.unlink(missing_ok=True)
        prepare_synthetic(url, institutions)
        done.touch()
    return url


def wait_for_network(port: int, cookie: str, seconds: int = 120) -> None:
    """Until the network page and its drawing answer 200 from every gunicorn worker.

    A large network's first build runs in the background, in each worker (the benchmark's
    cache is per process: no Redis); the drawing is derived on its first request. So both
    are asked until a run of answers in a row are all 200s (4 workers, 2 threads each).
    """
    deadline = time.monotonic() + seconds
    in_a_row = 0
    while time.monotonic() < deadline and in_a_row < 16:
        try:
            status, body, _headers = get(port, "/network", cookie)
            # A worker still computing answers 200 too, with a page that reloads itself.
            ok = status == 200 and b'http-equiv="refresh"' not in body
            ok = get(port, "/network/graph.json", cookie)[0] == 200 and ok
        except TimeoutError:  # a worker busy building a large network on a loaded machine
            ok = False
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
        samples: dict[str, object] = {}
        if synthetic:
            url = synthetic_url(tmp, synthetic)
        else:
            samples = prepare_database(url)
        print(f"database: sqlite, migrated and seeded in {time.perf_counter() - started:.1f} s")
        port = free_port()
        log_path = tmp / "gunicorn.log"
        process = start_gunicorn(url, port, log_path)
        try:
            wait_ready(port, process, log_path)
            print(f"lighthouse {LIGHTHOUSE_VERSION}, mobile (default), Chromium {CHROMIUM}")
            wanted = os.environ.get("LIGHTHOUSE_PAGES", "")
            if synthetic:
                print(f"synthetic coalition: {synthetic:,} institutions, {10 * synthetic:,} ties")
                passwords = {SYNTHETIC_COORDINATOR: SYNTHETIC_PASSWORD}
                chosen = [("/network", "network/page.html", SYNTHETIC_COORDINATOR)]
                measure_signed_in(command, port, chosen, passwords, f"synthetic-{synthetic}_")
                return
            if wanted in ("", "public"):
                measure_public(command, port)
            if wanted != "public":
                named = "" if wanted == "signed-in" else wanted
                chosen, skipped = signed_in_pages(url, samples, named)
                passwords = {COORDINATOR: DEMO_PASSWORD, MEMBER: DEMO_PASSWORD}
                measure_signed_in(command, port, chosen, passwords)
                if skipped:
                    print(
                        "not measured (no page for the coordinator/member): " + ", ".join(skipped)
                    )
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


def page_metrics(report: Path) -> dict[str, float]:
    """What drives the performance score, from a report: FCP, LCP and TTI (s), TBT and
    main-thread work (ms), unused JavaScript and CSS (KiB, as transferred), and Lighthouse's
    benchmark index of the machine during the run (lower: busier, so every simulated time
    is longer)."""
    data = json.loads(report.read_text())
    audits = data["audits"]

    def value(name: str, unit: float = 1.0) -> float:
        return ((audits.get(name) or {}).get("numericValue") or 0) / unit

    def unused(name: str) -> float:
        details = (audits.get(name) or {}).get("details") or {}
        return sum(item.get("wastedBytes", 0) for item in details.get("items", [])) / 1024

    return {
        "fcp": value("first-contentful-paint", 1000),
        "lcp": value("largest-contentful-paint", 1000),
        "tbt": value("total-blocking-time"),
        "tti": value("interactive", 1000),
        "main": value("mainthread-work-breakdown"),
        "js": unused("unused-javascript"),
        "css": unused("unused-css-rules"),
        "cpu": data.get("environment", {}).get("benchmarkIndex", 0),
    }


METRIC_COLUMNS = (
    ("FCP s", "fcp", ".1f"),
    ("LCP s", "lcp", ".1f"),
    ("TBT ms", "tbt", ".0f"),
    ("TTI s", "tti", ".1f"),
    ("main ms", "main", ".0f"),
    ("JS KiB", "js", ".0f"),
    ("CSS KiB", "css", ".0f"),
    ("cpu", "cpu", ".0f"),
)


def measure_signed_in(
    command: Path,
    port: int,
    chosen: list[tuple[str, str, str]],
    passwords: dict[str, str],
    prefix: str = "signed-in_",
) -> None:
    """Lighthouse on each (path, template, email), with that person's session cookie."""
    cookies = {}
    for email, password in passwords.items():
        cookies[email] = sign_in(port, email, password)  # its welcome message read
    wait_for_network(port, next(iter(cookies.values())), seconds=900)
    targets = " ".join(f"{c} {t}" for c, t in SIGNED_IN_TARGETS.items())
    print(
        f"{len(chosen)} signed-in pages; targets: {targets}; unused JS/CSS as transferred;"
        f" cpu: Lighthouse's benchmark index; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'signed-in page':<38} {'perf':>4} {'a11y':>4} {'b.p.':>4} "
        + " ".join(f"{label:>7}" for label, _key, _f in METRIC_COLUMNS)
        + "  as"
    )
    below = []
    for path, _template, email in chosen:
        report = REPORTS / _report_name(prefix, path)
        scores = None
        for _attempt in range(2):  # Chromium now and then records no trace (NO_NAVSTART)
            try:
                scores = run_lighthouse(
                    command,
                    f"http://127.0.0.1:{port}{path}",
                    report,
                    SIGNED_IN_CATEGORIES,
                    cookies[email],
                )
                break
            except subprocess.CalledProcessError:  # Lighthouse said why above
                continue
        if scores is None:
            print(f"{path:<38} failed")
            below.append(f"{path} failed")
            continue
        metrics = page_metrics(report)
        print(
            f"{path:<38} "
            + " ".join(f"{scores[c]:>4}" for c in SIGNED_IN_CATEGORIES)
            + " "
            + " ".join(f"{metrics[key]:>7{fmt}}" for _label, key, fmt in METRIC_COLUMNS)
            + f"  {email.split('@')[0]}",
            flush=True,
        )
        below += [f"{path} {c} {s}" for c, s in scores.items() if s < SIGNED_IN_TARGETS[c]]
    print("signed-in targets: " + ("all met" if not below else "below: " + "; ".join(below)))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
