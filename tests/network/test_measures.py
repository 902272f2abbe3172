"""Network measures on small graphs whose answers are worked out by hand."""

from __future__ import annotations

import doctest
import io
import json
import math
import random

import networkx as nx
import pytest

from coalition_app.network import measures
from coalition_app.network.measures import (
    SECTORS,
    build_graph,
    coalition_measures,
    edge_weight,
    measures_over_time,
    node_measures,
    suggest_introductions,
    to_gexf_bytes,
    to_graphml_bytes,
    to_node_link,
)

TIE = {"type": "tie", "kind": "joint_project", "since": "2019-05-01"}


def met(tag: str) -> dict:
    """A meeting both attended, alone (Newman weight 1/(2-1) = 1); `tag` tells them apart."""
    return {"type": "meetings", "count": 1, "weight": 1.0, "at": tag}


def deliverable(deliverable_id: int) -> dict:
    return {"type": "deliverable", "deliverable_id": deliverable_id}


def institution(node_id: int, sector: str, *, label: str | None = None, groups=(), **extra):
    return {
        "id": node_id,
        "label": label or f"Institution {node_id}",
        "acronym": None,
        "sector": sector,
        "state": None,
        "groups": list(groups),
        "founder": False,
        "joined_on": "2024-01-15",
        **extra,
    }


@pytest.fixture
def star() -> nx.Graph:
    """A government centre (0) tied to one institution of each other sector (1-4)."""
    leaves = ["industry", "civil_society", "academia", "international_cooperation"]
    nodes = [institution(0, "government", acronym="SEP")]
    nodes += [institution(i, sector) for i, sector in enumerate(leaves, start=1)]
    return build_graph(nodes, [(0, i, TIE) for i in range(1, 5)])


@pytest.fixture
def bridged() -> nx.Graph:
    """Two sector cliques joined only through an industry broker (7).

    Government 1-2-3 and academia 4-5-6 are cliques whose edges are a tie plus a shared
    group (weight 4); the broker is tied (weight 3) to 2 and 3 on one side, 4 and 5 on the
    other.
    """
    nodes = [institution(i, "government", groups=["etica"]) for i in (1, 2, 3)]
    nodes += [institution(i, "academia", groups=["datos"]) for i in (4, 5, 6)]
    nodes.append(institution(7, "industry", groups=["datos", "etica"], founder=True))
    edges = []
    for clique, slug in (((1, 2, 3), "etica"), ((4, 5, 6), "datos")):
        for a, b in [(clique[0], clique[1]), (clique[0], clique[2]), (clique[1], clique[2])]:
            edges += [(a, b, TIE), (b, a, met(slug))]
    edges += [(7, other, TIE) for other in (2, 3, 4, 5)]
    return build_graph(nodes, edges)


# -- weighting rule and graph building ---------------------------------------------------


def test_an_edge_weighs_the_sum_of_its_reasons_own_weights_or_their_type_default():
    reasons = [TIE, met("etica"), met("datos"), deliverable(3)]

    assert edge_weight(reasons) == 7.0
    assert edge_weight([{**TIE, "weight": 0.5}, {**met("x"), "weight": 0.25}]) == 0.75
    assert edge_weight([]) == 0.0


def test_a_shared_group_is_not_collaboration_and_cannot_weigh_on_an_edge():
    with pytest.raises(ValueError, match="group"):
        edge_weight([{"type": "group", "group": "etica"}])


def test_an_unknown_reason_type_is_rejected_rather_than_weighing_nothing():
    with pytest.raises(ValueError, match="membership"):
        edge_weight([{"type": "membership"}])


def test_build_graph_merges_the_reasons_of_a_pair_given_in_either_order():
    nodes = [
        institution(2, "academia", groups=["etica", "datos", "etica"]),
        institution(1, "government"),
    ]
    edges = [
        (1, 2, TIE),
        (2, 1, met("etica")),
        (1, 2, met("datos")),
        (2, 1, deliverable(3)),
        (1, 2, met("etica")),  # the same group reported from the other side
        (1, 1, TIE),  # a self pair
    ]

    G = build_graph(nodes, edges)

    assert list(G.nodes) == [1, 2]
    assert list(G.edges) == [(1, 2)]
    assert G.edges[1, 2]["weight"] == 7.0
    assert G.edges[1, 2]["reasons"] == [TIE, deliverable(3), met("datos"), met("etica")]
    assert G.nodes[2]["groups"] == ["datos", "etica"]
    assert nx.number_of_selfloops(G) == 0


def test_build_graph_is_the_same_whatever_order_the_rows_come_in(bridged):
    nodes = [dict(bridged.nodes[v], id=v) for v in bridged]
    edges = [(u, v, r) for u, v, rs in bridged.edges(data="reasons") for r in rs]
    rng = random.Random(7)
    rng.shuffle(nodes)
    rng.shuffle(edges)
    edges = [(b, a, r) if rng.random() < 0.5 else (a, b, r) for a, b, r in edges]

    rebuilt = build_graph(nodes, edges)

    assert list(rebuilt.nodes(data=True)) == list(bridged.nodes(data=True))
    assert list(rebuilt.edges(data=True)) == list(bridged.edges(data=True))


def test_build_graph_rejects_an_edge_to_an_unknown_institution():
    with pytest.raises(ValueError, match="unknown node 9"):
        build_graph([institution(1, "government")], [(1, 9, TIE)])


# -- per-node measures -------------------------------------------------------------------


def test_the_star_centre_has_every_link_and_all_the_betweenness(star):
    values, info = node_measures(star)

    assert values[0]["degree"] == 4
    assert values[0]["weighted_degree"] == 12.0
    assert values[0]["betweenness"] == pytest.approx(1.0)
    assert values[0]["closeness"] == pytest.approx(1.0)
    for leaf in range(1, 5):
        assert values[leaf]["degree"] == 1
        assert values[leaf]["betweenness"] == 0.0
        # Distances 1, 2, 2, 2 to the other four nodes.
        assert values[leaf]["closeness"] == pytest.approx(4 / 7)
    assert info == {
        "betweenness": "exact",
        "samples": None,
        "error": None,
        "top": None,
        "closeness": "exact",
        "eigenvector": "per_component",
    }


def test_the_star_centre_reaches_and_brokers_between_all_other_sectors(star):
    values, _ = node_measures(star)

    assert values[0]["sectors_reached"] == 4
    # All C(4, 2) = 6 pairs of leaves are from different sectors and untied.
    assert values[0]["broker"] == 6
    assert values[0]["broker_normalised"] == 1.0
    assert values[1]["sectors_reached"] == 1
    assert values[1]["broker"] == 0
    assert values[1]["broker_normalised"] == 0.0


def test_the_star_eigenvector_gives_the_centre_one_and_each_leaf_a_half(star):
    # The leading eigenvalue of a star with 4 leaves is 2, so a leaf is centre / 2.
    values, _ = node_measures(star)

    assert values[0]["eigenvector"] == pytest.approx(1.0, abs=1e-4)
    for leaf in range(1, 5):
        assert values[leaf]["eigenvector"] == pytest.approx(0.5, abs=1e-4)


def test_betweenness_on_a_path_of_four_matches_the_hand_count():
    # 0-1-2-3: node 1 lies on the paths 0-2 and 0-3, i.e. 2 of the C(3, 2) = 3 pairs that
    # exclude it; likewise node 2.
    values, _ = node_measures(nx.path_graph(4))

    assert [values[v]["betweenness"] for v in range(4)] == pytest.approx([0, 2 / 3, 2 / 3, 0])
    assert [values[v]["closeness"] for v in range(4)] == pytest.approx([0.5, 0.75, 0.75, 0.5])


def test_the_broker_between_two_sector_cliques_has_the_highest_broker_score(bridged):
    values, _ = node_measures(bridged)

    broker = {v: values[v]["broker"] for v in bridged}
    # 7's neighbours 2, 3 (government) and 4, 5 (academia) give 2 * 2 untied cross pairs.
    # 2's cross pairs are (1, 7) and (3, 7); 3-7 is tied, so only (1, 7) counts.
    assert broker == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 4}
    assert values[7]["broker_normalised"] == pytest.approx(4 / 6)
    assert values[2]["broker_normalised"] == pytest.approx(1 / 3)
    assert values[7]["sectors_reached"] == 2
    assert values[2]["sectors_reached"] == 1
    assert values[1]["sectors_reached"] == 0


def test_the_broker_lies_on_every_path_between_the_two_cliques(bridged):
    # All 9 government-academia pairs route through 7; of the C(6, 2) = 15 pairs without
    # it, that is 9 / 15.  Node 2 carries half of the paths from 1 to 7, 4, 5 and 6.
    values, _ = node_measures(bridged)

    assert values[7]["betweenness"] == pytest.approx(9 / 15)
    assert values[2]["betweenness"] == pytest.approx(2 / 15)
    assert values[1]["betweenness"] == 0.0


def test_eigenvector_on_a_connected_graph_is_networkx_scaled_to_a_top_of_one(bridged):
    values, _ = node_measures(bridged)
    expected = nx.eigenvector_centrality(bridged, weight="weight")
    top = max(expected.values())

    for v in bridged:
        assert values[v]["eigenvector"] == pytest.approx(expected[v] / top, rel=1e-9)


def test_eigenvector_on_a_disconnected_graph_with_an_isolate_does_not_raise():
    # A triangle, a pair and an isolate: each component's top node scores its share of
    # the six nodes, the isolate 0.
    G = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5)])
    G.add_node(6)

    values, info = node_measures(G)

    eigenvector = {v: values[v]["eigenvector"] for v in G}
    assert eigenvector == pytest.approx({1: 0.5, 2: 0.5, 3: 0.5, 4: 1 / 3, 5: 1 / 3, 6: 0.0})
    assert info["eigenvector"] == "per_component"


def test_eigenvector_falls_back_to_degree_centrality_when_it_does_not_converge():
    G = nx.path_graph(5)

    values, info = node_measures(G, eigenvector_max_iter=1)

    assert info["eigenvector"] == "degree_fallback"
    expected = nx.degree_centrality(G)
    assert {v: values[v]["eigenvector"] for v in G} == pytest.approx(expected)


def test_an_empty_graph_has_no_measures_and_raises_nothing():
    values, info = node_measures(nx.Graph())
    coalition = coalition_measures(nx.Graph())

    assert values == {}
    assert info["betweenness"] == "exact"
    assert coalition["node_count"] == 0
    assert coalition["communities"] == []
    assert coalition["cross_sector_share"] is None
    assert coalition["sector_assortativity"] is None
    assert coalition["modularity"] is None


def test_sampled_betweenness_is_used_above_the_limit_and_is_repeatable():
    G = nx.barabasi_albert_graph(60, 2, seed=3)

    first, info = node_measures(G, betweenness_exact_limit=20, betweenness_error=0.01)
    second, _ = node_measures(G, betweenness_exact_limit=20, betweenness_error=0.01)

    assert info["betweenness"] == "sampled"
    assert info["error"] == 0.01 and info["top"] == 10 and info["samples"] > 0
    assert info["closeness"] == "skipped"
    assert all(first[v]["closeness"] is None for v in G)
    assert first == second
    assert any(first[v]["betweenness"] > 0 for v in G)


def test_the_ranked_top_never_exceeds_the_node_count():
    _, info = node_measures(nx.path_graph(8), betweenness_exact_limit=5)

    assert info["top"] == 8


# -- coalition measures ------------------------------------------------------------------


def test_every_edge_of_the_star_crosses_sectors_and_nobody_is_isolated(star):
    coalition = coalition_measures(star)

    assert coalition["node_count"] == 5
    assert coalition["edge_count"] == 4
    assert coalition["density"] == pytest.approx(4 / 10)
    assert coalition["cross_sector_share"] == 1.0
    assert coalition["cross_sector_share_weighted"] == 1.0
    assert coalition["isolates"] == []
    assert coalition["components"] == 1
    assert coalition["largest_component_size"] == 5


def test_the_mixing_matrix_counts_edges_within_and_between_sectors(bridged):
    matrix = coalition_measures(bridged)["mixing_matrix"]

    assert list(matrix) == list(SECTORS)
    expected = {s: dict.fromkeys(SECTORS, 0) for s in SECTORS}
    expected["government"]["government"] = 3
    expected["academia"]["academia"] = 3
    for sector in ("government", "academia"):
        expected[sector]["industry"] = expected["industry"][sector] = 2
    assert matrix == expected


def test_cross_sector_share_counts_edges_and_weights_of_the_bridge(bridged):
    coalition = coalition_measures(bridged)

    # 4 of 10 edges cross sectors; by weight 4 * 3 of 6 * 4 + 4 * 3.
    assert coalition["cross_sector_share"] == pytest.approx(0.4)
    assert coalition["cross_sector_share_weighted"] == pytest.approx(12 / 36)


def test_sector_assortativity_matches_newmans_formula_by_hand(bridged):
    # Both-ends mixing matrix over 2m = 20: e_gg = e_aa = 0.3, e_gi = e_ai = 0.1 (each
    # way); a = (0.4, 0.4, 0.2), so r = (0.6 - 0.36) / (1 - 0.36).
    coalition = coalition_measures(bridged)

    assert coalition["sector_assortativity"] == pytest.approx(0.375)


def test_sector_assortativity_is_undefined_with_one_sector_or_one_edge(star):
    one_sector = nx.Graph([(1, 2), (2, 3)])
    nx.set_node_attributes(one_sector, "academia", "sector")
    one_edge = star.edge_subgraph([(0, 1)]).copy()

    assert coalition_measures(one_sector)["sector_assortativity"] is None
    assert coalition_measures(one_edge)["sector_assortativity"] is None


def test_louvain_finds_the_two_sector_cliques_as_communities(bridged):
    coalition = coalition_measures(bridged, seed=42)

    # With seed 42 the broker joins the government side; either way each sector stays
    # whole and the cliques are apart.
    assert coalition["communities"] == [[1, 2, 3, 7], [4, 5, 6]]
    first, second = coalition["community_profiles"]
    assert first["size"] == 4
    assert first["dominant_sector"] == "government"
    assert first["purity"] == pytest.approx(3 / 4)
    assert first["sectors"] == {**dict.fromkeys(SECTORS, 0), "government": 3, "industry": 1}
    assert first["groups"] == {"etica": 4, "datos": 1}
    assert second["dominant_sector"] == "academia"
    assert second["purity"] == 1.0
    assert second["groups"] == {"datos": 3}
    assert coalition["modularity"] == pytest.approx(
        nx.community.modularity(bridged, coalition["communities"], weight="weight")
    )


def test_louvain_communities_are_repeatable_with_the_seed(bridged):
    assert coalition_measures(bridged)["communities"] == coalition_measures(bridged)["communities"]


@pytest.fixture
def loosely_tied() -> nx.Graph:
    nodes = [
        institution(1, "government", label="Zeta Institute"),
        institution(2, "academia", label="Beta University"),
        institution(3, "industry", label="Gamma Corp"),
        institution(4, "civil_society", label="Mu Foundation"),
        institution(5, "academia", label="Alpha College"),
    ]
    edges = [(1, 2, TIE), (2, 3, TIE), (2, 5, met("etica")), (3, 5, met("datos"))]
    return build_graph(nodes, edges)


def test_an_unlinked_institution_is_listed_among_the_isolates(loosely_tied):
    coalition = coalition_measures(loosely_tied)

    assert coalition["isolates"] == [4]
    assert coalition["components"] == 2
    assert coalition["largest_component_size"] == 4


def test_weakly_tied_lists_single_links_and_low_weight_by_label(loosely_tied):
    # 1 has a single (strong) tie; 5 has two group links, weighted degree 2.
    assert coalition_measures(loosely_tied)["weakly_tied"] == [1]
    assert coalition_measures(loosely_tied, weak_tie_threshold=2)["weakly_tied"] == [5, 1]


# -- introductions -----------------------------------------------------------------------


@pytest.fixture
def introductions() -> nx.Graph:
    """1 (government) and 2 (academia) share two go-betweens and two groups; 5 and 6
    (both industry) share three go-betweens; 10 only shares a group with 5."""
    nodes = [
        institution(1, "government", groups=["datos", "etica"]),
        institution(2, "academia", groups=["etica", "datos", "salud"]),
        institution(3, "civil_society"),
        institution(4, "civil_society"),
        institution(5, "industry", groups=["robotica"]),
        institution(6, "industry"),
        *(institution(i, "industry") for i in (7, 8, 9)),
        institution(10, "academia", groups=["robotica"]),
    ]
    edges = [(a, b, TIE) for a in (1, 2) for b in (3, 4)]
    edges += [(a, b, TIE) for a in (5, 6) for b in (7, 8, 9)]
    return build_graph(nodes, edges)


def test_the_top_introduction_is_the_cross_sector_pair_with_common_partners(introductions):
    top = suggest_introductions(introductions, limit=1)

    assert top == [
        {
            "u": 1,
            "v": 2,
            "score": pytest.approx(2 / math.log(2)),
            "cross_sector": True,
            "shared_groups": ["datos", "etica"],
            "common_neighbours": 2,
            "common_neighbour_ids": [3, 4],
        }
    ]


def test_cross_sector_pairs_rank_before_same_sector_pairs_with_higher_scores(introductions):
    suggestions = suggest_introductions(introductions)

    ranked = [(s["u"], s["v"]) for s in suggestions]
    # (5, 10) only shares a group (score 0) but crosses sectors, so it precedes (5, 6),
    # whose three go-betweens give the highest score, 3 / log 2.
    assert ranked == [(1, 2), (5, 10), (5, 6), (3, 4), (7, 8), (7, 9), (8, 9)]
    by_pair = {(s["u"], s["v"]): s for s in suggestions}
    assert by_pair[(5, 10)]["score"] == 0.0
    assert by_pair[(5, 10)]["shared_groups"] == ["robotica"]
    assert by_pair[(5, 10)]["common_neighbours"] == 0
    assert by_pair[(5, 6)]["score"] == pytest.approx(3 / math.log(2))
    assert by_pair[(5, 6)]["common_neighbour_ids"] == [7, 8, 9]
    assert by_pair[(7, 8)]["score"] == pytest.approx(2 / math.log(3))


def test_introduction_scores_are_networkx_adamic_adar(introductions):
    for s in suggest_introductions(introductions):
        [(_, _, expected)] = nx.adamic_adar_index(introductions, [(s["u"], s["v"])])
        assert s["score"] == pytest.approx(expected)


def test_no_introduction_is_suggested_between_institutions_already_linked(bridged):
    suggestions = suggest_introductions(bridged, limit=100)

    assert suggestions
    assert not any(bridged.has_edge(s["u"], s["v"]) for s in suggestions)


def test_the_candidate_cap_keeps_pairs_found_through_the_least_linked_go_betweens(
    introductions,
):
    # Go-betweens are searched by degree, then id: 1 (degree 2) yields (3, 4) and fills a
    # two-step cap of one, so (5, 6), reached through 7, 8 and 9, is never scored.  The
    # shared-group search has its own cap and finds (1, 2) first.
    capped = suggest_introductions(introductions, max_candidates=1)

    assert [(s["u"], s["v"]) for s in capped] == [(1, 2), (3, 4)]


def test_centralities_of_bare_edges_are_those_of_the_built_graph():
    rng = random.Random(7)
    nodes = [institution(i, SECTORS[i % 5]) for i in range(60)]
    edges = [(rng.randrange(60), rng.randrange(60), TIE) for _ in range(200)]
    G = build_graph(nodes, edges)
    options = {"exact_limit": 20, "error": 0.01, "seed": 3}

    expected = measures.path_centralities(G, **options)
    # Either orientation, repeats and self-pairs, in any order: as the rows come.
    bare = measures.path_centralities_of_edges(
        [n["id"] for n in reversed(nodes)], [(b, a) for a, b, _ in reversed(edges)], **options
    )

    assert bare == expected
    assert expected[2]["betweenness"] == "sampled" and expected[2]["closeness"] == "skipped"


def test_node_measures_take_centralities_computed_elsewhere(bridged):
    computed = measures.path_centralities(bridged, exact_limit=500, error=0.01, seed=42)

    values, info = node_measures(bridged, centralities=lambda: computed)

    assert values == node_measures(bridged)[0]
    assert info["betweenness"] == "exact" and info["eigenvector"] == "per_component"


# -- over time ---------------------------------------------------------------------------


def test_measures_over_time_follow_a_growing_coalition():
    empty = build_graph([], [])
    founding = build_graph(
        [institution(1, "government"), institution(2, "academia")], [(1, 2, TIE)]
    )
    grown = build_graph(
        [
            institution(i, s)
            for i, s in [(1, "government"), (2, "academia"), (3, "government"), (4, "industry")]
        ],
        [(1, 2, TIE), (1, 3, met("etica"))],
    )

    rows = measures_over_time([("2023", empty), ("2024", founding), ("2025", grown)])

    assert rows == [
        {
            "label": "2023",
            "node_count": 0,
            "edge_count": 0,
            "density": 0.0,
            "cross_sector_share": None,
            "largest_component_size": 0,
        },
        {
            "label": "2024",
            "node_count": 2,
            "edge_count": 1,
            "density": 1.0,
            "cross_sector_share": 1.0,
            "largest_component_size": 2,
        },
        {
            "label": "2025",
            "node_count": 4,
            "edge_count": 2,
            "density": pytest.approx(2 / 6),
            "cross_sector_share": 0.5,
            "largest_component_size": 3,
        },
    ]


# -- export ------------------------------------------------------------------------------


def _with_isolate(G: nx.Graph) -> nx.Graph:
    G = G.copy()
    attrs = institution(8, "civil_society", acronym="FCS")
    G.add_node(attrs.pop("id"), **attrs)
    return G


@pytest.mark.parametrize(
    ("export", "read"),
    [(to_gexf_bytes, nx.read_gexf), (to_graphml_bytes, nx.read_graphml)],
    ids=["gexf", "graphml"],
)
def test_gexf_and_graphml_read_back_with_the_same_nodes_edges_and_attributes(bridged, export, read):
    G = _with_isolate(bridged)
    values, _ = node_measures(G)

    H = read(io.BytesIO(export(G, values)))

    # Node ids come back as strings.
    assert set(H.nodes) == {str(v) for v in G}
    assert {frozenset(e) for e in H.edges} == {frozenset(map(str, e)) for e in G.edges}
    broker = H.nodes["7"]
    assert broker["label"] == "Institution 7"
    assert broker["sector"] == "industry"
    assert broker["groups"] == "datos;etica"
    assert broker["founder"] is True
    assert broker["degree"] == 4
    assert broker["broker"] == 4
    assert broker["betweenness"] == pytest.approx(values[7]["betweenness"])
    assert "acronym" not in broker  # None is omitted
    assert H.nodes["8"]["acronym"] == "FCS"
    assert "groups" not in H.nodes["8"]  # so is an empty list
    assert H.edges["7", "2"]["weight"] == 3.0
    assert H.edges["7", "2"]["reasons"] == "tie:joint_project:2019-05-01"
    assert H.edges["1", "2"]["weight"] == 4.0
    assert H.edges["1", "2"]["reasons"] == "tie:joint_project:2019-05-01;meetings:1"


def test_node_link_json_carries_measures_weights_and_reasons(bridged):
    values, _ = node_measures(bridged)
    coalition = coalition_measures(bridged)

    data = json.loads(json.dumps(to_node_link(bridged, values, coalition)))

    nodes = {node["id"]: node for node in data["nodes"]}
    assert set(nodes) == set(bridged)
    assert nodes[7]["broker"] == 4
    assert nodes[7]["betweenness"] == pytest.approx(0.6)
    assert nodes[7]["sector"] == "industry"
    assert nodes[7]["groups"] == ["datos", "etica"]
    edges = {frozenset((e["source"], e["target"])): e for e in data["edges"]}
    assert len(edges) == bridged.number_of_edges()
    assert edges[frozenset((2, 7))]["weight"] == 3.0
    assert edges[frozenset((1, 2))]["reasons"] == [TIE, met("etica")]
    assert data["coalition"]["edge_count"] == 10
    assert data["coalition"]["communities"] == [[1, 2, 3, 7], [4, 5, 6]]
    # Nothing is attached to the caller's graph.
    assert "broker" not in bridged.nodes[7]


def test_node_link_json_is_what_networkx_writes(bridged):
    values, _ = node_measures(bridged)
    coalition = coalition_measures(bridged)
    H = bridged.copy()
    for v, measured in values.items():
        H.nodes[v].update(measured)
    expected = nx.node_link_data(H, edges="edges")
    expected["coalition"] = coalition

    ours = to_node_link(bridged, values, coalition)

    assert json.loads(json.dumps(ours, sort_keys=True)) == json.loads(
        json.dumps(expected, sort_keys=True)
    )


def test_node_link_json_turns_non_finite_measures_into_null(bridged):
    values, _ = node_measures(bridged)
    values[7]["eigenvector"] = math.nan

    node = next(n for n in to_node_link(bridged, values)["nodes"] if n["id"] == 7)

    assert node["eigenvector"] is None
    json.dumps(node, allow_nan=False)


def test_the_docstring_examples_hold():
    result = doctest.testmod(measures, optionflags=doctest.ELLIPSIS)

    assert result.attempted > 0
    assert result.failed == 0
