"""The network page's two documents (`network/page_documents.py`): the drawing and the details.

They are the node-link document in parallel arrays: the same institutions in the same order,
the drawn links pointing at the details' links, every measure and reason kept.
"""

from __future__ import annotations

import json
import re

import pytest

from coalition_app.network import page_documents
from tests.helpers import count_statements


@pytest.mark.parametrize("part", ["graph", "details"])
def test_the_documents_need_sign_in(seeded_client, part):
    response = seeded_client.get(f"/network/{part}.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_drawing_holds_ids_positions_sectors_sizes_and_every_link_of_a_small_network(
    member_client,
):
    full = member_client.get("/network.json").json
    response = member_client.get("/network/graph.json")
    assert response.status_code == 200 and response.is_json
    assert response.headers["X-Network-Version"] == str(full["version"])
    graph = response.json
    nodes = graph["nodes"]
    assert set(nodes) == {"id", "x", "y", "sector", "weighted_degree"}
    assert nodes["id"] == [n["id"] for n in full["nodes"]]
    assert all(len(column) == len(full["nodes"]) for column in nodes.values())
    for i, node in enumerate(full["nodes"]):
        assert nodes["x"][i] == pytest.approx(node["x"], abs=0.05)
        assert nodes["y"][i] == pytest.approx(node["y"], abs=0.05)
        assert graph["sectors"][nodes["sector"][i]] == node["sector"]
        assert nodes["weighted_degree"][i] == pytest.approx(node["weighted_degree"], abs=0.006)
    # Below BACKBONE_ABOVE every link is drawn, each pointing at its place in the document.
    assert graph["per_node"] is None and graph["edge_count"] == len(full["edges"])
    edges = graph["edges"]
    assert edges["index"] == list(range(len(full["edges"])))
    for k, e in enumerate(edges["index"]):
        assert nodes["id"][edges["source"][k]] == full["edges"][e]["source"]
        assert nodes["id"][edges["target"][k]] == full["edges"][e]["target"]
    # The names drawn at first: the largest by weighted degree, acronym first.
    ranked = sorted(full["nodes"], key=lambda n: (-n["weighted_degree"], n["id"]))
    assert [nodes["id"][i] for i, _ in graph["labels"]] == [n["id"] for n in ranked[:25]]
    assert graph["labels"][0][1] == ranked[0]["acronym"] or ranked[0]["label"]
    # Much smaller than the whole document.
    assert len(response.data) < len(member_client.get("/network.json").data) / 3


def test_the_details_hold_names_measures_groups_reasons_and_affiliations(member_client):
    full = member_client.get("/network.json").json
    details = member_client.get("/network/details.json").json
    columns = details["nodes"]
    for i, node in enumerate(full["nodes"]):
        assert columns["label"][i] == node["label"]
        assert columns["acronym"][i] == node["acronym"]
        assert columns["state"][i] == node["state"]
        assert columns["founder"][i] == int(node["founder"])
        assert columns["joined_on"][i] == node["joined_on"]
        assert [details["groups"][g] for g in columns["groups"][i]] == node["groups"]
        for key in page_documents.MEASURES:
            if node[key] is None:
                assert columns[key][i] is None
            else:
                assert columns[key][i] == pytest.approx(node[key], abs=1e-4)
    ids = [n["id"] for n in full["nodes"]]
    edges = details["edges"]
    assert len(edges["source"]) == len(full["edges"])
    seen_types = set()
    for k, edge in enumerate(full["edges"]):
        assert (ids[edges["source"][k]], ids[edges["target"][k]]) == (
            edge["source"],
            edge["target"],
        )
        assert edges["weight"][k] == pytest.approx(edge["weight"], abs=0.006)
        for short, reason in zip(edges["reasons"][k], edge["reasons"], strict=True):
            seen_types.add(reason["type"])
            if reason["type"] == "tie":
                assert short == [
                    0,
                    reason["kind"],
                    reason["since"],
                    int(reason["status"] == "confirmed"),
                ]
            elif reason["type"] == "meetings":
                assert short == [1, reason["count"]]
            else:
                assert short == [2, reason["deliverable_id"]]
    assert seen_types == {"tie", "meetings", "deliverable"}
    pairs = list(
        zip(details["affiliation"]["source"], details["affiliation"]["target"], strict=True)
    )
    assert [(ids[s], ids[t]) for s, t in pairs] == [
        (a["source"], a["target"]) for a in full["affiliation"]
    ]


def test_the_documents_are_derived_once_per_version_in_a_fixed_number_of_statements(
    seeded_app, member_client, monkeypatch
):
    made: list[str] = []
    for name, make in list(page_documents.DERIVED.items()):
        monkeypatch.setitem(
            page_documents.DERIVED,
            name,
            lambda document, make=make, name=name: made.append(name) or make(document),
        )
    member_client.get("/network.json")
    engine = seeded_app.extensions["database"].session.get_bind()
    with count_statements(engine) as first:
        assert member_client.get("/network/graph.json").status_code == 200
    with count_statements(engine) as second:
        assert member_client.get("/network/details.json").status_code == 200
        assert member_client.get("/network/graph.json").status_code == 200
    assert made == ["graph", "details"]  # both from one parse, then served as stored
    assert first.count <= 4 and second.count <= 8


def test_an_earlier_date_has_its_own_documents_and_a_bad_one_is_a_400(member_client):
    now = member_client.get("/network/graph.json").json
    then = member_client.get("/network/graph.json?as_of=2019-01-01").json
    assert then["as_of"] == "2019-01-01" and 0 < len(then["nodes"]["id"]) < len(now["nodes"]["id"])
    assert member_client.get("/network/details.json?as_of=nope").status_code == 400


def _document(n: int) -> dict:
    """A ring of `n` institutions whose i-th link weighs 1 + i % 3, plus a chord per node."""
    nodes = [
        {"id": i + 1, "label": f"I{i}", "sector": "academia", "weighted_degree": float(i), "x": 0}
        for i in range(n)
    ]
    edges = [
        {"source": i + 1, "target": (i + 1) % n + 1, "weight": float(1 + i % 3)} for i in range(n)
    ]
    edges += [{"source": i + 1, "target": (i + 7) % n + 1, "weight": 0.5} for i in range(0, n, 2)]
    return {"as_of": "2026-01-01", "nodes": nodes, "edges": edges}


@pytest.mark.parametrize(("n", "per_node"), [(2500, 2), (6000, 1)])
def test_a_large_network_draws_each_institutions_strongest_links(n, per_node):
    document = _document(n)
    graph = json.loads(page_documents.graph_document(document))
    assert graph["per_node"] == per_node and graph["edge_count"] == len(document["edges"])
    drawn = set(graph["edges"]["index"])
    edges = document["edges"]
    for v in (1, 2, n // 2, n):  # a few institutions (the full scan is quadratic)
        incident = sorted(
            (e for e, edge in enumerate(edges) if v in (edge["source"], edge["target"])),
            key=lambda e: (-edges[e]["weight"], e),
        )
        assert set(incident[:per_node]) <= drawn
    assert len(drawn) <= per_node * n and len(drawn) < len(edges)
    # No weaker chord is drawn when every node's strongest links are ring links.
    assert all(edges[e]["weight"] >= 1 for e in drawn)
    assert len(graph["labels"]) == page_documents.LABELLED
    assert graph["labels"][0][0] == n - 1  # the largest weighted degree first


def test_the_page_holds_the_first_rows_of_the_table_and_a_search_that_waits_for_the_script(
    member_client,
):
    html = member_client.get("/network").get_data(as_text=True)
    table = html.split('id="network-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr data-node-id=", table)
    full = member_client.get("/network.json").json
    assert len(rows) == min(20, len(full["nodes"]))
    assert 'id="network-table-more"' in html
    assert "Instituciones en la tabla: 20 de" in html
    button = re.search(r'<button[^>]*id="network-search-button"[^>]*>', html)
    assert button and "disabled" in button.group(0)
