"""The network page in headless Chromium: it draws, a node opens its panel, names stay text."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from xml.etree import ElementTree

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from coalition_app import create_app
from coalition_app.core.db import make_engine
from config import TestConfig
from models import Institution, Role, Tie, TieKind, User, comparison_key
from tests.browser.helpers import sign_in
from tests.databases import fresh_database_url

pytestmark = pytest.mark.browser

HOSTILE = '<script>alert("network")</script> Laboratorio'


@pytest.fixture(scope="module")
def network_server(tmp_path_factory) -> Iterator[str]:
    """A seeded live server whose data also holds an institution named like a script."""
    from seeds import load_all

    url = fresh_database_url("network_live", tmp_path_factory.mktemp("network_live"))
    engine = make_engine(url)
    with Session(engine) as session:
        load_all(session, demo=True, password_hash_method=TestConfig.PASSWORD_HASH_METHOD)
        hostile = Institution(name=HOSTILE, sector_slug="academia", joined_on=date(2019, 1, 1))
        session.add(hostile)
        session.flush()
        other = session.scalars(Institution.by_name("C Minds")).one()
        session.add(Tie.between(hostile, other, kind=TieKind.EVENT, since=date(2020, 1, 1)))
        # A focal point for every institution, so any suggestion can be introduced.
        for institution in session.scalars(select(Institution)):
            focal = User(
                email=f"enlace{institution.id}@example.org",
                full_name=f"Enlace {institution.id}",
                institution=institution,
                role=Role.MEMBER,
            )
            session.add(focal)
            institution.focal_point = focal
        session.commit()
    engine.dispose()
    config = TestConfig(url)
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.extensions["database"].engine.dispose()


@pytest.fixture
def network_page(browser, network_server):
    from tests.browser.helpers import PageWatcher

    context = browser.new_context(base_url=network_server, locale="es-MX")
    page = context.new_page()
    page.watcher = PageWatcher(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _open(page) -> None:
    sign_in(page, "member@example.org")
    page.goto("/network")
    page.wait_for_selector("#network-graph[data-ready='1']", timeout=15_000)


def test_network_page_draws_and_a_click_on_a_node_opens_its_panel(network_page, shoot):
    page = network_page
    _open(page)
    canvas_count = page.locator("#network-graph canvas").count()
    assert canvas_count > 0
    # The canvas is not blank: some pixel of the drawn layer is coloured.
    painted = page.evaluate(
        """() => {
          const canvases = document.querySelectorAll('#network-graph canvas');
          for (const c of canvases) {
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) return true; }
          }
          return false;
        }"""
    )
    assert painted
    assert int(page.get_attribute("#network-graph", "data-nodes")) > 100
    # The over-time chart is drawn too, from the figures of the table under it, once it comes
    # near the window (Chart.js is fetched then).
    page.locator("#network-over-time-chart").scroll_into_view_if_needed()
    page.wait_for_selector("#network-over-time-chart[data-drawn='true']")
    assert page.locator("#over-time-table tbody tr").count() >= 8

    # Click the node of C Minds where Cytoscape drew it (the view centred on it first, the
    # graph scrolled into the window).
    page.locator("#network-graph").scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
          const cy = window.coalitionNetwork.cy;
          const node = cy.nodes().filter(n => n.data('name') === 'C Minds')[0];
          cy.zoom(1.5);
          cy.center(node);
          // Big neighbours may overlap it: draw it above them, so that a click on its
          // centre is a click on it (Cytoscape hit-tests in drawing order).
          node.style('z-index', 9999);
          const box = document.getElementById('network-graph').getBoundingClientRect();
          const p = node.renderedPosition();
          return {x: box.left + p.x, y: box.top + p.y};
        }"""
    )
    page.wait_for_timeout(300)
    page.mouse.click(point["x"], point["y"])
    title = page.locator("#network-panel-title")
    assert title.text_content() == "C Minds"
    assert page.locator("#network-panel-ties li").count() > 0
    assert page.get_attribute("#network-panel-profile", "href").startswith("/institutions/")
    shoot(page, "network")
    assert page.watcher.errors == []


def test_keyboard_search_selects_an_institution(network_page):
    page = network_page
    _open(page)
    page.get_by_label("Buscar una institución").fill("Tecnológico de Monterrey")
    page.keyboard.press("Enter")
    assert page.locator("#network-panel-title").text_content() == "Tecnológico de Monterrey"
    # And from the table, by keyboard.
    button = page.locator("#network-table .network-select").nth(2)
    name = button.text_content()
    button.focus()
    page.keyboard.press("Enter")
    assert page.locator("#network-panel-title").text_content() == name
    assert page.watcher.errors == []


def test_filters_hide_nodes_and_the_table_sorts(network_page):
    page = network_page
    _open(page)
    before = page.text_content("#network-visible")
    page.locator("#sector-academia").uncheck()
    expect(page.locator("#network-visible")).not_to_have_text(before)
    hidden = page.evaluate("() => window.coalitionNetwork.cy.nodes('.hidden').length")
    assert hidden > 0
    page.locator(".network-sort[data-key='label']").click()
    first = page.locator("#network-table tbody tr").first.get_attribute("data-label")
    second = page.locator("#network-table tbody tr").nth(1).get_attribute("data-label")
    assert comparison_key(first) <= comparison_key(second) or first[0] == "<"
    assert page.watcher.errors == []


def test_a_script_saved_as_a_name_is_shown_as_text(network_page):
    page = network_page
    _open(page)
    page.get_by_label("Buscar una institución").fill("Laboratorio")
    page.keyboard.press("Enter")
    assert "<script>" in page.locator("#network-panel-title").text_content()
    assert page.locator("#network-panel-title script").count() == 0
    label = page.evaluate("""() => window.coalitionNetwork.cy.nodes(':selected')[0].data('name')""")
    assert "<script>" in label
    assert page.dialogs == []
    assert page.watcher.errors == []


def test_the_layout_is_drawn_with_labels_an_introduction_is_sent_and_the_view_exported(
    network_page, shoot, tmp_path
):
    page = network_page
    sign_in(page, "coordinator@example.org")
    page.goto("/network")
    page.wait_for_selector("#network-graph[data-ready='1']", timeout=15_000)
    # The server's layout (communities apart), with the largest institutions named.
    drawn = page.evaluate(
        """() => {
          const cy = window.coalitionNetwork.cy;
          const xs = new Set(cy.nodes().map(n => Math.round(n.position('x'))));
          return {distinct: xs.size, nodes: cy.nodes().length,
                  labelled: cy.nodes('.labelled').map(n => n.data('label'))};
        }"""
    )
    assert drawn["distinct"] > drawn["nodes"] / 3
    assert 5 <= len(drawn["labelled"]) <= 25
    # A selection is named and centred.
    page.get_by_label("Buscar una institución").fill("C Minds")
    page.keyboard.press("Enter")
    centred = page.evaluate(
        """() => {
          const cy = window.coalitionNetwork.cy;
          const node = cy.nodes(':selected')[0];
          const p = node.renderedPosition();
          // Centred on its box, which holds its name under it.
          const box = node.renderedBoundingBox();
          const mid = (box.y1 + box.y2) / 2;
          return [Math.abs(p.x - cy.width() / 2) < 2, Math.abs(mid - cy.height() / 2) < 2,
                  p.x, mid, cy.width(), cy.height()];
        }"""
    )
    assert centred[:2] == [True, True], centred
    # The affiliation layer adds dashed links; back to collaboration removes them.
    page.select_option("#network-layer", "both")
    assert page.evaluate("() => window.coalitionNetwork.cy.edges('.affiliation').length") > 0
    page.select_option("#network-layer", "two-mode")
    assert page.evaluate("() => window.coalitionNetwork.cy.nodes('.group-node').length") > 0
    page.select_option("#network-layer", "collaboration")
    # A saved view comes back after a reload.
    page.fill("#network-view-name", "Sin academia")
    page.locator("#sector-academia").uncheck()
    page.click("#network-view-save")
    page.reload()
    page.wait_for_selector("#network-graph[data-ready='1']", timeout=15_000)
    page.select_option("#network-view-list", "Sin academia")
    assert not page.locator("#sector-academia").is_checked()
    # PNG of the current view.
    with page.expect_download() as download_info:
        page.click("#network-png")
    path = tmp_path / "view.png"
    download_info.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000
    # SVG of the current view: well-formed, with the drawn nodes, links and labels.
    with page.expect_download() as download_info:
        page.click("#network-svg")
    assert download_info.value.suggested_filename.endswith(".svg")
    svg_path = tmp_path / "view.svg"
    download_info.value.save_as(svg_path)
    root = ElementTree.parse(svg_path).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    drawn_nodes = root.findall(".//svg:circle", ns)
    on_screen = page.evaluate(
        """() => {
          const cy = window.coalitionNetwork.cy, w = cy.width(), h = cy.height();
          const shown = cy.nodes(':visible').filter(n => {
            const p = n.renderedPosition();
            return p.x >= 0 && p.x <= w && p.y >= 0 && p.y <= h;
          });
          return {ids: shown.map(n => n.id()),
                  labels: shown.map(n => n.style('label')).filter(l => l)};
        }"""
    )
    assert on_screen["ids"] and {c.get("data-id") for c in drawn_nodes} >= set(on_screen["ids"])
    assert root.findall(".//svg:line", ns)
    captions = [t.text for t in root.findall(".//svg:text", ns)]
    assert on_screen["labels"] and set(captions) >= set(on_screen["labels"])
    assert not root.findall(".//svg:script", ns)
    assert page.locator("#network-graph").get_attribute("data-exported") == "svg"
    shoot(page, "network-layout")
    # "Introduce" on the first suggestion: the form, then the page says when.
    page.locator("#introductions .introduce-link").first.click()
    expect(page.locator("h1")).to_contain_text("Presentar a")
    page.get_by_role("button", name="Enviar la presentación").click()
    page.wait_for_url("**/network*")
    expect(page.locator("#introductions .introduced-on").first).to_contain_text("Presentadas el")
    assert page.watcher.errors == []


def _large_documents(n: int) -> tuple[bytes, bytes, int]:
    """The page's two documents for a made-up network of `n` institutions, ten links each
    (the synthetic coalition's shape), from the same functions the server uses."""
    import random

    from coalition_app.network import page_documents

    rng = random.Random(1)
    sectors = ["academia", "government", "industry", "civil_society"]
    nodes = [
        {
            "id": i + 1,
            "label": f"Institución {i + 1}",
            "acronym": None,
            "sector": sectors[i % 4],
            "state": None,
            "founder": False,
            "joined_on": "2020-01-01",
            "groups": ["etica"] if i % 50 == 0 else [],
            "x": rng.uniform(-2000, 2000),
            "y": rng.uniform(-2000, 2000),
            **{key: rng.random() * 10 for key in page_documents.MEASURES},
        }
        for i in range(n)
    ]
    edges = []
    seen = set()
    while len(edges) < 5 * n:
        u, v = sorted(rng.sample(range(1, n + 1), 2))
        if (u, v) not in seen:
            seen.add((u, v))
            reason = {"type": "tie", "kind": "joint_project", "status": "confirmed"}
            reason["since"] = "2021-01-01"
            edges.append(
                {
                    "source": u,
                    "target": v,
                    "weight": rng.choice([1, 2, 3]) * 1.0,
                    "reasons": [reason],
                }
            )
    document = {"as_of": "2026-12-01", "nodes": nodes, "edges": edges, "affiliation": []}
    graph = page_documents.graph_document(document)
    drawn = len(json.loads(graph)["edges"]["index"])
    return graph, page_documents.details_document(document), drawn


def test_ten_thousand_institutions_are_drawn_and_the_details_come_on_demand(network_page):
    """The drawing at 10,000 (an overview first, then WebGL, each institution's strongest
    link) without an error; the details are fetched only when the search needs them."""
    page = network_page
    graph, details, drawn = _large_documents(10_000)
    asked: list[str] = []

    def serve(body: bytes):
        def handler(route):
            asked.append(route.request.url)
            route.fulfill(status=200, content_type="application/json", body=body)

        return handler

    page.route("**/network/graph.json*", serve(graph))
    page.route("**/network/details.json*", serve(details))
    sign_in(page, "member@example.org")
    page.goto("/network")
    # First an overview painted on one canvas, without Cytoscape (issue 17: seconds of a
    # phone's main thread at this size); its names are there, and the hint says what to do.
    page.wait_for_selector("#network-graph[data-overview='1']", timeout=30_000)
    assert page.evaluate("() => typeof window.cytoscape") == "undefined"
    assert page.get_attribute("#network-graph", "data-nodes") == "10000"
    painted = page.evaluate(
        """() => {
            const canvas = document.querySelector("#network-graph canvas.network-overview");
            const pixels = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) painted++; }
            return painted;
        }"""
    )
    assert painted > 5_000
    expect(page.locator("#network-loading")).to_contain_text("toque el grafo o haga clic")
    # A click on it makes the graph interactive: Cytoscape replaces the overview.
    page.locator("#network-graph").click()
    page.wait_for_selector("#network-graph[data-ready='1']", timeout=30_000)
    page.wait_for_function("() => window.coalitionNetwork.edgesPaintedAt", timeout=30_000)
    assert page.locator("#network-graph canvas.network-overview").count() == 0
    expect(page.locator("#network-loading")).to_be_hidden()
    assert page.get_attribute("#network-graph", "data-renderer") == "webgl"
    counts = page.evaluate(
        "() => [coalitionNetwork.cy.nodes().length, coalitionNetwork.cy.edges().length]"
    )
    assert counts == [10_000, drawn] and drawn < 50_000
    assert [url for url in asked if "details" in url] == []
    # The backbone is said in the count line.
    expect(page.locator("#network-visible")).to_contain_text("10")
    page.get_by_label("Buscar una institución").fill("Institución 1234")
    page.keyboard.press("Enter")
    # The details (3.5 MB) are parsed and joined first: seconds on a loaded machine.
    expect(page.locator("#network-panel-title")).to_have_text("Institución 1234", timeout=20_000)
    assert len([url for url in asked if "details" in url]) == 1
    assert page.locator("#network-panel-ties li").count() > 0
    # The table grows from the details.
    page.click("#network-table-more")
    expect(page.locator("#network-table tbody tr")).to_have_count(120)
    assert page.watcher.errors == []


def test_on_a_phone_the_graph_waits_and_an_early_search_does_not_reload_the_page(network_page):
    """At 390 px the graph is below the controls: Cytoscape is fetched and the graph drawn
    when it is needed (here: by the search). Enter before the page's script has run does
    not submit the form (its button is disabled until then)."""
    page = network_page
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, "member@example.org")
    held = []
    page.route("**/static/js/network.js*", lambda route: held.append(route))
    page.goto("/network", wait_until="commit")  # deferred scripts hold DOMContentLoaded
    page.wait_for_selector("#network-table-more")  # the document is parsed to its end
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_label("Buscar una institución").fill("C Minds")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert navigations == [] and page.locator("#network-search-button").is_disabled()
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#network-search-button")).to_be_enabled()
    assert page.evaluate("() => typeof window.cytoscape") == "undefined"
    assert page.get_attribute("#network-graph", "data-ready") is None
    page.keyboard.press("Enter")
    expect(page.locator("#network-panel-title")).to_have_text("C Minds")
    assert page.get_attribute("#network-graph", "data-ready") == "1"
    assert navigations == []
    assert page.watcher.errors == []
