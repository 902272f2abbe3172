"""The measures computed on arrays give what the plain definitions give, on small graphs.

Each test sets a vectorised measure (sparse products, igraph) beside a plain-Python
reference written as the definition reads, or beside networkx itself.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict

import networkx as nx
import numpy as np
import pytest

from coalition_app.network import measures
from coalition_app.network.build import coattendance
from coalition_app.network.measures import SECTORS, build_graph, coalition_measures, node_measures


def _coalition(seed: int, n: int = 80, links: int = 260, components: int = 3) -> nx.Graph:
    """Random institutions of every sector in a few separate clusters, plus isolates."""
    rng = random.Random(seed)
    nodes = [
        {"id": i, "label": f"I{i}", "sector": rng.choice(SECTORS), "groups": []} for i in range(n)
    ]
    edges = []
    cluster = n // components
    for _ in range(links):
        c = rng.randrange(components)
        a, b = rng.randrange(cluster) + c * cluster, rng.randrange(cluster) + c * cluster
        weight = rng.choice([0.5, 1.0, 2.0, 3.0])
        edges.append((a, b, {"type": "tie", "kind": "other", "id": len(edges), "weight": weight}))
    return build_graph(nodes, edges)  # the last n % components are isolates


@pytest.mark.parametrize("seed", [1, 2])
def test_brokerage_equals_the_count_of_untied_cross_sector_neighbour_pairs(seed):
    G = _coalition(seed)

    values, _ = node_measures(G)

    for v in G:
        sector = G.nodes[v]["sector"]
        around = sorted(G[v])
        untied = sum(
            1
            for u, w in itertools.combinations(around, 2)
            if G.nodes[u]["sector"] != G.nodes[w]["sector"] and not G.has_edge(u, w)
        )
        reached = {G.nodes[u]["sector"] for u in around} - {sector}
        assert values[v]["broker"] == untied
        assert values[v]["sectors_reached"] == len(reached)
        assert values[v]["degree"] == G.degree(v)


def test_eigenvector_per_component_is_networkx_on_each_component_scaled_to_its_share():
    G = _coalition(3)
    n = G.number_of_nodes()

    values, info = node_measures(G)

    assert info["eigenvector"] == "per_component"
    for component in nx.connected_components(G):
        if len(component) == 1:
            assert values[next(iter(component))]["eigenvector"] == 0.0
            continue
        expected = nx.eigenvector_centrality(G.subgraph(component), weight="weight")
        top = max(expected.values())
        for v in component:
            assert values[v]["eigenvector"] == pytest.approx(
                expected[v] / top * len(component) / n, rel=1e-5
            )


def test_co_attendance_equals_a_loop_over_each_meeting():
    rng = np.random.default_rng(5)
    meeting = rng.integers(0, 40, size=600)
    institution = rng.integers(0, 90, size=600)
    expected_weight: dict[tuple[int, int], float] = defaultdict(float)
    expected_count: dict[tuple[int, int], int] = defaultdict(int)
    present: dict[int, set[int]] = defaultdict(set)
    for m, i in zip(meeting.tolist(), institution.tolist(), strict=True):
        present[m].add(i)
    for together in present.values():
        if 2 <= len(together) <= 12:
            for pair in itertools.combinations(sorted(together), 2):
                expected_weight[pair] += 1 / (len(together) - 1)
                expected_count[pair] += 1

    pairs, skipped = coattendance(meeting, institution, pair_limit=12)

    kept = {p: w for p, w in expected_weight.items() if w >= measures.MEETING_MIN_WEIGHT}
    assert [(a, b) for a, b, _, _ in pairs] == sorted(kept)
    for a, b, count, weight in pairs:
        assert count == expected_count[(a, b)]
        assert weight == pytest.approx(kept[(a, b)])
    assert skipped == sum(1 for together in present.values() if len(together) > 12)


def test_louvain_by_igraph_finds_communities_as_good_as_networkx_and_repeats():
    # Four planted groups of 25, dense inside and sparse between.
    G = nx.planted_partition_graph(4, 25, 0.4, 0.02, seed=11)
    nx.set_node_attributes(G, "academia", "sector")
    nx.set_edge_attributes(G, 1.0, "weight")

    ours = coalition_measures(G, seed=42)
    reference = nx.community.louvain_communities(G, weight="weight", seed=42)

    assert ours["modularity"] == pytest.approx(
        nx.community.modularity(G, ours["communities"], weight="weight")
    )
    assert ours["modularity"] >= nx.community.modularity(G, reference, weight="weight") - 0.01
    assert sorted(map(sorted, ours["communities"])) == sorted(
        sorted(range(25 * k, 25 * (k + 1))) for k in range(4)
    )
    assert coalition_measures(G, seed=42)["communities"] == ours["communities"]


def test_cross_sector_shares_and_mixing_are_the_edge_by_edge_counts():
    G = _coalition(4)

    coalition = coalition_measures(G)

    sector = nx.get_node_attributes(G, "sector")
    cross = [(u, v, w) for u, v, w in G.edges(data="weight") if sector[u] != sector[v]]
    total = sum(w for _, _, w in G.edges(data="weight"))
    assert coalition["cross_sector_share"] == pytest.approx(len(cross) / G.number_of_edges())
    assert coalition["cross_sector_share_weighted"] == pytest.approx(
        sum(w for _, _, w in cross) / total
    )
    matrix = nx.attribute_mixing_dict(G, "sector")
    for s, row in coalition["mixing_matrix"].items():
        for t, count in row.items():
            assert count == matrix.get(s, {}).get(t, 0) // (2 if s == t else 1)
    assert coalition["sector_assortativity"] == pytest.approx(
        nx.attribute_assortativity_coefficient(G, "sector")
    )
    assert coalition["components"] == nx.number_connected_components(G)


def test_tie_weights_of_many_ties_are_each_ties_weight():
    from datetime import date

    day = date(2026, 6, 1)
    rows = [
        ("joint_project", "confirmed", date(2020, 1, 1), None),
        ("agreement", "unconfirmed", date(2025, 5, 1), date(2027, 1, 1)),
        ("event", "confirmed", date(2021, 1, 1), date(2022, 1, 1)),
        ("new_kind", "confirmed", date(2026, 6, 1), None),
        ("funding", "declined", date(2024, 1, 1), None),
        ("coauthorship", "confirmed", date(2026, 7, 1), None),
    ]

    weights = measures.tie_weights(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2].toordinal() for r in rows],
        [r[3].toordinal() if r[3] else 0 for r in rows],
        day,
    )

    expected = [
        measures.TIE_KIND_WEIGHTS["joint_project"] * 2 ** (-(day - rows[0][2]).days / 365.25 / 3),
        2.0 * 0.5 * 2 ** (-(day - rows[1][2]).days / 365.25 / 3),
        0.0,
        measures.DEFAULT_TIE_WEIGHT,
        0.0,
        0.0,
    ]
    assert weights.tolist() == pytest.approx(expected)
    assert not any(math.isnan(w) for w in weights)


def test_build_graph_is_the_graph_add_edges_from_makes():
    # Random rows in random order and orientation, repeated pairs, a deliverable's reason
    # shared by several pairs: the graph written into the adjacency directly is networkx's
    # own, edge order and attributes included, and no two edges share a reason dict.
    rng = random.Random(4)
    nodes = [{"id": i, "label": f"I{i}", "sector": rng.choice(SECTORS)} for i in range(60)]
    shared = {"type": "deliverable", "deliverable_id": 7, "weight": 2.0}
    edges = []
    for t in range(400):
        a, b = rng.sample(range(60), 2)
        kind = rng.choice(["tie", "meetings", "shared"])
        if kind == "tie":
            reason = {"type": "tie", "kind": "funding", "id": t, "weight": rng.random()}
        elif kind == "meetings":
            reason = {"type": "meetings", "count": rng.randint(1, 4), "weight": rng.random()}
        else:
            reason = shared
        edges.append((a, b, reason))
    edges.append((3, 3, {"type": "tie", "kind": "self"}))

    G = build_graph(nodes, edges)

    merged: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for a, b, reason in edges:
        pair = (min(a, b), max(a, b))
        if a != b and reason not in merged[pair]:
            merged[pair].append(reason)
    reference = nx.Graph()
    reference.add_nodes_from(sorted(G.nodes(data=True)))
    reference.add_edges_from(
        (a, b, {"weight": measures.edge_weight(rs), "reasons": measures._sorted_reasons(rs)})
        for (a, b), rs in sorted(merged.items())
    )
    assert list(G.edges(data=True)) == list(reference.edges(data=True))
    assert [list(G[v]) for v in G] == [list(reference[v]) for v in reference]
    reasons = [id(r) for _, _, rs in G.edges(data="reasons") for r in rs]
    assert len(reasons) == len(set(reasons)) and id(shared) not in reasons
