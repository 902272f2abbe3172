"""Measures of the coalition's stakeholder network.

Pure functions of an undirected :class:`networkx.Graph`; nothing here touches the database
or Flask, so every figure the network page shows can be checked by hand on a small graph.

Graph contract (built from the database elsewhere, or from plain rows by `build_graph`):

* Nodes are institution ids (ints) with attributes ``label`` (str), ``acronym`` (str or
  None), ``sector`` (one of `SECTORS`), ``state`` (str or None), ``groups`` (list of
  working-group slugs), ``founder`` (bool) and ``joined_on`` (ISO date str).
* Edges carry ``weight`` (float > 0, see `WEIGHT_RULE`) and ``reasons``, a list of dicts
  such as ``{"type": "tie", "kind": "joint_project", "since": "2019-05-01"}``,
  ``{"type": "group", "group": "etica"}`` or ``{"type": "deliverable", "deliverable_id": 3}``.

Hop-based measures (betweenness, closeness) ignore weights on purpose: networkx reads a
``weight`` as a distance, whereas ours is a tie *strength*, so a stronger tie would wrongly
count as a longer path.  Measures where strength helps (weighted degree, eigenvector
centrality, Louvain communities) use it.

networkx is the interface and the reference: every measure is defined as a networkx call
would give it.  The two costliest, betweenness and closeness, are computed by igraph's C
implementation (`betweenness`, `closeness`), tested equal to networkx's figures to 1e-9:
exact betweenness on 5,000 institutions takes seconds there, where networkx's pure-Python
Brandes takes minutes.  Above that size betweenness is estimated by KADABRA
(NetworKit, `estimated_betweenness`), which ranks the top institutions exactly where uniform
sampling of sources did not.

Every measure that walks all the links runs on `GraphArrays`, the graph as integer arrays
made once per graph and shared: eigenvector centrality as sparse products, brokerage and the
mixing matrix with NumPy, Louvain communities and modularity in igraph's C code
(`louvain_communities`), the layout's grouping of links by community.  At 10,000
institutions and 230,000 links, walking the networkx graph in Python for each of them cost
more than twenty seconds; tests set each beside its plain definition or networkx's figure.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date
from functools import cached_property
from typing import Any

import igraph
import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

__all__ = [
    "DELIVERABLE_WEIGHT",
    "GROUP_WEIGHT",
    "MEETING_MIN_WEIGHT",
    "MEETING_WEIGHT",
    "TIE_HALF_LIFE_YEARS",
    "TIE_KIND_WEIGHTS",
    "UNCONFIRMED_FACTOR",
    "SECTORS",
    "TIE_WEIGHT",
    "WEIGHT_RULE",
    "betweenness",
    "build_graph",
    "closeness",
    "coalition_measures",
    "distinct",
    "edge_weight",
    "GraphArrays",
    "layout",
    "louvain_communities",
    "tie_weight",
    "tie_weights",
    "weight_rule_values",
    "headline_figures",
    "headline_figures_of_arrays",
    "measures_over_time",
    "node_measures",
    "path_centralities",
    "path_centralities_of_edges",
    "suggest_introductions",
    "to_gexf_bytes",
    "to_graphml_bytes",
    "to_node_link",
]

Node = Hashable

#: The five sectors of the coalition, in the order the page lists them.
SECTORS: tuple[str, ...] = (
    "government",
    "industry",
    "civil_society",
    "academia",
    "international_cooperation",
)

#: What a recorded tie weighs by kind, before its confirmation and age (see `tie_weight`).
TIE_KIND_WEIGHTS: dict[str, float] = {
    "joint_project": 3.0,
    "coauthorship": 3.0,
    "data_sharing": 3.0,
    "funding": 3.0,
    "agreement": 2.0,
    "event": 1.0,
    "other": 1.0,
}
#: The weight of a tie of a kind not listed above (a kind added later weighs something).
DEFAULT_TIE_WEIGHT = 1.0
#: Kept for callers that want "a typical tie": the heaviest kind.
TIE_WEIGHT = 3.0
#: An unconfirmed tie (recorded by one side, not yet answered by the other) counts this share.
UNCONFIRMED_FACTOR = 0.5
#: Recency: a tie's weight halves every this many years since it began (2^(-age/half-life)).
TIE_HALF_LIFE_YEARS = 3
#: Each meeting or event both institutions' people attended adds this, divided by n - 1 for
#: n institutions present (Newman's collaboration weighting: a big event binds each pair less).
MEETING_WEIGHT = 1.0
#: Co-attendance below this weight makes no link: one meeting of up to 21 institutions
#: does, a single large event does not (at 75 institutions, four shared events do).
MEETING_MIN_WEIGHT = 0.05
#: Weight contributed by each deliverable whose tasks people of both institutions are assigned.
DELIVERABLE_WEIGHT = 2.0
#: Affiliation (a working group both belong to): its own layer, never part of the
#: collaboration weight nor of any measure.
GROUP_WEIGHT = 1.0

#: The two kinds of link, kept apart.
COLLABORATION = "collaboration"
AFFILIATION = "affiliation"


def _number(value: float) -> str:
    return f"{value:g}"


#: One-sentence statement of the weighting rule, shown on the network page (the page shows
#: the same sentence, translated, built from the same constants: `weight_rule_values`).
WEIGHT_RULE = (
    f"A recorded tie counts {_number(TIE_KIND_WEIGHTS['joint_project'])} for a joint project, "
    f"co-authorship, data sharing or funding, {_number(TIE_KIND_WEIGHTS['agreement'])} for an "
    f"agreement and {_number(TIE_KIND_WEIGHTS['event'])} otherwise, times "
    f"{_number(UNCONFIRMED_FACTOR)} while unconfirmed, halving every {TIE_HALF_LIFE_YEARS} "
    f"years since it began (declined ties and ties past their end count nothing); each past "
    f"meeting or event attended by people of both counts {_number(MEETING_WEIGHT)}/(n-1) for n "
    f"institutions present (less than {_number(MEETING_MIN_WEIGHT)} in all makes no link), "
    f"and each deliverable both work on counts "
    f"{_number(DELIVERABLE_WEIGHT)}; shared working groups are a separate layer and count "
    f"nothing."
)


def weight_rule_values() -> dict[str, str]:
    """The numbers of `WEIGHT_RULE`, formatted, for the translated sentence on the page."""
    return {
        "strong": _number(TIE_KIND_WEIGHTS["joint_project"]),
        "agreement": _number(TIE_KIND_WEIGHTS["agreement"]),
        "other": _number(TIE_KIND_WEIGHTS["event"]),
        "unconfirmed": _number(UNCONFIRMED_FACTOR),
        "half_life": str(TIE_HALF_LIFE_YEARS),
        "meeting": _number(MEETING_WEIGHT),
        "meeting_min": _number(MEETING_MIN_WEIGHT),
        "deliverable": _number(DELIVERABLE_WEIGHT),
    }


def tie_weights(kinds: Any, statuses: Any, since: Any, ends_on: Any, day: date) -> Any:
    """Return what each of many recorded ties weighs on `day` under `WEIGHT_RULE` (0: none).

    `kinds` and `statuses` are arrays of strings; `since` and `ends_on` arrays of
    ``date.toordinal()`` values, 0 in `ends_on` for a tie without an end.  The rule's one
    definition: `tie_weight` is this for one tie.
    """
    kinds = np.asarray(kinds, dtype=str)
    statuses = np.asarray(statuses, dtype=str)
    since = np.asarray(since, dtype=np.int64)
    ends_on = np.asarray(ends_on, dtype=np.int64)
    weight = np.full(len(kinds), DEFAULT_TIE_WEIGHT)
    for kind, kind_weight in TIE_KIND_WEIGHTS.items():
        weight[kinds == kind] = kind_weight
    weight[statuses == "unconfirmed"] *= UNCONFIRMED_FACTOR
    today = day.toordinal()
    # Years of 365.25 days: a tie begun three years ago to the day weighs half.
    age_years = (today - since) / 365.25
    weight = weight * 2.0 ** (-age_years / TIE_HALF_LIFE_YEARS)
    counts = (statuses != "declined") & (since <= today) & ((ends_on == 0) | (ends_on >= today))
    return np.where(counts, weight, 0.0)


def tie_weight(kind: str, status: str, since: date, ends_on: date | None, day: date) -> float:
    """Return what a recorded tie weighs on `day` under `WEIGHT_RULE` (0: it does not count).

    >>> tie_weight("joint_project", "confirmed", date(2024, 1, 1), None, date(2024, 1, 1))
    3.0
    >>> weight = tie_weight("funding", "unconfirmed", date(2021, 1, 1), None, date(2024, 1, 1))
    >>> round(weight, 3)
    0.75
    >>> tie_weight("event", "declined", date(2024, 1, 1), None, date(2024, 1, 2))
    0.0
    >>> tie_weight("agreement", "confirmed", date(2020, 1, 1), date(2023, 1, 1), date(2024, 1, 1))
    0.0
    """
    ended = ends_on.toordinal() if ends_on is not None else 0
    return float(tie_weights([kind], [status], [since.toordinal()], [ended], day)[0])


_REASON_WEIGHTS = {
    "tie": TIE_WEIGHT,
    "deliverable": DELIVERABLE_WEIGHT,
    "meetings": MEETING_WEIGHT,
}
# Strongest evidence first, so an edge's reasons read in order of importance.
_REASON_ORDER = {"tie": 0, "deliverable": 1, "meetings": 2}
# Which fields of a reason make up its compact string form, in order (see _reason_string).
_REASON_FIELDS = {
    "tie": ("kind", "status", "since"),
    "deliverable": ("deliverable_id",),
    "meetings": ("count",),
}

#: Above this many nodes, betweenness is estimated and closeness is skipped (both are
#: O(n*m) exactly; igraph computes them exactly on 5,000 institutions in a few seconds, see
#: `make bench BENCH=betweenness`).
DEFAULT_BETWEENNESS_EXACT_LIMIT = 5_000
#: Above the limit, betweenness is estimated by KADABRA (Borassi and Natale, "KADABRA is an
#: ADaptive Algorithm for Betweenness via Random Approximation", ESA 2016; NetworKit's
#: implementation): it samples shortest paths between random pairs until the top
#: `BETWEENNESS_TOP` institutions are ranked in their exact order with probability
#: 1 - `BETWEENNESS_DELTA`, every estimate within this additive error (on KADABRA's scale).
#: Uniform sampling of source nodes (networkx's ``k``) was measured first: on the synthetic
#: coalition of 5,000 it put only 7 or 8 of the exact top 10 in its top 10 even with 2,000 of
#: the 5,000 sources, where KADABRA found all 10 in a quarter of exact's time (`make bench
#: BENCH=betweenness` prints both).  KADABRA stops on this error before it has separated
#: the 10th institution from the 11th (the sample is the same for a top 10, 15 or 20), so
#: the error decides the accuracy: at 0.002 its top 10 shared 10, 8 and 9 of the exact top
#: 10 on the synthetic coalitions of 5,000 (seeds 1 to 3, whose 8th to 13th institutions lie
#: within 7 % of one another); at 0.0015 10, 9 and 8; at 0.0012 10, 9 and 9, for about 1.4
#: times 0.002's samples at 10,000 institutions (370,000 against 266,000; 2026-12-01).
#: Source sampling with linear scaling (NetworKit's ``EstimateBetweenness``: each source a
#: full BFS weighting dependencies by distance) was measured as the cheaper candidate and
#: lost: at 5,000, 1,000 sources put 9, 8 and 9 of the exact top 10 in their top 10 over
#: seeds 1 to 3 (7 to 10 with other seeds of the sample; 500 or 700 did worse), and one
#: source costs about 20 ms at 10,000, so 1,000 cost more than KADABRA's whole run (`make
#: bench BENCH=betweenness` prints both; 2026-12-02).
DEFAULT_BETWEENNESS_ERROR = 0.0012
BETWEENNESS_TOP = 10
BETWEENNESS_DELTA = 0.1
#: Cap on the candidate pairs `suggest_introductions` scores (per kind of candidate): the
#: search stays exhaustive up to about 600 densely linked institutions (~1 s here).
DEFAULT_MAX_CANDIDATES = 200_000


# --------------------------------------------------------------------------------------
# Building the graph
# --------------------------------------------------------------------------------------


def edge_weight(reasons: Iterable[Mapping[str, Any]]) -> float:
    """Return the weight of an edge from its reasons, following `WEIGHT_RULE`.

    A reason carries its own ``weight`` (a tie's after confirmation and age, the meetings'
    after Newman's damping); one without it weighs its type's default.  Raises
    ``ValueError`` on an unknown reason type (a shared group is not collaboration), so a
    new kind of evidence cannot silently weigh nothing.

    >>> edge_weight([{"type": "tie", "kind": "funding", "weight": 1.5},
    ...              {"type": "meetings", "count": 2, "weight": 0.5}])
    2.0
    >>> edge_weight([{"type": "deliverable", "deliverable_id": 3}])
    2.0
    >>> edge_weight([])
    0.0
    """
    total = 0.0
    for reason in reasons:
        kind = reason.get("type")
        if kind not in _REASON_WEIGHTS:
            raise ValueError(f"unknown reason type {kind!r}")
        weight = reason.get("weight")
        total += float(_REASON_WEIGHTS[kind] if weight is None else weight)
    return total


def _reason_identity(reason: Mapping[str, Any]) -> Hashable:
    """Return a hashable key under which identical reasons coincide."""
    key = tuple(sorted(reason.items()))
    try:
        hash(key)
    except TypeError:  # a list or dict value: fall back to the slower canonical JSON
        return json.dumps(reason, sort_keys=True, default=str)
    return key


def _reason_sort_key(reason: Mapping[str, Any]) -> tuple[int, str]:
    canonical = json.dumps(reason, sort_keys=True, default=str)
    return _REASON_ORDER.get(reason.get("type"), len(_REASON_ORDER)), canonical


def _sorted_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`reasons` by `_reason_sort_key`: by type alone when their types differ (the usual
    case), the canonical form (costlier) only ordering two of one type."""
    ranks = [_REASON_ORDER.get(r.get("type"), len(_REASON_ORDER)) for r in reasons]
    if len(set(ranks)) == len(ranks):
        return [r for _, r in sorted(zip(ranks, reasons, strict=True), key=lambda x: x[0])]
    return sorted(reasons, key=_reason_sort_key)


def build_graph(
    nodes: Iterable[Mapping[str, Any]],
    edges: Iterable[tuple[Node, Node, Mapping[str, Any]]],
) -> nx.Graph:
    """Return the stakeholder graph built from plain node rows and ``(a, b, reason)`` rows.

    Each node row is a dict with ``id`` and the node attributes of the graph contract;
    missing optional attributes get neutral defaults (``groups`` becomes a sorted list).
    Edge rows may come in either orientation and many times per pair: the reasons of a
    pair are merged (identical reasons are kept once, so a group reported from both
    sides counts once; give a reason a distinguishing field, such as a tie id, if two
    distinct records could otherwise look the same) and the weight is set with
    `edge_weight`.  A reason dict given once becomes the edge's own (not copied: hand
    over fresh dicts); one given for several pairs is copied for each.  Self-pairs are
    ignored.  Nodes and edges are inserted in sorted order, so the graph, and every
    seeded algorithm run on it, is deterministic whatever order the rows come in.

    Raises ``ValueError`` for a duplicate node id, an edge to an unknown node, or an
    unknown reason type.

    >>> G = build_graph(
    ...     [{"id": 2, "label": "B", "sector": "academia"},
    ...      {"id": 1, "label": "A", "sector": "government"}],
    ...     [(2, 1, {"type": "tie", "kind": "funding"}),
    ...      (1, 2, {"type": "meetings", "count": 1, "weight": 1.0}),
    ...      (1, 1, {"type": "tie", "kind": "self"})],
    ... )
    >>> list(G.nodes), G.edges[1, 2]["weight"]
    ([1, 2], 4.0)
    """
    G = nx.Graph()
    rows: dict[Node, dict[str, Any]] = {}
    for row in nodes:
        attrs = dict(row)
        node = attrs.pop("id")
        if node in rows:
            raise ValueError(f"duplicate node id {node!r}")
        attrs.setdefault("label", str(node))
        attrs.setdefault("acronym", None)
        attrs.setdefault("sector", None)
        attrs.setdefault("state", None)
        attrs.setdefault("founder", False)
        attrs.setdefault("joined_on", None)
        attrs["groups"] = sorted(set(attrs.get("groups") or ()))
        rows[node] = attrs
    for node in sorted(rows):
        G.add_node(node, **rows[node])

    merged: dict[tuple[Node, Node], list[Mapping[str, Any]]] = {}
    weights: dict[tuple[Node, Node], float] = {}
    # One deliverable's pairs share one reason object: work out its weight once per object
    # rather than once per pair (the rows keep the objects alive, so their ids stay
    # unique while this loop runs).
    known: dict[int, float] = {}
    for a, b, reason in edges:
        if a == b:
            continue
        if a not in rows or b not in rows:
            end = a if a not in rows else b
            raise ValueError(f"edge ({a!r}, {b!r}) refers to unknown node {end!r}")
        weight = known.get(id(reason))
        if weight is None:
            weight = known[id(reason)] = edge_weight([reason])
        pair = (a, b) if a < b else (b, a)
        reasons_of_pair = merged.get(pair)
        if reasons_of_pair is None:
            merged[pair] = [reason]
            weights[pair] = weight
        else:
            # Most pairs have one reason: identities are only worked out for the others.
            identity = _reason_identity(reason)
            if all(_reason_identity(other) != identity for other in reasons_of_pair):
                reasons_of_pair.append(reason)
                weights[pair] += weight

    # A reason object given for several pairs (one deliverable's) is copied for each, so
    # no two edges share one; one given once (a tie's, a pair's meetings) is the edge's own.
    passed: dict[int, int] = defaultdict(int)
    for reasons_of_pair in merged.values():
        for reason in reasons_of_pair:
            passed[id(reason)] += 1
    # Written into the adjacency directly, in sorted order, as `add_edges_from` would (the
    # same dicts, the same order; a test compares them): its per-edge checks and updates
    # cost more than the insertions on 230,000 links.
    adjacency = G._adj
    for pair in sorted(merged):
        reasons = [
            reason if passed[id(reason)] == 1 and type(reason) is dict else dict(reason)
            for reason in merged[pair]
        ]
        if len(reasons) > 1:
            reasons = _sorted_reasons(reasons)
        # What edge_weight(reasons) gives, summed in arrival order (rows come sorted).
        data = {"weight": weights[pair], "reasons": reasons}
        adjacency[pair[0]][pair[1]] = data
        adjacency[pair[1]][pair[0]] = data
    return G


# --------------------------------------------------------------------------------------
# Per-node measures
# --------------------------------------------------------------------------------------


def distinct(values: Any) -> Any:
    """``np.unique(values)`` of an integer array, by sorting.

    NumPy 2.3 made `np.unique` (without ``return_*``) hash its input before sorting the
    result: on the 230,000 link codes of the 10,000-institution network that took 0.3 s
    against 0.02 s for a sort, once per over-time year.

    >>> distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(np.asarray(values).reshape(-1))
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _neighbour_sets(G: nx.Graph) -> dict[Node, set[Node]]:
    # Plain sets make the intersections below run in C; self-loops are not part of the
    # contract but would otherwise make a node its own neighbour.
    return {v: set(G._adj[v]) - {v} for v in G}


class GraphArrays:
    """A graph as integer arrays, made once and shared by the measures computed in C.

    Vertex ``i`` is ``nodes[i]``; ``first``/``second``/``weight`` list its links (``i <
    j`` not required, no self-loops); ``sector`` holds each vertex's index in
    ``sector_keys``.  The sparse adjacency, the components and the igraph graph are built
    when first asked for.  `of` makes them from a networkx graph (a snapshot: make new
    ones after changing it), `of_links` from bare links.
    """

    def __init__(
        self,
        nodes: list[Node],
        first: Any,
        second: Any,
        weight: Any,
        sector: Any,
        sector_keys: list[Any],
    ) -> None:
        self.nodes = nodes
        self.n = len(nodes)
        self.first, self.second, self.weight = first, second, weight
        self.sector, self.sector_keys = sector, sector_keys

    @classmethod
    def of(cls, G: nx.Graph) -> GraphArrays:
        """`G`'s nodes in its order, its links in ``G.edges()`` order (weight 1 if missing)."""
        nodes = list(G)
        index = {v: i for i, v in enumerate(nodes)}
        links = [
            (index[u], index[v], w) for u, v, w in G.edges(data="weight", default=1.0) if u != v
        ]
        table = np.array(links, dtype=float).reshape(-1, 3)
        sector_keys = _sector_keys(G)
        code = {s: i for i, s in enumerate(sector_keys)}
        sector = np.array([code[s] for _, s in G.nodes(data="sector")], dtype=np.int64)
        return cls(
            nodes,
            table[:, 0].astype(np.int64),
            table[:, 1].astype(np.int64),
            table[:, 2],
            sector.reshape(-1),
            sector_keys,
        )

    @classmethod
    def of_links(cls, nodes: list[Node], first: Any, second: Any) -> GraphArrays:
        """Bare links between vertex indices, weight 1, no sectors: for hop-based measures."""
        count = len(first)
        return cls(
            nodes,
            np.asarray(first, dtype=np.int64),
            np.asarray(second, dtype=np.int64),
            np.ones(count),
            np.zeros(len(nodes), dtype=np.int64),
            [None],
        )

    def _symmetric(self, values: Any) -> sparse.csr_matrix:
        rows = np.concatenate([self.first, self.second])
        columns = np.concatenate([self.second, self.first])
        return sparse.csr_matrix(
            (np.concatenate([values, values]), (rows, columns)), shape=(self.n, self.n)
        )

    @cached_property
    def adjacency(self) -> sparse.csr_matrix:
        """Weighted, symmetric."""
        return self._symmetric(self.weight)

    @cached_property
    def links(self) -> sparse.csr_matrix:
        """1 per link, symmetric."""
        return self._symmetric(np.ones(len(self.first), dtype=np.int64))

    @cached_property
    def components(self) -> tuple[Any, Any]:
        """``(label of each vertex, size of each component)``."""
        if not self.n:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        _, labels = csgraph.connected_components(self.links, directed=False)
        return labels, np.bincount(labels)

    @cached_property
    def igraph(self) -> igraph.Graph:
        pairs = np.column_stack([self.first, self.second]).tolist()
        return igraph.Graph(n=self.n, edges=pairs, directed=False)


def _sector_brokerage(arrays: GraphArrays) -> tuple[Any, Any]:
    """Return ``(sectors_reached, broker)`` per vertex of `arrays` (see `node_measures`)."""
    n, sector = arrays.n, arrays.sector
    links = arrays.links
    one_hot = sparse.csr_matrix(
        (np.ones(n, dtype=np.int64), (np.arange(n), sector)),
        shape=(n, len(arrays.sector_keys)),
    )
    # Neighbours of each vertex per sector.
    counts = np.asarray((links @ one_hot).todense())
    degree = counts.sum(axis=1)
    own = counts[np.arange(n), sector]
    reached = (counts > 0).sum(axis=1) - (own > 0)
    # Pairs of neighbours in different sectors = all pairs minus same-sector pairs.
    cross_pairs = (degree * degree - (counts * counts).sum(axis=1)) // 2
    # Of those, the tied ones: each cross-sector link (u, w) closes a triangle with every
    # common neighbour v of u and w (the element-wise product of their rows), in slices
    # so the intermediate products stay small.
    cross = sector[arrays.first] != sector[arrays.second]
    u, w = arrays.first[cross], arrays.second[cross]
    tied_cross = np.zeros(n, dtype=np.int64)
    step = 20_000
    for at in range(0, len(u), step):
        common = links[u[at : at + step]].multiply(links[w[at : at + step]])
        tied_cross += np.asarray(common.sum(axis=0), dtype=np.int64).ravel()
    return reached, cross_pairs - tied_cross


def _eigenvector(
    G: nx.Graph, max_iter: int, arrays: GraphArrays, tol: float = 1.0e-6
) -> tuple[dict[Node, float], str]:
    """Return eigenvector centrality computed per component, and how it was computed.

    Each component runs ``nx.eigenvector_centrality``'s own (A + I) power iteration, start
    (1/size), normalisation and stopping rule (a test checks they agree): all components at
    once as one sparse product per step, each frozen at the step where it converges, as if
    it had run alone.
    """
    n = arrays.n
    labels, sizes = arrays.components
    running = sizes >= 2  # an isolate has no neighbours to draw centrality from
    x = 1.0 / sizes[labels] if n else np.zeros(0)
    for _ in range(max_iter):
        if not running.any():
            break
        last = x
        x = last + arrays.adjacency @ last  # iterating with A + I avoids oscillation
        norm = np.sqrt(np.bincount(labels, weights=x * x, minlength=len(sizes)))
        x = x / np.where(norm > 0, norm, 1.0)[labels]
        x = np.where(running[labels], x, last)
        change = np.bincount(labels, weights=np.abs(x - last), minlength=len(sizes))
        running &= ~(change < sizes * tol)
    if running.any():
        # Degree centrality is the honest fallback (eigenvector centrality refines it),
        # and info says it was used.
        return {v: float(c) for v, c in nx.degree_centrality(G).items()}, "degree_fallback"
    top = np.zeros(len(sizes))
    np.maximum.at(top, labels, x)
    scale = np.where(top > 0, sizes / np.where(top > 0, top, 1.0) / max(n, 1), 0.0)
    values = np.where(sizes[labels] >= 2, x * scale[labels], 0.0)
    return dict(zip(arrays.nodes, values.tolist(), strict=True)), "per_component"


def _arrays_of(G: nx.Graph | None, arrays: GraphArrays | None) -> GraphArrays:
    """`arrays` if given, else `G`'s (hop-based measures take either; `G` may be None)."""
    if arrays is not None:
        return arrays
    if G is None:
        raise TypeError("a graph or its arrays are needed")
    return GraphArrays.of(G)


def betweenness(
    G: nx.Graph | None,
    k: int | None = None,
    seed: int = 42,
    *,
    arrays: GraphArrays | None = None,
) -> dict[Node, float]:
    """Return ``nx.betweenness_centrality(G, k=k, seed=seed)``, computed by igraph in C.

    Normalised, hop-based (weights are strengths, not distances: see the module's notes),
    endpoints excluded.  With `k`, the estimate from the same `k` source nodes networkx
    draws (``random.Random(seed).sample(list(G), k)``), rescaled as networkx does: igraph's
    subset betweenness from those sources to every node.  Equal to networkx's figures to
    1e-9 (tests compare them).

    >>> betweenness(nx.path_graph(3))
    {0: 0.0, 1: 1.0, 2: 0.0}
    """
    arrays = _arrays_of(G, arrays)
    n, g, nodes = arrays.n, arrays.igraph, arrays.nodes
    if k is not None and k >= n:
        k = None  # what networkx does: the whole graph is the sample
    if n <= 2:
        return dict.fromkeys(nodes, 0.0)
    if k is None:
        # igraph counts each unordered pair once; networkx's normalisation is over ordered
        # pairs, 1 / ((n - 1)(n - 2)) of twice that.
        raw = g.betweenness(directed=False)
        scale = 2.0 / ((n - 1) * (n - 2))
        return {v: raw[i] * scale for i, v in enumerate(nodes)}
    sources = random.Random(seed).sample(nodes, k)
    index = {v: i for i, v in enumerate(nodes)}
    raw = g.betweenness(directed=False, sources=[index[v] for v in sources])
    # networkx's rescaling of a sample with endpoints excluded: a source cannot be on its own
    # paths, so it is averaged over the other k - 1 sources.
    sampled = set(sources)
    on_source = 2.0 / ((k - 1) * (n - 2)) if k > 1 else math.nan
    elsewhere = 2.0 / (k * (n - 2))
    return {v: raw[i] * (on_source if v in sampled else elsewhere) for i, v in enumerate(nodes)}


def estimated_betweenness(
    G: nx.Graph | None,
    *,
    error: float,
    seed: int,
    top: int = BETWEENNESS_TOP,
    arrays: GraphArrays | None = None,
) -> tuple[dict[Node, float], int]:
    """Return KADABRA's estimate of ``nx.betweenness_centrality(G)`` and the paths it sampled.

    Hop-based and normalised as `betweenness`; the `top` highest are ranked in their exact
    order with probability 1 - `BETWEENNESS_DELTA`, each figure within `error` of the truth
    on KADABRA's scale (twice networkx's, see below).  Repeatable: NetworKit's generator is
    seeded with `seed` and the deterministic variant is used, on one thread.
    """
    # A compiled library, loaded only where the network is this large.
    import networkit as nk

    arrays = _arrays_of(G, arrays)
    nodes, n = arrays.nodes, arrays.n
    if n <= 2:
        return dict.fromkeys(nodes, 0.0), 0
    g = nk.Graph(n)
    if len(arrays.first):
        g.addEdges((arrays.first.astype(np.uint64), arrays.second.astype(np.uint64)))
    nk.engineering.setSeed(seed, False)
    nk.setNumberOfThreads(1)
    kadabra = nk.centrality.KadabraBetweenness(g, error, BETWEENNESS_DELTA, True, min(top, n))
    kadabra.run()
    # KADABRA's figure is the share of sampled pairs (s, t) whose sampled shortest path runs
    # through v, over n(n-1)/2 pairs; networkx's is over the (n-1)(n-2)/2 pairs without v.
    scale = n / (2.0 * (n - 2))
    scores = kadabra.scores()
    return (
        dict(zip(nodes, (np.asarray(scores) * scale).tolist(), strict=True)),
        int(kadabra.getNumberOfIterations()),
    )


def closeness(G: nx.Graph | None, *, arrays: GraphArrays | None = None) -> dict[Node, float]:
    """Return ``nx.closeness_centrality(G)``, computed by igraph in C.

    Hop-based, Wasserman-Faust scaled for disconnected graphs: igraph's closeness within a
    node's component, times the share of the other nodes that component reaches; 0 for an
    isolate.  Equal to networkx's figures to 1e-9 (tests compare them).

    >>> closeness(nx.path_graph(3))
    {0: 0.6666666666666666, 1: 1.0, 2: 0.6666666666666666}
    """
    arrays = _arrays_of(G, arrays)
    n, g, nodes = arrays.n, arrays.igraph, arrays.nodes
    if n < 2:
        return dict.fromkeys(nodes, 0.0)
    within = g.closeness(normalized=True)
    membership = g.connected_components().membership
    size = Counter(membership)
    values: dict[Node, float] = {}
    for i, v in enumerate(nodes):
        reached = size[membership[i]] - 1
        values[v] = within[i] * reached / (n - 1) if reached else 0.0
    return values


#: ``(betweenness, closeness or None, info)`` as `path_centralities` returns them.
Centralities = tuple[dict[Node, float], dict[Node, float] | None, dict[str, Any]]


def path_centralities(
    G: nx.Graph | None,
    *,
    exact_limit: int,
    error: float,
    seed: int,
    arrays: GraphArrays | None = None,
) -> Centralities:
    """Return hop-based betweenness and closeness (see `node_measures`), and how.

    Betweenness is exact up to `exact_limit` nodes, otherwise estimated by KADABRA
    (`estimated_betweenness`, with `error` and `seed`); closeness is skipped (None) above
    `exact_limit`.  ``info`` holds ``betweenness`` ("exact" or "sampled"), ``samples`` (the
    shortest paths KADABRA sampled; None when exact), ``error`` (None when exact), ``top``
    (the institutions ranked in exact order; None when exact) and ``closeness`` ("exact" or
    "skipped").  `G` may be None when `arrays` are given (hop-based measures need no
    attributes).
    """
    arrays = _arrays_of(G, arrays)
    n = arrays.n
    if n <= exact_limit:
        return (
            betweenness(G, arrays=arrays),
            closeness(G, arrays=arrays),
            {
                "betweenness": "exact",
                "samples": None,
                "error": None,
                "top": None,
                "closeness": "exact",
            },
        )
    values, samples = estimated_betweenness(G, error=error, seed=seed, arrays=arrays)
    return (
        values,
        None,
        {
            "betweenness": "sampled",
            "samples": samples,
            "error": error,
            "top": min(BETWEENNESS_TOP, n),
            "closeness": "skipped",
        },
    )


def path_centralities_of_edges(
    nodes: list[Node], edges: list[tuple[Node, Node]], *, exact_limit: int, error: float, seed: int
) -> Centralities:
    """Return `path_centralities` of the graph made of bare `nodes` and `edges`.

    What another thread or process receives: hop-based measures need no attributes, and
    the bare lists cross a process boundary in milliseconds.  Edges may repeat and come in
    either orientation; self-pairs are ignored.  Nodes and links are taken in sorted
    order, as `build_graph` inserts them, so the graph, its seeded sample and its figures
    are those of `build_graph` on the same rows.
    """
    ordered = sorted(nodes)
    ids = np.array(ordered, dtype=np.int64).reshape(-1)
    pairs = np.array(edges, dtype=np.int64).reshape(-1, 2)
    a = np.searchsorted(ids, pairs[:, 0])
    b = np.searchsorted(ids, pairs[:, 1])
    low, high = np.minimum(a, b), np.maximum(a, b)
    keep = low != high
    codes = distinct(low[keep] * max(len(ids), 1) + high[keep])
    first, second = np.divmod(codes, max(len(ids), 1))
    arrays = GraphArrays.of_links(ordered, first, second)
    return path_centralities(None, exact_limit=exact_limit, error=error, seed=seed, arrays=arrays)


def node_measures(
    G: nx.Graph,
    *,
    betweenness_exact_limit: int = DEFAULT_BETWEENNESS_EXACT_LIMIT,
    betweenness_error: float = DEFAULT_BETWEENNESS_ERROR,
    seed: int = 42,
    eigenvector_max_iter: int = 500,
    centralities: Callable[[], Centralities] | None = None,
    arrays: GraphArrays | None = None,
) -> tuple[dict[Node, dict[str, Any]], dict[str, Any]]:
    """Return per-node measures and an ``info`` dict saying how they were computed.

    ``centralities``, if given, returns what `path_centralities` would (for instance from
    another thread or process, see `path_centralities_of_edges`); the betweenness settings
    are then the caller's business.  ``arrays``, `GraphArrays` of `G` if the caller has
    them (they are made otherwise).

    Each node maps to a dict with:

    ``degree``
        Number of institutions it is linked to.
    ``weighted_degree``
        Sum of the weights of its links (see `WEIGHT_RULE`).
    ``betweenness``
        Normalised, hop-based betweenness centrality: on average over pairs of other
        institutions, the share of their shortest paths that pass through it.  Exact
        when the graph has at most ``betweenness_exact_limit`` nodes, otherwise estimated
        by KADABRA within ``betweenness_error`` (see `estimated_betweenness`), with ``seed``.
    ``eigenvector``
        Weighted eigenvector centrality, computed within each connected component (it is
        only defined on a connected network), scaled so the component's most central
        member scores the component's share of all nodes: 1.0 is the top of a network
        that includes everyone, and members of a small separate cluster cannot outrank
        the main network's hubs.  Isolates score 0.  If the power iteration fails, the
        whole measure falls back to degree centrality.
    ``closeness``
        Hop-based closeness centrality (Wasserman-Faust scaled for disconnected graphs),
        or None above ``betweenness_exact_limit`` nodes, where it is too costly.
    ``sectors_reached``
        Number of distinct sectors, other than its own, among its neighbours (0 to 4).
    ``broker``
        Cross-sector brokerage: the number of pairs of its neighbours from different
        sectors that are not tied to each other.  It is the Gould-Fernandez brokerage
        count restricted to open triads whose two ends lie in different sectors, so it
        counts the liaison role (all three sectors differ) together with the
        gatekeeper/representative roles (it shares a sector with one end).
    ``broker_normalised``
        ``broker`` divided by its number of neighbour pairs, ``degree*(degree-1)/2``
        (0.0 below two neighbours): the share of its neighbour pairs it brokers across
        sectors.

    ``info`` holds ``betweenness`` ("exact" or "sampled") with ``k`` (source nodes used;
    None when exact), ``closeness`` ("exact" or "skipped") and ``eigenvector``
    ("per_component" or "degree_fallback").

    >>> values, info = node_measures(nx.path_graph(3))
    >>> values[1]["betweenness"], info["betweenness"]
    (1.0, 'exact')
    """
    arrays = arrays or GraphArrays.of(G)
    eigenvector, eigenvector_info = _eigenvector(G, eigenvector_max_iter, arrays)
    reached, broker = _sector_brokerage(arrays)
    degrees = np.diff(arrays.links.indptr)
    weighted = dict(G.degree(weight="weight"))
    # Asked for last: when another thread or process computes them, everything above
    # overlaps.
    if centralities is None:
        betweenness, closeness, info = path_centralities(
            G,
            exact_limit=betweenness_exact_limit,
            error=betweenness_error,
            seed=seed,
            arrays=arrays,
        )
    else:
        betweenness, closeness, info = centralities()
    info = {**info, "eigenvector": eigenvector_info}

    values: dict[Node, dict[str, Any]] = {}
    columns = zip(arrays.nodes, degrees.tolist(), reached.tolist(), broker.tolist(), strict=True)
    for v, degree, sectors_reached, brokered in columns:
        pairs = degree * (degree - 1) // 2
        values[v] = {
            "degree": degree,
            "weighted_degree": float(weighted[v]),
            "betweenness": float(betweenness[v]),
            "eigenvector": float(eigenvector[v]),
            "closeness": None if closeness is None else float(closeness[v]),
            "sectors_reached": sectors_reached,
            "broker": brokered,
            "broker_normalised": brokered / pairs if pairs else 0.0,
        }
    return values, info


# --------------------------------------------------------------------------------------
# Coalition-level measures
# --------------------------------------------------------------------------------------


def _sector_keys(G: nx.Graph) -> list[Any]:
    """Return `SECTORS` plus, defensively, any other sector value found (sorted)."""
    extra = {s for _, s in G.nodes(data="sector") if s not in SECTORS}
    return list(SECTORS) + sorted(extra, key=str)


def _cross_sector_shares(arrays: GraphArrays) -> tuple[float | None, float | None]:
    if not len(arrays.first):
        return None, None
    cross = arrays.sector[arrays.first] != arrays.sector[arrays.second]
    weight_total = float(arrays.weight.sum())
    share = float(cross.sum()) / len(cross)
    return share, (float(arrays.weight[cross].sum()) / weight_total if weight_total else None)


def _mixing_matrix(arrays: GraphArrays) -> dict[Any, dict[Any, int]]:
    keys = arrays.sector_keys
    k = len(keys)
    counts = np.bincount(
        arrays.sector[arrays.first] * k + arrays.sector[arrays.second], minlength=k * k
    ).reshape(k, k)
    # Symmetric: a link between two sectors counts in both mirrored cells, one within a
    # sector once.
    both = counts + counts.T
    np.fill_diagonal(both, np.diag(counts))
    return {
        s: dict(zip(keys, row, strict=True)) for s, row in zip(keys, both.tolist(), strict=True)
    }


def louvain_communities(
    G: nx.Graph, seed: int = 42, *, arrays: GraphArrays | None = None
) -> list[list[Node]]:
    """Return Louvain communities of `G` (weighted), largest first, each a sorted list.

    Blondel et al.'s method, as ``nx.community.louvain_communities(G, weight="weight")``
    (resolution 1), computed by igraph's C implementation (``community_multilevel``, its
    last level), with igraph's generator seeded with `seed`: repeatable, and about thirty
    times faster on 100,000 links.  An isolate is a community of its own; equal sizes are
    ordered by their smallest node.
    """
    arrays = arrays or GraphArrays.of(G)
    if not arrays.n:
        return []
    igraph.set_random_number_generator(random.Random(seed))
    try:
        membership = arrays.igraph.community_multilevel(
            weights=arrays.weight.tolist() if len(arrays.weight) else None
        ).membership
    finally:
        igraph.set_random_number_generator(random)
    members: dict[int, list[Node]] = {}
    for v, label in zip(arrays.nodes, membership, strict=True):
        members.setdefault(label, []).append(v)
    communities = [sorted(c) for c in members.values()]
    communities.sort(key=lambda c: (-len(c), c[0]))
    return communities


def _modularity(arrays: GraphArrays, communities: list[list[Node]]) -> float | None:
    # What nx.community.modularity(G, communities, weight="weight") gives (resolution 1).
    if not len(arrays.first):
        return None
    index = {v: i for i, v in enumerate(arrays.nodes)}
    membership = [0] * arrays.n
    for label, community in enumerate(communities):
        for v in community:
            membership[index[v]] = label
    return float(arrays.igraph.modularity(membership, weights=arrays.weight.tolist()))


def _sector_assortativity(G: nx.Graph, matrix: Mapping[Any, Mapping[Any, int]]) -> float | None:
    # Newman's r = (sum_i e_ii - sum_i a_i^2) / (1 - sum_i a_i^2), with e the mixing matrix
    # counting each edge from both ends (what nx.attribute_assortativity_coefficient
    # computes, without needing numpy).  Undefined with one sector only; with fewer than
    # two edges it is defined but meaningless, so None as well.
    m = G.number_of_edges()
    if m < 2:
        return None
    total = 2 * m
    trace = sum(2 * matrix[s][s] for s in matrix) / total
    # Row sum of the both-ends matrix: the diagonal counts twice, off-diagonal once.
    a = [(matrix[s][s] + sum(matrix[s].values())) / total for s in matrix]
    expected = sum(x * x for x in a)
    if math.isclose(expected, 1.0):
        return None
    return (trace - expected) / (1.0 - expected)


def _by_label(G: nx.Graph, nodes: Iterable[Node]) -> list[Node]:
    return sorted(nodes, key=lambda v: (str(G.nodes[v].get("label") or "").casefold(), v))


def _community_profile(
    G: nx.Graph, community: list[Node], sector_keys: list[Any]
) -> dict[str, Any]:
    sectors = dict.fromkeys(sector_keys, 0)
    groups: Counter[str] = Counter()
    for v in community:
        sectors[G.nodes[v].get("sector")] += 1
        groups.update(G.nodes[v].get("groups") or ())
    # max() keeps the first of equals, i.e. the earlier sector in SECTORS order.
    dominant = max(sectors, key=lambda s: sectors[s])
    return {
        "size": len(community),
        "sectors": sectors,
        "groups": dict(sorted(groups.items(), key=lambda item: (-item[1], item[0]))),
        "dominant_sector": dominant,
        "purity": sectors[dominant] / len(community),
    }


def coalition_measures(
    G: nx.Graph,
    seed: int = 42,
    *,
    weak_tie_threshold: float = 1.0,
    arrays: GraphArrays | None = None,
) -> dict[str, Any]:
    """Return coalition-level measures of the network.

    Keys:

    ``node_count``, ``edge_count``, ``density``
        Size of the network; density is the share of possible pairs that are linked.
    ``components``, ``largest_component_size``
        Number of connected components (isolates count as one each) and the size of the
        largest.
    ``sector_counts``
        Institutions per sector (all of `SECTORS`, zeros included).
    ``cross_sector_share``, ``cross_sector_share_weighted``
        Share of edges (of total edge weight) whose ends are in different sectors; None
        without edges.
    ``mixing_matrix``
        ``{sector: {sector: edges}}`` over all of `SECTORS`, symmetric: the diagonal
        counts edges within a sector, an off-diagonal cell the edges between two sectors
        (each such edge appears in both mirrored cells).
    ``sector_assortativity``
        Newman's attribute assortativity of ``sector`` (1: sectors only link within
        themselves, 0: no preference, negative: they link across); None when undefined
        (one sector only) or with fewer than two edges.
    ``communities``, ``community_profiles``, ``modularity``
        Louvain communities (weighted, seeded: `louvain_communities`) as sorted node
        lists, largest first then
        by smallest id; a profile per community in the same order with ``size``,
        ``sectors`` (counts), ``groups`` (member counts per working group, most common
        first), ``dominant_sector`` and ``purity`` (share of the dominant sector); and
        the partition's weighted modularity (None without edges).  An isolate is a
        community of its own.
    ``isolates``
        Nodes without any link, sorted by label.
    ``weakly_tied``
        Linked nodes with a single link or a weighted degree of at most
        ``weak_tie_threshold``, sorted by label.  Under `WEIGHT_RULE` every link weighs
        at least 1, so the default threshold of 1 adds nobody beyond the single-link
        nodes; a threshold of 2 also catches those held only by two shared groups.
    """
    arrays = arrays or GraphArrays.of(G)
    n = G.number_of_nodes()
    sector_keys = arrays.sector_keys
    sector_counts = dict.fromkeys(sector_keys, 0)
    for _, s in G.nodes(data="sector"):
        sector_counts[s] += 1
    share, share_weighted = _cross_sector_shares(arrays)
    matrix = _mixing_matrix(arrays)

    communities = louvain_communities(G, seed, arrays=arrays)
    modularity = _modularity(arrays, communities)
    _, sizes = arrays.components

    weighted = dict(G.degree(weight="weight"))
    isolates = [v for v in G if G.degree(v) == 0]
    weakly_tied = [
        v for v in G if G.degree(v) >= 1 and (G.degree(v) == 1 or weighted[v] <= weak_tie_threshold)
    ]
    return {
        "node_count": n,
        "edge_count": G.number_of_edges(),
        "density": nx.density(G) if n > 1 else 0.0,
        "components": len(sizes),
        "largest_component_size": int(sizes.max(initial=0)),
        "sector_counts": sector_counts,
        "cross_sector_share": share,
        "cross_sector_share_weighted": share_weighted,
        "mixing_matrix": matrix,
        "sector_assortativity": _sector_assortativity(G, matrix),
        "communities": communities,
        "community_profiles": [_community_profile(G, c, sector_keys) for c in communities],
        "modularity": modularity,
        "isolates": _by_label(G, isolates),
        "weakly_tied": _by_label(G, weakly_tied),
    }


# --------------------------------------------------------------------------------------
# Introductions
# --------------------------------------------------------------------------------------


def _two_step_candidates(
    G: nx.Graph, nbrs: Mapping[Node, set[Node]], max_candidates: int
) -> set[tuple[Node, Node]]:
    """Return non-adjacent pairs with a common neighbour, at most about `max_candidates`."""
    candidates: set[tuple[Node, Node]] = set()
    # Go-betweens in increasing degree: a low-degree common neighbour weighs most in
    # Adamic-Adar, so if the cap cuts the search short it drops the least promising pairs.
    for w in sorted(G, key=lambda x: (len(nbrs[x]), x)):
        around = nbrs[w]
        if len(around) < 2:
            continue
        for u in sorted(around):
            # Set difference runs in C, so dense clusters (where most pairs are already
            # tied) cost little Python work; only genuine candidates are looped over.
            for v in around - nbrs[u]:
                if u < v:
                    candidates.add((u, v))
            if len(candidates) >= max_candidates:
                return candidates
    return candidates


def _shared_group_candidates(
    G: nx.Graph, nbrs: Mapping[Node, set[Node]], max_candidates: int
) -> set[tuple[Node, Node]]:
    """Return non-adjacent pairs that share a working group, at most about `max_candidates`."""
    members: dict[str, set[Node]] = {}
    for v, groups in G.nodes(data="groups"):
        for group in groups or ():
            members.setdefault(group, set()).add(v)
    candidates: set[tuple[Node, Node]] = set()
    for group in sorted(members):
        together = members[group]
        for u in sorted(together):
            for v in together - nbrs[u]:
                if u < v:
                    candidates.add((u, v))
            if len(candidates) >= max_candidates:
                return candidates
    return candidates


def suggest_introductions(
    G: nx.Graph,
    limit: int = 10,
    seed: int = 42,
    *,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    per_institution: int = 2,
) -> list[dict[str, Any]]:
    """Return up to `limit` pairs of not-yet-linked institutions worth introducing.

    Candidates are non-adjacent pairs two steps apart (they have a common neighbour) plus
    non-adjacent pairs that share a working group (affiliation: the graph itself holds
    collaboration only, the groups are node attributes).  They are scored by Adamic-Adar, the
    value ``nx.adamic_adar_index`` gives (common neighbours, each weighted by 1/log of its
    degree, so a go-between with few links counts more), and ranked cross-sector pairs
    first, then by score (highest first), then by ids.  A shared group alone scores 0.
    The list is spread: a pair is passed over when one of its institutions is already in
    `per_institution` suggestions above it.

    To stay fast on large graphs, each kind of candidate is capped at about
    ``max_candidates`` pairs: two-step pairs are collected from go-betweens in increasing
    degree (those that weigh most in the score) until the cap, so below the cap the search
    is exhaustive.  Nothing is sampled; ``seed`` is accepted for symmetry with the other
    entry points and does not change the result.

    Each suggestion is a dict with ``u`` < ``v`` (node ids), ``score``, ``cross_sector``,
    ``shared_groups`` (sorted slugs), ``common_neighbours`` (count) and
    ``common_neighbour_ids`` (up to three, least-connected first: the go-betweens that
    weigh most in the score, then by id).
    """
    del seed  # see docstring: accepted for a uniform API, nothing here is random
    if limit <= 0:
        return []
    nbrs = _neighbour_sets(G)
    candidates = _two_step_candidates(G, nbrs, max_candidates)
    candidates |= _shared_group_candidates(G, nbrs, max_candidates)
    if not candidates:
        return []
    sector = dict(G.nodes(data="sector"))
    # Adamic-Adar exactly as nx.adamic_adar_index defines it, but from a 1/log(degree)
    # table: its per-pair call costs about four times as much.  A common neighbour has
    # degree >= 2, so the table covers every term.
    inverse_log = {w: 1.0 / math.log(len(s)) for w, s in nbrs.items() if len(s) > 1}
    scored = [(u, v, sum([inverse_log[w] for w in nbrs[u] & nbrs[v]])) for u, v in candidates]
    # Rounding the key keeps equal scores equal whatever order their terms were summed
    # in, so ties fall to the ids.
    scored.sort(key=lambda c: (sector[c[0]] == sector[c[1]], -round(c[2], 9), c[0], c[1]))
    # Spread: no institution in more than `per_institution` suggestions, so ten
    # suggestions are not five pairs around one hub.
    ranked = []
    appearances: Counter[Node] = Counter()
    for u, v, score in scored:
        if appearances[u] >= per_institution or appearances[v] >= per_institution:
            continue
        appearances[u] += 1
        appearances[v] += 1
        ranked.append((u, v, score))
        if len(ranked) == limit:
            break

    suggestions = []
    for u, v, score in ranked:
        common = nbrs[u] & nbrs[v]
        groups_u = set(G.nodes[u].get("groups") or ())
        groups_v = set(G.nodes[v].get("groups") or ())
        suggestions.append(
            {
                "u": u,
                "v": v,
                "score": score,
                "cross_sector": sector[u] != sector[v],
                "shared_groups": sorted(groups_u & groups_v),
                "common_neighbours": len(common),
                "common_neighbour_ids": sorted(common, key=lambda w: (len(nbrs[w]), w))[:3],
            }
        )
    return suggestions


# --------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------

#: Distance between neighbouring institutions in the layout's units (the browser zooms).
LAYOUT_SPACING = 18.0
#: Force-directed iterations inside one community (fewer for the largest: see `layout`).
LAYOUT_ITERATIONS = 300


def layout(
    G: nx.Graph,
    communities: Iterable[Iterable[Node]],
    *,
    seed: int = 42,
    arrays: GraphArrays | None = None,
) -> dict[Node, tuple[float, float]]:
    """Return ``{node: (x, y)}``: a force-directed layout that keeps communities apart.

    Each community of two or more institutions is laid out on its own by igraph's
    Fruchterman-Reingold (weighted by link strength) and scaled to a disc whose area grows
    with its size; the discs are then placed by the same force-directed layout run on the
    graph of communities (two communities attract by the weight of the links between
    them), and pushed apart until no two overlap.  Institutions in a community of their
    own (the isolated ones, mostly) sit in a grid below, where they are easy to find.
    Deterministic for a given `seed`.  Cost: linear in the links (about a second at
    10,000 institutions and 100,000 links).
    """
    arrays = arrays or GraphArrays.of(G)
    groups = [sorted(c) for c in communities]
    clusters = [c for c in groups if len(c) > 1]
    loose = sorted(v for c in groups if len(c) == 1 for v in c)
    index = {v: i for i, v in enumerate(arrays.nodes)}
    cluster_of = np.full(arrays.n, -1, dtype=np.int64)
    index_in = np.zeros(arrays.n, dtype=np.int64)
    for i, c in enumerate(clusters):
        members = [index[v] for v in c]
        cluster_of[members] = i
        index_in[members] = np.arange(len(c))
    # Links within a community, grouped by community in G.edges() order; and the summed
    # weight between two communities, in the order their first link comes.
    cu, cv = cluster_of[arrays.first], cluster_of[arrays.second]
    linked = (cu >= 0) & (cv >= 0)
    within = np.flatnonzero(linked & (cu == cv))
    within = within[np.argsort(cu[within], kind="stable")]
    bounds = np.searchsorted(cu[within], np.arange(len(clusters) + 1))
    inner = [
        list(
            zip(
                index_in[arrays.first[part]].tolist(),
                index_in[arrays.second[part]].tolist(),
                arrays.weight[part].tolist(),
                strict=True,
            )
        )
        for part in (within[bounds[i] : bounds[i + 1]] for i in range(len(clusters)))
    ]
    across = np.flatnonzero(linked & (cu != cv))
    keys = np.minimum(cu[across], cv[across]) * max(len(clusters), 1) + np.maximum(
        cu[across], cv[across]
    )
    unique, first_seen, which = np.unique(keys, return_index=True, return_inverse=True)
    totals = np.bincount(which, weights=arrays.weight[across], minlength=len(unique))
    between = {
        divmod(int(unique[j]), max(len(clusters), 1)): float(totals[j])
        for j in np.argsort(first_seen, kind="stable")
    }

    previous_rng = random.Random(seed)
    igraph.set_random_number_generator(previous_rng)
    try:
        positions: dict[Node, tuple[float, float]] = {}
        radius = np.array([LAYOUT_SPACING * math.sqrt(len(c)) for c in clusters])
        shapes = []
        for c, edges in zip(clusters, inner, strict=True):
            shapes.append(_fr_disc(c, edges, np))
        centres = _place_discs(len(clusters), between, radius, np)
        for c, shape, centre in zip(clusters, shapes, centres, strict=True):
            for v, (x, y) in zip(c, shape, strict=True):
                positions[v] = (round(float(centre[0] + x), 1), round(float(centre[1] + y), 1))
    finally:
        igraph.set_random_number_generator(random)

    # The loose institutions: a grid under the communities.
    if positions:
        ys = [p[1] for p in positions.values()]
        xs = [p[0] for p in positions.values()]
        top, left, width = max(ys) + 3 * LAYOUT_SPACING, min(xs), max(xs) - min(xs)
    else:
        top, left, width = 0.0, 0.0, 0.0
    columns = max(1, int(width // (1.5 * LAYOUT_SPACING)) or math.ceil(math.sqrt(len(loose))))
    for i, v in enumerate(loose):
        row, column = divmod(i, columns)
        positions[v] = (
            round(left + column * 1.5 * LAYOUT_SPACING, 1),
            round(top + row * 1.5 * LAYOUT_SPACING, 1),
        )
    return positions


def _fr_disc(members: list[Node], edges: list[tuple[int, int, float]], np: Any) -> Any:
    """Fruchterman-Reingold positions of one community, centred, in a disc of its size."""
    n = len(members)
    g = igraph.Graph(n=n, edges=[(a, b) for a, b, _ in edges])
    # Fewer iterations for a very large community keep the whole layout within budget.
    iterations = LAYOUT_ITERATIONS if n <= 500 else max(60, LAYOUT_ITERATIONS * 500 // n)
    coords = np.array(
        g.layout_fruchterman_reingold(
            weights=[w for _, _, w in edges] or None, niter=iterations, grid="nogrid"
        ).coords,
        dtype=float,
    )
    coords -= coords.mean(axis=0)
    spread = float(np.sqrt((coords**2).sum(axis=1).max())) or 1.0
    return coords * (LAYOUT_SPACING * math.sqrt(n) / spread)


def _place_discs(count: int, between: Mapping[tuple[int, int], float], radius: Any, np: Any) -> Any:
    """Centres for `count` discs: force-directed on the community graph, then no overlaps."""
    if count == 0:
        return np.zeros((0, 2))
    if count == 1:
        return np.zeros((1, 2))
    g = igraph.Graph(n=count, edges=list(between))
    weights = [math.log1p(w) for w in between.values()] or None
    coords = np.array(
        g.layout_fruchterman_reingold(weights=weights, niter=500, grid="nogrid").coords,
        dtype=float,
    )
    coords -= coords.mean(axis=0)
    # Scale the layout so that the discs' total area roughly fills it, then push apart
    # the pairs that still overlap (a few vectorised passes).
    spread = float(np.sqrt((coords**2).sum(axis=1).max())) or 1.0
    coords *= 1.2 * math.sqrt(float((radius**2).sum())) / spread
    gap = LAYOUT_SPACING
    for _ in range(60):
        delta = coords[:, None, :] - coords[None, :, :]
        distance = np.sqrt((delta**2).sum(axis=2)) + np.eye(count)
        needed = radius[:, None] + radius[None, :] + gap
        overlap = np.clip(needed - distance, 0, None)
        np.fill_diagonal(overlap, 0)
        if not overlap.any():
            break
        push = (delta / distance[:, :, None]) * (overlap[:, :, None] / 2)
        coords += push.sum(axis=1)
    return coords


# --------------------------------------------------------------------------------------
# Over time
# --------------------------------------------------------------------------------------


def measures_over_time(snapshots: Iterable[tuple[str, nx.Graph]]) -> list[dict[str, Any]]:
    """Return the headline coalition figures for each ``(label, G)`` snapshot, in order.

    Each entry has ``label``, ``node_count``, ``edge_count``, ``density``,
    ``cross_sector_share`` (None without edges) and ``largest_component_size``.
    """
    return [
        {"label": label, **headline_figures(dict(G.nodes(data="sector")), G.edges())}
        for label, G in snapshots
    ]


def headline_figures(
    sectors: Mapping[Node, Any], pairs: Iterable[tuple[Node, Node]]
) -> dict[str, Any]:
    """Return `measures_over_time`'s figures (without ``label``) of a bare network.

    `sectors` maps every node to its sector; `pairs` are its links in any orientation,
    repeats and self-pairs ignored.  No graph is built: see `headline_figures_of_arrays`.
    """
    index = {v: i for i, v in enumerate(sectors)}
    codes: dict[Any, int] = {}
    sector = np.array([codes.setdefault(s, len(codes)) for s in sectors.values()], dtype=np.int64)
    ends = np.array([(index[a], index[b]) for a, b in pairs], dtype=np.int64).reshape(-1, 2)
    return headline_figures_of_arrays(sector, ends[:, 0], ends[:, 1])


def headline_figures_of_arrays(sector: Any, first: Any, second: Any) -> dict[str, Any]:
    """`headline_figures` of vertices ``0..len(sector)-1`` linked by index arrays.

    `sector` holds a code per vertex; links may repeat, come in either orientation or be
    self-pairs (ignored).  Components come from SciPy's, so a figure per year costs a
    fraction of building that year's graph.
    """
    n = len(sector)
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    low, high = np.minimum(first, second), np.maximum(first, second)
    keep = low != high
    codes = distinct(low[keep] * max(n, 1) + high[keep])
    a, b = np.divmod(codes, max(n, 1))
    m = len(codes)
    cross = int((sector[a] != sector[b]).sum())
    largest = 0
    if n:
        linked = sparse.csr_matrix((np.ones(m), (a, b)), shape=(n, n))
        _, labels = csgraph.connected_components(linked, directed=False)
        largest = int(np.bincount(labels).max())
    return {
        "node_count": n,
        "edge_count": m,
        "density": 2 * m / (n * (n - 1)) if n > 1 else 0.0,
        "cross_sector_share": cross / m if m else None,
        "largest_component_size": largest,
    }


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Return `value` with tuples/sets as lists and non-finite floats as None."""
    kind = type(value)
    # Plain scalars first: the Mapping check is an ABC's, slow on 230,000 edge weights.
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k if isinstance(k, str | int) else str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def to_node_link(
    G: nx.Graph,
    node_values: Mapping[Node, Mapping[str, Any]],
    coalition: Mapping[str, Any] | None = None,
    *,
    edges: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a JSON-serialisable node-link dict of `G` with the measures attached.

    The same document as ``nx.node_link_data(G, edges="edges")`` (nodes under ``"nodes"``
    with an ``"id"``, edges under ``"edges"`` with ``"source"``/``"target"``,
    ``"weight"`` and ``"reasons"``; a test checks they agree), written directly: copying
    the graph and walking every value generically took seconds on 100,000 edges.  Each
    node also carries its entry of `node_values` (from `node_measures`) as attributes,
    and `coalition` (from `coalition_measures`), if given, is included under
    ``"coalition"``.  Edge reasons are shared with `G`, not copied: treat them as
    read-only.  `edges`, `node_link_edges` of `G` if the caller made them already.
    """
    nodes = []
    for v, attrs in G.nodes(data=True):
        node = _jsonable(attrs)
        for key, value in node_values.get(v, {}).items():
            node[key] = _finite(value)
        node["id"] = v
        nodes.append(node)
    data: dict[str, Any] = {
        "directed": False,
        "multigraph": False,
        "graph": _jsonable(G.graph),
        "nodes": nodes,
        "edges": node_link_edges(G) if edges is None else edges,
    }
    if coalition is not None:
        data["coalition"] = _jsonable(coalition)
    return data


def node_link_edges(G: nx.Graph) -> list[dict[str, Any]]:
    """The ``"edges"`` of `to_node_link`: they need no measure, so a caller can write them
    while a measure is still being computed elsewhere."""
    edges = []
    for u, v, attrs in G.edges(data=True):
        edge = {
            key: (list(value) if key == "reasons" else _jsonable(value))
            for key, value in attrs.items()
        }
        edge["source"] = u
        edge["target"] = v
        edges.append(edge)
    return edges


def _reason_string(reason: Mapping[str, Any]) -> str:
    kind = reason.get("type")
    fields = _REASON_FIELDS.get(kind) or tuple(sorted(k for k in reason if k != "type"))
    parts = [str(kind)] + [str(reason[f]) for f in fields if reason.get(f) is not None]
    return ":".join(parts)


def _flat(value: Any) -> Any:
    """Return `value` as something GEXF/GraphML can store, or None to omit it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None  # GraphML reads an empty value back as missing anyway
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_reason_string(x) if isinstance(x, Mapping) else str(x) for x in value]
        return ";".join(items) or None
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _flat_graph(
    G: nx.Graph,
    node_values: Mapping[Node, Mapping[str, Any]],
    affiliation: Iterable[tuple[Node, Node, list[str]]] = (),
) -> nx.Graph:
    """The flattened graph to export; with `affiliation` pairs, a multigraph of both layers.

    Every edge gets a ``layer`` attribute ("collaboration" or "affiliation") and a
    ``kinds`` one (the types of its reasons, or "group"), so a pair both collaborating and
    sharing a group is two edges, one per layer.
    """
    pairs = list(affiliation)
    H: nx.Graph = nx.MultiGraph() if pairs else nx.Graph()
    for v, attrs in G.nodes(data=True):
        merged = {**attrs, **node_values.get(v, {})}
        flat = {k: _flat(x) for k, x in merged.items()}
        H.add_node(v, **{k: x for k, x in flat.items() if x is not None})
    for u, v, attrs in G.edges(data=True):
        flat = {k: _flat(x) for k, x in attrs.items() if k != "layer"}
        kinds = sorted({str(r.get("type")) for r in attrs.get("reasons") or ()})
        flat["layer"] = COLLABORATION
        flat["kinds"] = ";".join(kinds) or None
        attrs_flat = {k: x for k, x in flat.items() if x is not None}
        if pairs:  # a multigraph: keys unique over the document (GraphML's edge ids)
            H.add_edge(u, v, key=f"c{u}-{v}", **attrs_flat)
        else:
            H.add_edge(u, v, **attrs_flat)
    for u, v, groups in pairs:
        H.add_edge(u, v, key=f"a{u}-{v}", layer=AFFILIATION, kinds="group", groups=";".join(groups))
    return H


def to_gexf_bytes(
    G: nx.Graph,
    node_values: Mapping[Node, Mapping[str, Any]],
    affiliation: Iterable[tuple[Node, Node, list[str]]] = (),
) -> bytes:
    """Return `G` with its measures as GEXF 1.2 (UTF-8 bytes), for Gephi.

    GEXF cannot store lists, dicts or None, so attributes are flattened: ``groups``
    becomes ``"datos;etica"``, ``reasons`` a compact string such as
    ``"tie:joint_project:confirmed:2019-05-01;meetings:2"``, and None or empty values are
    omitted; numbers and booleans keep their type.  ``nx.read_gexf`` reads it back with
    node ids as strings (``"7"``, not ``7``) and ``label`` restored from the GEXF label.

    The document is valid against the GEXF 1.2draft schema (a test validates it): networkx
    writes a ``name`` attribute on ``<graph>`` that the schema does not allow, so it is
    dropped.
    """
    writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(_flat_graph(G, node_values, affiliation))
    writer.graph_element.attrib.pop("name", None)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def to_graphml_bytes(
    G: nx.Graph,
    node_values: Mapping[Node, Mapping[str, Any]],
    affiliation: Iterable[tuple[Node, Node, list[str]]] = (),
) -> bytes:
    """Return `G` with its measures as GraphML (UTF-8 bytes), flattened as in `to_gexf_bytes`.

    ``nx.read_graphml`` reads it back with node ids as strings.
    """
    buffer = io.BytesIO()
    # The plain-xml writer gives the same bytes whether or not lxml is installed.
    nx.write_graphml_xml(_flat_graph(G, node_values, affiliation), buffer)
    return buffer.getvalue()
