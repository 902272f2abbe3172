"""The GEXF and GraphML exports are valid against their formats' official XML schemas.

Gephi, yEd, Cytoscape and friends accept what validates; the schemas (with their licences)
are in `tests/network/schemas/`.
"""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree

from coalition_app.network.measures import (
    build_graph,
    node_measures,
    to_gexf_bytes,
    to_graphml_bytes,
)

SCHEMAS = Path(__file__).parent / "schemas"
GEXF_XSD = SCHEMAS / "gexf-1.2draft" / "gexf.xsd"
GRAPHML_XSD = SCHEMAS / "graphml-1.1" / "graphml.xsd"


def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def _assert_valid(schema_path: Path, payload: bytes) -> etree._ElementTree:
    document = etree.parse(io.BytesIO(payload))
    schema = _schema(schema_path)
    assert schema.validate(document), str(schema.error_log)
    return document


@pytest.fixture
def graph() -> nx.Graph:
    """Every kind of attribute the exports write: text, lists, booleans, None, an isolate."""
    return build_graph(
        [
            {"id": 1, "label": "Secretaría <Digital> & Co", "sector": "government",
             "groups": ["etica", "datos"], "founder": True, "joined_on": "2019-01-01"},
            {"id": 2, "label": "Universidad", "acronym": "UNI", "sector": "academia",
             "groups": ["etica"], "state": "Jalisco"},
            {"id": 3, "label": "Empresa", "sector": "industry"},
            {"id": 4, "label": "Aislada", "sector": "civil_society"},
        ],
        [
            (1, 2, {"type": "tie", "kind": "joint_project", "status": "confirmed",
                    "since": "2019-05-01", "weight": 2.5}),
            (1, 2, {"type": "meetings", "count": 2, "weight": 0.75}),
            (2, 3, {"type": "deliverable", "deliverable_id": 7}),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("export", "xsd"),
    [(to_gexf_bytes, GEXF_XSD), (to_graphml_bytes, GRAPHML_XSD)],
    ids=["gexf", "graphml"],
)
def test_exports_validate_against_their_official_schema(graph, export, xsd):
    values, _ = node_measures(graph)
    # Both layers: the pair (1, 2) collaborates and shares a group, so two edges.
    document = _assert_valid(xsd, export(graph, values, [(1, 2, ["etica"])]))
    # Validation is of the whole document, not of an empty shell.
    ids = {element.get("id") for element in document.iter("{*}node")}
    assert ids == {"1", "2", "3", "4"}
    assert len(list(document.iter("{*}edge"))) == 3
    text = etree.tostring(document).decode()
    assert "collaboration" in text and "affiliation" in text


@pytest.mark.parametrize("xsd", [GEXF_XSD, GRAPHML_XSD], ids=["gexf", "graphml"])
def test_the_schemas_refuse_what_they_do_not_allow(xsd):
    # What networkx's own GEXF writer puts on <graph>, and the like for GraphML: the check
    # above would catch it.
    if xsd == GEXF_XSD:
        bad = (
            b'<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">'
            b'<graph defaultedgetype="undirected" mode="static" name=""><nodes/></graph></gexf>'
        )
    else:
        bad = (
            b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            b'<graph edgedefault="sideways"/></graphml>'
        )
    assert not _schema(xsd).validate(etree.parse(io.BytesIO(bad)))


@pytest.mark.parametrize(("fmt", "xsd"), [("gexf", GEXF_XSD), ("graphml", GRAPHML_XSD)])
def test_the_served_downloads_validate_against_their_official_schema(member_client, fmt, xsd):
    response = member_client.get(f"/network.{fmt}")
    assert response.status_code == 200
    document = _assert_valid(xsd, response.data)
    served = member_client.get("/network.json").json
    nodes = {element.get("id") for element in document.iter("{*}node")}
    assert nodes == {str(node["id"]) for node in served["nodes"]}
