"""Lighthouse on the public site: the four scores (performance, accessibility, best practices,
SEO) of each public page on a mobile run, with Debian's Chromium.

Migrates and seeds a fresh database (SQLite under a temporary folder), starts gunicorn in
production mode (as `bench_load` does), and runs the npm package `lighthouse` against each
page with its default mobile settings (emulated phone, simulated slow 4G and CPU slow-down),
`--chrome-flags=--headless=new` and CHROME_PATH=/usr/bin/chromium. Lighthouse is installed by
this benchmark with npm into a cache folder (BENCH_CACHE, by default
~/.cache/coalition-bench/lighthouse), never into the app. The issue's target: every score at
least 95. Prints one line per page, and the JSON reports are kept under
test-output/lighthouse/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.browser.chromium import CHROMIUM

from .bench_load import (
    BASELINE,
    ROOT,
    free_port,
    get,
    prepare_database,
    start_gunicorn,
    stop_gunicorn,
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


def run_lighthouse(command: Path, url: str, report: Path) -> dict[str, int]:
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    subprocess.run(
        [
            str(command),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            # Chromium 155 records no trace for Lighthouse 12 under the old headless mode
            # (NO_NAVSTART): the new one.
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env=env,
        check=True,
        timeout=240,
    )
    data = json.loads(report.read_text())
    return {c: round(100 * (data["categories"][c]["score"] or 0)) for c in CATEGORIES}


def wait_ready(port: int, process: subprocess.Popen, log_path: Path, seconds: int = 120) -> None:
    """Until gunicorn answers (its four workers start slowly on a busy machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log_path.read_text(errors="replace"))
        try:
            if get(port, BASELINE)[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(
        f"gunicorn did not answer within {seconds} s:\n" + log_path.read_text(errors="replace")
    )


def main() -> None:
    command = ensure_lighthouse()
    REPORTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="coalition-lighthouse-") as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        started = time.perf_counter()
        prepare_database(url)
        print(f"database: sqlite, migrated and seeded in {time.perf_counter() - started:.1f} s")
        port = free_port()
        log_path = tmp / "gunicorn.log"
        process = start_gunicorn(url, port, log_path)
        try:
            wait_ready(port, process, log_path)
            print(f"lighthouse {LIGHTHOUSE_VERSION}, mobile (default), Chromium {CHROMIUM}")
            print(f"{'page':<22} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5}")
            below = []
            for path in PAGES:
                name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "")
                scores = run_lighthouse(
                    command, f"http://127.0.0.1:{port}{path}", REPORTS / f"{name}.json"
                )
                print(f"{path:<22} " + " ".join(f"{scores[c]:>5}" for c in CATEGORIES))
                below += [f"{path} {c} {s}" for c, s in scores.items() if s < TARGET]
            print(f"target {TARGET}: " + ("all met" if not below else "below: " + "; ".join(below)))
        finally:
            stop_gunicorn(process)
