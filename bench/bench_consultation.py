"""The consultation's targets (issue 16), printed as ratios (measured / target; below 1 is met):

- analysis of the seed's size (1,600 participants × 60 statements, the seed's generator):
  under 0.5 s;
- analysis of 100,000 participants × 1,000 statements with 5 million votes (sparse): under
  30 s;
- voting through gunicorn (`-w 4 --threads 2`, production mode) with wrk: 500 votes per
  second or more, p99 under 100 ms (each vote answers the next card, as with JavaScript);
- the voting page interactive within 2 s on a phone profile (Chromium at 390 px, CPU slowed
  4×, a fast-3G-like network), from navigation to its first page (the consent form)
  interactive.

`make bench BENCH=consultation`. BENCH_DATABASE_URL (PostgreSQL recommended for the voting
load: SQLite has one write lock) and BENCH_DURATION (seconds of wrk, 10) change the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from bench import bench_load as load
from coalition_app.consultation import analysis
from seeds import consultation as seed

SLUG = "consulta-nacional-ia2030"
TARGETS = {"seed": 0.5, "large": 30.0, "votes_per_second": 500, "p99_ms": 100, "page_s": 2.0}


def analyse(rows, cols, values, shape, sectors, states) -> dict:
    """Everything the results page computes, from arrays (as `results.summarise` does)."""
    matrix = analysis.vote_matrix(rows, cols, values, shape)
    overall = analysis.agreement(matrix)
    by_sector = analysis.agreement_by(matrix, sectors, list(range(5)))
    analysis.agreement_by(matrix, states, list(range(32)))
    groups = analysis.opinion_groups(matrix)
    assert groups is not None
    by_group = analysis.agreement_by(matrix, groups.labels, list(range(groups.k)))
    parts = [by_group[g] for g in range(groups.k)]
    analysis.representative_statements(matrix, groups.labels, groups.k)
    analysis.informed_consensus(parts)
    analysis.informed_consensus(list(by_sector.values()))
    analysis.divisiveness(parts)
    return {"k": groups.k, "n": overall.n}


def seed_size() -> float:
    stances = [
        (stance, camp) for items in seed.read()["statements"].values() for stance, camp, _ in items
    ]
    generated = seed.generate(stances)
    rng = np.random.default_rng(0)
    shape = (seed.PARTICIPANTS, len(stances))
    states = rng.integers(0, 32, seed.PARTICIPANTS)
    args = (generated["rows"], generated["cols"], generated["values"], shape)
    analyse(*args, generated["sector"], states)  # warm: imports, first allocations
    best = min(_timed(lambda: analyse(*args, generated["sector"], states)) for _ in range(3))
    print(f"seed size {shape[0]} x {shape[1]}, {len(generated['values'])} votes: {best:.3f} s")
    return best


def large_size() -> float:
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
    sectors = rng.integers(0, 5, participants)
    states = rng.integers(0, 32, participants)
    seconds = _timed(
        lambda: analyse(rows, cols, values, (participants, statements), sectors, states)
    )
    print(f"large {participants} x {statements}, {len(values)} votes: {seconds:.2f} s")
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


def _participants(port: int, count: int) -> list[tuple[str, str]]:
    """(Cookie header, CSRF token) of `count` participants who joined over HTTP."""
    people = []
    for _ in range(count):
        jar: dict[str, str] = {}
        status, body, headers = load.get(port, f"/consulta/{SLUG}")
        load._cookies(headers, jar)
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body)
        if status != 200 or token is None:
            raise RuntimeError(f"no consent form (HTTP {status})")
        form = {"csrf_token": token.group(1).decode(), "consent": "y"}
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        status, _body, headers = load.request(
            port,
            "POST",
            f"/consulta/{SLUG}/unirse",
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            urlencode(form),
        )
        load._cookies(headers, jar)
        if status != 302:
            raise RuntimeError(f"joining failed (HTTP {status})")
        people.append(("; ".join(f"{k}={v}" for k, v in jar.items() if v), form["csrf_token"]))
    return people


def _statement_ids(port: int, cookie: str) -> list[int]:
    _status, body, _headers = load.get(port, f"/consulta/{SLUG}", cookie)
    found = re.search(rb'name="statement" value="(\d+)"', body)
    if found is None:
        raise RuntimeError("no statement on the voting page")
    first = int(found.group(1))
    return list(range(first - 70, first + 70))  # the seed's 60 (others: refused, as abuse)


def voting(url: str, seconds: int) -> dict | None:
    wrk = load.ensure_wrk()
    if wrk is None:
        print("wrk is not installed (and we are not root): voting not measured")
        return None
    port = load.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        os.environ["CONSULTATION_VOTE_LIMIT_PER_ADDRESS"] = "1000000 per minute"
        os.environ["CONSULTATION_VOTE_LIMIT_PER_PARTICIPANT"] = "1000000 per minute"
        os.environ["CONSULTATION_JOIN_LIMIT_PER_ADDRESS"] = "1000000 per hour"
        process = load.start_gunicorn(url, port, log)
        try:
            _wait_ready(port, process, log)
            people = _participants(port, 200)
            statements = [s for s in _statement_ids(port, people[0][0]) if s > 0]
            lua = Path(tmp) / "votes.lua"
            entries = ",\n".join(f'{{"{c}", "{t}"}}' for c, t in people)
            lua.write_text(
                "local people = {\n" + entries + "\n}\n"
                f"local statements = {{{', '.join(map(str, statements))}}}\n"
                'local votes = {"agree", "disagree", "pass"}\n'
                "local i = 0\n"
                "request = function()\n"
                "  i = i + 1\n"
                "  local p = people[(i % #people) + 1]\n"
                "  local s = statements[(math.floor(i / #people) % #statements) + 1]\n"
                '  local body = "csrf_token=" .. p[2] .. "&statement=" .. s .. "&vote=" '
                ".. votes[(i % 3) + 1]\n"
                f'  return wrk.format("POST", "/consulta/{SLUG}/votar", '
                '{["Cookie"] = p[1], ["Content-Type"] = "application/x-www-form-urlencoded", '
                '["Accept"] = "application/json"}, body)\n'
                "end\n" + load.WRK_REPORT
            )
            subprocess.run(
                [wrk, "-t2", "-c16", "-d2s", "-s", str(lua), f"http://127.0.0.1:{port}/"],
                capture_output=True,
                check=False,
            )  # warm-up
            out = subprocess.run(
                [wrk, "-t2", "-c16", f"-d{seconds}s", "-s", str(lua), f"http://127.0.0.1:{port}/"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
        finally:
            load.stop_gunicorn(process)
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        print("wrk gave no report:\n" + out)
        return None
    figures = dict(part.split("=") for part in line.split()[1:])
    per_second = int(figures["requests"]) / (int(figures["duration_us"]) / 1e6)
    p99 = int(figures["p99"]) / 1000
    print(
        f"voting: {per_second:.0f} votes/s, p99 {p99:.1f} ms, "
        f"errors {figures['socket_errors']} socket / {figures['bad_status']} non-2xx"
    )
    return {"per_second": per_second, "p99": p99}


def phone_page(url: str) -> float | None:
    """Seconds from navigation to the consultation's first page being interactive on a
    throttled phone profile."""
    try:
        from playwright.sync_api import sync_playwright

        from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
    except ImportError:
        return None
    port = load.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        process = load.start_gunicorn(url, port, log)
        try:
            _wait_ready(port, process, log)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, locale="es-MX"
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                cdp.send("Network.enable")
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": 150,
                        "downloadThroughput": 1.6 * 1024 * 1024 / 8,
                        "uploadThroughput": 750 * 1024 / 8,
                    },
                )
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/consulta/{SLUG}", wait_until="load")
                # The page a visitor on a phone opens first (its consent form; the production
                # cookies are Secure, which a browser keeps only over HTTPS, so the card after
                # it is not reachable here over plain HTTP): same layout, styles and scripts.
                page.get_by_role("button", name="Empezar").wait_for(state="visible")
                page.wait_for_function("document.readyState === 'complete'")
                seconds = time.perf_counter() - started
                browser.close()
        finally:
            load.stop_gunicorn(process)
    print(f"the consultation's first page on a phone profile: interactive in {seconds:.2f} s")
    return seconds


def main() -> None:
    seconds = int(os.environ.get("BENCH_DURATION", "10"))
    results = {"seed": seed_size(), "large": large_size()}
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        load.prepare_database(url)
        vote = voting(url, seconds)
        page = phone_page(url)
    print("ratios to the targets (measured / target; at most 1 is met):")
    print(f"  analysis of the seed: {results['seed'] / TARGETS['seed']:.2f}")
    print(f"  analysis of 100,000 x 1,000: {results['large'] / TARGETS['large']:.2f}")
    if vote:
        print(f"  votes per second: {TARGETS['votes_per_second'] / vote['per_second']:.2f}")
        print(f"  p99 latency: {vote['p99'] / TARGETS['p99_ms']:.2f}")
    if page is not None:
        print(f"  voting page interactive: {page / TARGETS['page_s']:.2f}")


if __name__ == "__main__":
    main()
