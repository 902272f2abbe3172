"""The network's XML downloads stay well-formed whatever the database holds: a name with a
control character written before the forms refused them (or straight into the database)
must not make /network.gexf and /network.graphml unreadable for everyone."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import networkx as nx
import pytest

from coalition_app.network.cache import xml_safe
from models import Tie, TieKind

BAD_NAME = "Instituto\x1b[31m Rojo\x07\ufffe"  # (PostgreSQL refuses NUL itself)
BAD_ACRONYM = "IR\x0b\x7f"


@pytest.fixture
def bad_rows(db_session, make_institution):
    """An institution whose name and acronym hold characters XML 1.0 cannot hold, written
    directly (no form, no import), tied to another one."""
    bad = make_institution(name=BAD_NAME, acronym=BAD_ACRONYM)
    other = make_institution(name="Universidad Limpia", acronym="UL")
    db_session.add(Tie.between(bad, other, kind=TieKind.EVENT, since=date(2020, 1, 1)))
    db_session.commit()
    return bad


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_exports_are_well_formed_xml_after_a_bad_row(client, login_as, bad_rows, fmt):
    login_as()
    response = client.get(f"/network.{fmt}")
    assert response.status_code == 200
    body = response.get_data()
    root = ET.fromstring(body)  # raises on malformed XML
    assert root.tag.endswith("gexf" if fmt == "gexf" else "graphml")
    text = body.decode("utf-8")
    assert "Instituto[31m Rojo" in text  # the name, without what XML cannot hold
    for character in "\x1b\x07\ufffe\x0b":  # XML 1.0 forbids these (DEL it allows)
        assert character not in text
    reader = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    graph = reader(io.BytesIO(body))
    assert graph.number_of_edges() >= 1


def test_the_json_keeps_the_name_as_stored(client, login_as, bad_rows):
    """JSON can carry any character escaped: only the XML is cleaned."""
    login_as()
    nodes = client.get("/network.json").get_json()["nodes"]
    assert any(node.get("label") == BAD_NAME or node.get("name") == BAD_NAME for node in nodes)


def test_xml_safe_keeps_what_xml_allows():
    kept = "tab\tnl\ncr\r ñ 😀 \ud7ff\ue000\ufffd"
    assert xml_safe(kept) == kept
    assert xml_safe({"a\x01": ["b\x02", ("c\x1f",)], "n": 3}) == {"a": ["b", ("c",)], "n": 3}
