"""The network page, its downloads and GET /api/v1/network."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import networkx as nx
import pytest

from coalition_app.network import cache as network_cache
from coalition_app.network.schemas import Network
from models import Role, Tie, TieKind
from tests.helpers import FAST_HASH, count_statements

DEMO_PASSWORD = "coalition-demo"


def _sign_in_demo(client, email="member@example.org"):
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return response


def test_api_requires_sign_in_with_a_json_401(seeded_client):
    response = seeded_client.get("/api/v1/network")
    assert response.status_code == 401
    assert response.is_json and response.json["error"]["status"] == 401


@pytest.mark.parametrize("path", ["/network", "/network.json", "/network.gexf", "/network.graphml"])
def test_pages_and_downloads_redirect_anonymous_people_to_sign_in(seeded_client, path):
    response = seeded_client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_api_returns_node_link_json_with_measures(member_client):
    response = member_client.get("/api/v1/network")
    assert response.status_code == 200 and response.is_json
    data = response.json
    assert {"nodes", "edges", "coalition", "measures_info", "weight_rule"} <= set(data)
    node = data["nodes"][0]
    for key in ("id", "label", "sector", "groups", "degree", "weighted_degree", "betweenness"):
        assert key in node
    assert data["measures_info"]["betweenness"] == "exact"
    edge = data["edges"][0]
    assert {"source", "target", "weight", "reasons"} <= set(edge)
    assert 0 < data["coalition"]["cross_sector_share"] < 1
    assert response.headers["X-Network-Version"].isdigit()


@pytest.mark.parametrize(
    "query", ["as_of=yesterday", "as_of=2017-12-31", f"as_of={date.today() + timedelta(days=1)}"]
)
def test_bad_dates_are_a_json_400_on_the_api_and_a_400_page(member_client, query):
    api = member_client.get(f"/api/v1/network?{query}")
    assert api.status_code == 400 and api.json["error"]["status"] == 400
    assert member_client.get(f"/network?{query}").status_code == 400


def test_an_earlier_date_gives_a_smaller_network(member_client):
    now = member_client.get("/api/v1/network").json
    then = member_client.get("/api/v1/network?as_of=2019-01-01").json
    assert then["as_of"] == "2019-01-01"
    assert 0 < len(then["nodes"]) < len(now["nodes"])


def test_the_network_page_shows_the_figures_rule_and_downloads(member_client):
    response = member_client.get("/network")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="network-graph"' in html and 'id="network-config"' in html
    # The weight rule, made of the constants the code weighs with.
    assert "cada vínculo registrado cuenta 3 si es un proyecto conjunto" in html
    assert "por 0.5 hasta que la otra parte lo confirma" in html and "con cada 3 años" in html
    assert "1/(n-1) si asistieron n instituciones" in html
    # One plain-language line per measure.
    assert "Intermediación: qué tanto une a instituciones que de otro modo no se hablan." in html
    sizes = re.findall(
        r'<option value="(\w+)"', html.split('id="network-size"')[1].split("</select>")[0]
    )
    explained = set(re.findall(r'<li data-measure="(\w+)">', html))
    assert sizes and set(sizes) <= explained, set(sizes) - explained
    assert (
        'id="network-png"' in html and 'id="network-svg"' in html and 'id="network-layer"' in html
    )
    assert "La intermediación es exacta" in html
    assert 'id="mixing-table"' in html and "heat-" in html
    assert 'id="over-time-table"' in html and "2018-12-31" in html
    assert "/network.gexf" in html and "/network.graphml" in html
    assert "/static/vendor/cytoscape/cytoscape.min.js" in html
    # No inline code or style: strict CSP ready.
    assert "style=" not in html and " onclick=" not in html
    config = json.loads(html.split('id="network-config">', 1)[1].split("</script>", 1)[0])
    assert config["graphUrl"] == "/network/graph.json"
    assert config["detailsUrl"] == "/network/details.json"


def test_page_shows_the_age_of_the_version_it_serves(member_client):
    html = member_client.get("/network").get_data(as_text=True)
    assert 'id="network-status"' in html


def test_institution_names_are_escaped_on_the_page(seeded_app, seeded_session):
    from werkzeug.security import generate_password_hash

    from models import Institution, User

    hostile = Institution(
        name='<script>alert("x")</script> Lab',
        sector_slug="academia",
        joined_on=date(2019, 1, 1),
    )
    seeded_session.add(hostile)
    seeded_session.flush()
    other = seeded_session.scalars(
        Institution.by_name("Universidad Nacional Autónoma de México")
    ).one()
    seeded_session.add(Tie.between(hostile, other, kind=TieKind.EVENT, since=date(2020, 1, 1)))
    seeded_session.add(
        User(
            email="hostile@example.org",
            full_name="Persona",
            institution=hostile,
            role=Role.MEMBER,
            password_hash=generate_password_hash("pw-123456789", FAST_HASH),
        )
    )
    seeded_session.commit()
    client = seeded_app.test_client()
    client.post("/login", data={"email": "hostile@example.org", "password": "pw-123456789"})
    html = client.get("/network").get_data(as_text=True)
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(" in html
    # In the embedded JSON the name never closes the script element either.
    assert client.get("/api/v1/network").json["nodes"]


def test_page_runs_a_fixed_number_of_queries(seeded_app, member_client, seeded_session):
    member_client.get("/network")  # build the cache
    engine = seeded_app.extensions["database"].session.get_bind()
    with count_statements(engine) as cached:
        assert member_client.get("/network").status_code == 200
    with count_statements(engine) as api:
        assert member_client.get("/api/v1/network").status_code == 200
    # Two of them: the introductions of the suggested pairs and the latest ones.
    assert cached.count <= 10
    assert api.count <= 4


def _parse(fmt: str, payload: bytes) -> nx.Graph:
    reader = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    return reader(io.BytesIO(payload))


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_exports_parse_back_with_the_same_nodes_edges_and_attributes(member_client, fmt):
    data = member_client.get("/network.json").json
    response = member_client.get(f"/network.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    G = _parse(fmt, response.data)
    assert {int(v) for v in G} == {n["id"] for n in data["nodes"]}
    # Both layers, told apart by the edge attribute `layer`.
    layers: dict[str, set] = {"collaboration": set(), "affiliation": set()}
    for u, v, attrs in G.edges(data=True):
        layers[attrs["layer"]].add(tuple(sorted((int(u), int(v)))))
    assert layers["collaboration"] == {
        tuple(sorted((e["source"], e["target"]))) for e in data["edges"]
    }
    assert layers["affiliation"] == {
        tuple(sorted((e["source"], e["target"]))) for e in data["affiliation"]
    }
    assert data["affiliation"] and len(data["affiliation"]) > len(data["edges"])
    node = data["nodes"][0]
    attrs = G.nodes[str(node["id"])]
    assert attrs["label"] == node["label"]
    assert attrs["sector"] == node["sector"]
    assert attrs["degree"] == node["degree"]
    assert attrs["betweenness"] == pytest.approx(node["betweenness"])
    if node["groups"]:
        assert attrs["groups"] == ";".join(node["groups"])
    edge = data["edges"][0]
    exported = next(
        attrs
        for attrs in G.get_edge_data(str(edge["source"]), str(edge["target"])).values()
        if attrs["layer"] == "collaboration"
    )
    assert exported["weight"] == pytest.approx(edge["weight"])
    assert exported["reasons"].split(";")[0].startswith(edge["reasons"][0]["type"])


def test_json_download_is_the_api_document(member_client):
    download = member_client.get("/network.json?download=1")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.json == member_client.get("/api/v1/network").json


def test_a_change_rebuilds_what_the_api_serves(seeded_app, member_client, seeded_session):
    from models import Institution

    first = member_client.get("/api/v1/network")
    cache = seeded_app.extensions[network_cache.EXTENSION]
    member_client.get("/api/v1/network")
    assert cache.builds == 1
    newcomer = Institution(
        name="Recién llegada", sector_slug="industry", joined_on=date(2020, 1, 1)
    )
    seeded_session.add(newcomer)
    seeded_session.commit()
    second = member_client.get("/api/v1/network")
    assert cache.builds == 2
    assert int(second.headers["X-Network-Version"]) > int(first.headers["X-Network-Version"])
    assert len(second.json["nodes"]) == len(first.json["nodes"]) + 1


def test_a_first_large_build_answers_202_and_a_waiting_page(seeded_app, member_client):
    cache = seeded_app.extensions[network_cache.EXTENSION]
    cache.threshold = 0
    cache.schedule = lambda c, day: None
    api = member_client.get("/api/v1/network")
    assert api.status_code == 202 and api.json["status"] == "building"
    assert api.headers["Retry-After"] == "5"
    page = member_client.get("/network")
    assert page.status_code == 202
    assert 'http-equiv="refresh"' in page.get_data(as_text=True)


def test_the_page_says_whether_betweenness_is_exact_or_estimated_and_how(seeded_app, member_client):
    seeded_app.config.update(BETWEENNESS_EXACT_LIMIT=20, BETWEENNESS_ERROR=0.01)
    cache = network_cache.get_cache(seeded_app)
    cache.settings = network_cache.settings_from_config(seeded_app.config)
    html = member_client.get("/network").get_data(as_text=True)
    assert "el método KADABRA muestreó" in html and "las primeras 10 en su orden exacto" in html
    assert "La intermediación es exacta" not in html
    response = member_client.get("/api/v1/network")
    info = response.json["measures_info"]
    assert info["betweenness"] == "sampled" and info["error"] == 0.01 and info["top"] == 10
    assert f"{info['samples']:,}" in html
    # The estimated document is the documented one too (closeness null, samples given).
    assert Network.model_validate_json(response.get_data()).measures_info.samples > 0
