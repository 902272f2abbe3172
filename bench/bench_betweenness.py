"""Betweenness at 1,000, 5,000 and 10,000 institutions: exact against estimated, in one run.

`make bench BENCH=betweenness`. For each synthetic coalition (`network/synthetic.py`, ten
ties per institution and the meetings' co-attendance; seeds 1 to 3, seed 1 only at 10,000)
it prints the time of exact betweenness (igraph's C code, what the network computes up to
`BETWEENNESS_EXACT_LIMIT`); the time of KADABRA's estimate (what it computes above the
limit) and how many of its top 10 are in the exact top 10 (the target: at least 9 of 10 at
5,000); the same for uniform samples of k source nodes (networkx's `k`, what the network
used before, for comparison; up to 5,000); the same for source sampling with linear scaling
(NetworKit's `EstimateBetweenness`: k random sources, each a full BFS whose dependencies are
weighted by distance, Geisberger, Sanders and Schultes 2008), the candidate measured against
KADABRA for issue 13 (at every size); and at 1,000 institutions networkx's own exact figure
and time, the reference igraph must equal.  Times are CPU seconds of this process.
"""

from __future__ import annotations

import math
import statistics
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
SEEDS = [1, 2, 3]
#: At 10,000 institutions (about 230,000 links with co-attendance), one coalition: exact
#: betweenness alone takes minutes there, and seeding each coalition half a minute.
SEEDS_AT_LARGEST = [1]
SAMPLES = [1_000, 2_000]
#: Uniform samples (the old method, for comparison) are timed up to this size only.
SAMPLES_UP_TO = 5_000
#: Source sampling with linear scaling: the sources drawn (at 5,000 with the network's seed,
#: 1,000 put 9, 8 and 9 of the exact top 10 in their top 10 over seeds 1 to 3; 500 gave 8
#: on seed 1).
LINEAR_SOURCES = [500, 1_000]
#: The target: KADABRA's top 10 shares at least this many with the exact top 10 at 5,000.
TARGET_OVERLAP = 9


def _graph(directory: Path, institutions: int, ties: int, seed: int) -> nx.Graph:
    url = f"sqlite:///{directory / f'synthetic-{institutions}-{seed}.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_synthetic(
            session,
            institutions=institutions,
            ties=ties,
            seed=seed,
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


def _source_sampled(G: nx.Graph, k: int, seed: int) -> dict:
    """Betweenness from `k` random sources with linear scaling (NetworKit, one thread).

    On networkx's scale but for a factor (k + 1) / k (NetworKit draws k + 1 sources and
    divides by k): the same for every node, so the ranking, all the bench reads, is exact.
    """
    import networkit as nk

    arrays = measures.GraphArrays.of(G)
    g = nk.Graph(arrays.n)
    g.addEdges((arrays.first.astype("uint64"), arrays.second.astype("uint64")))
    nk.engineering.setSeed(seed, False)
    nk.setNumberOfThreads(1)
    estimate = nk.centrality.EstimateBetweenness(g, k, True, False)
    estimate.run()
    return dict(zip(arrays.nodes, estimate.scores(), strict=True))


def _log_degree_spread(G: nx.Graph) -> float:
    degrees = [d for _v, d in G.degree() if d]
    logs = [math.log(d) for d in degrees]
    return statistics.pstdev(logs)


def main() -> None:
    print(
        f"defaults: exact up to {measures.DEFAULT_BETWEENNESS_EXACT_LIMIT:,} institutions, "
        f"above that KADABRA with error {measures.DEFAULT_BETWEENNESS_ERROR} ranking the top "
        f"{measures.BETWEENNESS_TOP}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-betweenness-") as tmp:
        for institutions, ties in SIZES:
            for seed in SEEDS if institutions < SIZES[-1][0] else SEEDS_AT_LARGEST:
                G = _graph(Path(tmp), institutions, ties, seed)
                exact, exact_seconds = _timed(measures.betweenness, G)
                print(
                    f"{G.number_of_nodes():>6,} institutions {G.number_of_edges():>7,} links "
                    f"(seed {seed}; spread of log degree {_log_degree_spread(G):.2f}, real "
                    f"coalition 0.66): exact (igraph) {exact_seconds:6.2f} CPU s",
                    flush=True,
                )
                if institutions <= 1_000 and seed == SEEDS[0]:
                    reference, nx_seconds = _timed(nx.betweenness_centrality, G)
                    worst = max(abs(reference[v] - exact[v]) for v in G)
                    print(
                        f"    networkx exact {nx_seconds:6.2f} CPU s; largest difference from "
                        f"igraph {worst:.1e}",
                        flush=True,
                    )
                best = top(exact)
                (estimate, samples), seconds = _timed(
                    measures.estimated_betweenness,
                    G,
                    error=measures.DEFAULT_BETWEENNESS_ERROR,
                    seed=network.SEED,
                )
                overlap = len(top(estimate) & best)
                verdict = ""
                if institutions == 5_000:
                    verdict = " (target met)" if overlap >= TARGET_OVERLAP else " (TARGET MISSED)"
                print(
                    f"    KADABRA: {seconds:6.2f} CPU s ({seconds / exact_seconds:.2f}x exact's), "
                    f"{samples:,} paths sampled, top-10 overlap with exact "
                    f"{overlap:>2}/10{verdict}",
                    flush=True,
                )
                for k in LINEAR_SOURCES:
                    sampled, seconds = _timed(_source_sampled, G, k, network.SEED)
                    overlap = len(top(sampled) & best)
                    print(
                        f"    sources, linear scaling k={k:>5}: {seconds:6.2f} CPU s "
                        f"({seconds / exact_seconds:.2f}x exact's), top-10 overlap with exact "
                        f"{overlap:>2}/10",
                        flush=True,
                    )
                for k in SAMPLES if institutions <= SAMPLES_UP_TO else []:
                    sampled, seconds = _timed(measures.betweenness, G, k=k, seed=network.SEED)
                    overlap = len(top(sampled) & best)
                    print(
                        f"    uniform sample k={k:>5}: {seconds:6.2f} CPU s, top-10 overlap "
                        f"with exact {overlap:>2}/10",
                        flush=True,
                    )
