"""The network page's two documents, derived once per version from the node-link JSON.

The page used to fetch the whole node-link document (`/network.json`: 45 MB at 10,000
institutions and 100,000 links) before drawing anything. It now fetches:

- **the drawing** (`/network/graph.json`): what the first paint needs, in parallel arrays
  (column per attribute, one entry per institution, in the node-link document's order):
  ids, positions (the server's layout, `measures.layout`), sector, the default size measure
  (weighted degree), the names of the largest institutions and the links drawn — every link
  up to `BACKBONE_ABOVE` institutions, above it only each institution's strongest
  (`backbone_per_node`), as the page drew them before;
- **the details** (`/network/details.json`): everything else the page shows (names,
  measures, groups, every link with its reasons, the affiliation layer), in the same
  order, fetched after the first paint (small networks) or on the first action that needs
  it (large ones).

Both are stored under the version's key next to the exports (`Snapshot.derived`), so they
are computed once per version, not per request.
"""

from __future__ import annotations

import json
from typing import Any

from .build import NODE_MEASURES

#: Above this many institutions only each one's strongest links are drawn: 2 each, 1 above
#: `BACKBONE_SINGLE_ABOVE` (Cytoscape's cost is per element; the panel has them all).
BACKBONE_ABOVE = 2000
BACKBONE_SINGLE_ABOVE = 5000
#: Names drawn on the graph: the largest institutions (the page takes 12 of these below
#: `BACKBONE_ABOVE`).
LABELLED = 25
#: The measures of each institution, in the details' `nodes` (the table's, one list).
MEASURES = NODE_MEASURES
#: Affiliation pairs sent (the page draws no more: the layer is a context, not a measure).
AFFILIATION_SENT = 20_000
#: A reason, as a short list: [0, tie kind, since, confirmed (1/0)], [1, meetings count],
#: [2, deliverable id].
REASON_CODES = {"tie": 0, "meetings": 1, "deliverable": 2}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _round(value: Any, digits: int) -> Any:
    return round(value, digits) if isinstance(value, float) else value


def backbone_per_node(node_count: int) -> int | None:
    """How many links per institution are drawn (None: all of them)."""
    if node_count <= BACKBONE_ABOVE:
        return None
    return 1 if node_count > BACKBONE_SINGLE_ABOVE else 2


def backbone(edges: list[dict[str, Any]], index: dict[Any, int], per_node: int) -> list[int]:
    """The indexes of the links drawn: each institution's `per_node` strongest (heaviest
    first, then in document order), sorted."""
    incident: list[list[int]] = [[] for _ in index]
    for position, edge in enumerate(edges):
        incident[index[edge["source"]]].append(position)
        incident[index[edge["target"]]].append(position)
    keep: set[int] = set()
    for links in incident:
        links.sort(key=lambda e: (-edges[e]["weight"], e))
        keep.update(links[:per_node])
    return sorted(keep)


def graph_document(document: dict[str, Any]) -> bytes:
    """The drawing: ids, positions, sectors, sizes, the largest's names and the drawn links."""
    nodes = document["nodes"]
    edges = document["edges"]
    index = {node["id"]: position for position, node in enumerate(nodes)}
    sectors: list[str] = []
    sector_index: dict[str, int] = {}
    for node in nodes:
        if node["sector"] not in sector_index:
            sector_index[node["sector"]] = len(sectors)
            sectors.append(node["sector"])
    per_node = backbone_per_node(len(nodes))
    drawn = range(len(edges)) if per_node is None else backbone(edges, index, per_node)
    largest = sorted(
        range(len(nodes)), key=lambda i: (-(nodes[i]["weighted_degree"] or 0), nodes[i]["id"])
    )[:LABELLED]
    return _dumps(
        {
            "as_of": document["as_of"],
            "version": document.get("version"),
            "sectors": sectors,
            "nodes": {
                "id": [node["id"] for node in nodes],
                "x": [_round(node.get("x"), 1) for node in nodes],
                "y": [_round(node.get("y"), 1) for node in nodes],
                "sector": [sector_index[node["sector"]] for node in nodes],
                "weighted_degree": [_round(node["weighted_degree"], 2) for node in nodes],
            },
            "labels": [[i, nodes[i].get("acronym") or nodes[i]["label"]] for i in largest],
            "edges": {
                "index": list(drawn),
                "source": [index[edges[e]["source"]] for e in drawn],
                "target": [index[edges[e]["target"]] for e in drawn],
                "weight": [_round(edges[e]["weight"], 2) for e in drawn],
            },
            "edge_count": len(edges),
            "per_node": per_node,
        }
    )


def _reason(reason: dict[str, Any]) -> list[Any]:
    code = REASON_CODES[reason["type"]]
    if code == 0:
        return [0, reason["kind"], reason["since"], 1 if reason["status"] == "confirmed" else 0]
    if code == 1:
        return [1, reason["count"]]
    return [2, reason["deliverable_id"]]


def details_document(document: dict[str, Any]) -> bytes:
    """The rest: names, attributes, measures, every link with its reasons, the affiliations."""
    nodes = document["nodes"]
    index = {node["id"]: position for position, node in enumerate(nodes)}
    groups = sorted({slug for node in nodes for slug in node.get("groups") or ()})
    group_index = {slug: i for i, slug in enumerate(groups)}
    columns: dict[str, list[Any]] = {
        "label": [node["label"] for node in nodes],
        "acronym": [node.get("acronym") for node in nodes],
        "state": [node.get("state") for node in nodes],
        "founder": [1 if node.get("founder") else 0 for node in nodes],
        "joined_on": [node.get("joined_on") for node in nodes],
        "groups": [[group_index[s] for s in node.get("groups") or ()] for node in nodes],
    }
    for key in MEASURES:
        columns[key] = [_round(node.get(key), 4) for node in nodes]
    edges = document["edges"]
    affiliation = (document.get("affiliation") or [])[:AFFILIATION_SENT]
    return _dumps(
        {
            "version": document.get("version"),
            "groups": groups,
            "nodes": columns,
            "edges": {
                "source": [index[edge["source"]] for edge in edges],
                "target": [index[edge["target"]] for edge in edges],
                "weight": [_round(edge["weight"], 2) for edge in edges],
                "reasons": [[_reason(r) for r in edge.get("reasons") or ()] for edge in edges],
            },
            "affiliation": {
                "source": [index[edge["source"]] for edge in affiliation],
                "target": [index[edge["target"]] for edge in affiliation],
            },
        }
    )


DERIVED = {"graph": graph_document, "details": details_document}
