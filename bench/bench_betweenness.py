"""Betweenness at 1,000, 5,000 and 10,000 institutions: exact against sampled, measured in one run.

`make bench BENCH=betweenness`. For each synthetic coalition (`network/synthetic.py`, ten ties
per institution, seed 1) it prints the time of exact betweenness (igraph's C code, what the
network computes up to `BETWEENNESS_EXACT_LIMIT`), then for each sample size k the time of
the sampled estimate and how many of its top 10 institutions are in the exact top 10 (the
overlap the default `BETWEENNESS_SAMPLE` is chosen by: at least 9 of 10 at 5,000), and at
1,000 institutions networkx's own exact figure and time, the reference igraph must equal.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

import networkx as nx
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from coalition_app.core import migrations
from coalition_app.core.db import make_engine
from coalition_app.network import build as network
from coalition_app.network import measures
from coalition_app.network.synthetic import PASSWORD, seed_synthetic
from config import TestConfig

SIZES = [(1_000, 10_000), (5_000, 50_000), (10_000, 100_000)]
SAMPLES = [100, 500, 1_000, 2_000, 4_000]


def _graph(directory: Path, institutions: int, ties: int) -> nx.Graph:
    url = f"sqlite:///{directory / f'synthetic-{institutions}.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_synthetic(
            session,
            institutions=institutions,
            ties=ties,
            seed=1,
            password_hash=generate_password_hash(PASSWORD, TestConfig.PASSWORD_HASH_METHOD),
        )
        session.commit()
        rows = network.load_rows(session)
    engine.dispose()
    return network.graph_for(rows, date.today(), network.DEFAULT_PAIR_LIMIT)


def top(values: dict, count: int = 10) -> set:
    """The `count` highest-scoring nodes (ties broken by id, as the page's table does)."""
    return set(sorted(values, key=lambda v: (-values[v], v))[:count])


def _timed(function, *args, **kwargs):
    """The result and its CPU seconds (wall time swings with the machine's other load)."""
    started = time.process_time()
    result = function(*args, **kwargs)
    return result, time.process_time() - started


def main() -> None:
    print(
        f"defaults: exact up to {measures.DEFAULT_BETWEENNESS_EXACT_LIMIT:,} institutions, "
        f"above that sampled with k = {measures.DEFAULT_BETWEENNESS_SAMPLE}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-betweenness-") as tmp:
        for institutions, ties in SIZES:
            G = _graph(Path(tmp), institutions, ties)
            exact, seconds = _timed(measures.betweenness, G)
            print(
                f"{G.number_of_nodes():>6,} institutions {G.number_of_edges():>7,} links: "
                f"exact (igraph) {seconds:6.2f} CPU s",
                flush=True,
            )
            if institutions <= 1_000:
                reference, nx_seconds = _timed(nx.betweenness_centrality, G)
                worst = max(abs(reference[v] - exact[v]) for v in G)
                print(
                    f"    networkx exact {nx_seconds:6.2f} CPU s; largest difference from igraph "
                    f"{worst:.1e}",
                    flush=True,
                )
            best = top(exact)
            for k in SAMPLES:
                sampled, seconds = _timed(measures.betweenness, G, k=k, seed=network.SEED)
                overlap = len(top(sampled) & best)
                print(
                    f"    sampled k={k:>5}: {seconds:6.2f} CPU s, top-10 overlap with exact "
                    f"{overlap:>2}/10",
                    flush=True,
                )
