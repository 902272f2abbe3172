"""`/docs/api`: the served OpenAPI document as a page, linked from the tokens page."""

from __future__ import annotations

import html as html_lib
import re

from coalition_app.api.openapi import document
from tests.helpers import count_statements

DEMO_PASSWORD = "coalition-demo"


def _sign_in(client, email="member@example.org"):
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_the_tokens_page_links_to_the_served_api_documentation(seeded_client):
    _sign_in(seeded_client)
    page = seeded_client.get("/account/tokens").get_data(as_text=True)
    assert 'href="/docs/api"' in page
    assert 'href="/api/v1/openapi.json"' in page
    assert "docs/api.md" not in page  # no file of the repository


def test_the_documentation_page_is_public_and_shows_every_operation_and_schema(seeded_app):
    response = seeded_app.test_client().get("/docs/api")
    assert response.status_code == 200
    page = html_lib.unescape(response.get_data(as_text=True))
    served = document(seeded_app)
    for path, item in served["paths"].items():
        for method, operation in item.items():
            assert f"<code>{method.upper()} {path}</code>" in page, (method, path)
            assert f'id="{operation["operationId"]}"' in page
    for name in served["components"]["schemas"]:
        assert f'id="schema-{name}"' in page, name
    # The credentials each route needs, as the document says them (Spanish by default).
    assert "ninguna (pública)" in _section(page, "api_openapi_get")
    assert "un token o la sesión" in _section(page, "api_network_get")
    assert "X-CSRFToken" in _section(page, "api_update_task_patch")
    # Typed fields, linked to their schemas.
    node = _schema_card(page, "NetworkNode")
    assert "<code>betweenness</code>" in node and "number | null" in node
    edge = _schema_card(page, "NetworkEdge")
    assert 'array of <a href="#schema-TieReason">TieReason</a>' in edge
    assert "(> 0)" in edge  # the weight's bound


def _section(page: str, anchor: str) -> str:
    match = re.search(rf'<section[^>]*id="{anchor}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def _schema_card(page: str, name: str) -> str:
    start = page.index(f'id="schema-{name}"')
    end = page.find('id="schema-', start + 1)
    return page[start : end if end > 0 else None]


def test_the_documentation_page_in_english(seeded_client):
    seeded_client.post("/language/en")
    page = seeded_client.get("/docs/api").get_data(as_text=True)
    assert "API documentation" in page and "none (public)" in page


def test_the_documentation_page_runs_a_fixed_number_of_queries(seeded_app, seeded_client):
    _sign_in(seeded_client)
    engine = seeded_app.extensions["database"].session.get_bind()
    seeded_client.get("/docs/api")
    with count_statements(engine) as signed_in:
        assert seeded_client.get("/docs/api").status_code == 200
    anonymous = seeded_app.test_client()
    with count_statements(engine) as signed_out:
        assert anonymous.get("/docs/api").status_code == 200
    assert signed_out.count == 0  # the document is built from the code, not the data
    assert signed_in.count <= 3  # the person and their unread count, as on every page


def test_the_documentation_body_is_kept_per_language_and_shows_each_language(seeded_app):
    """The routes and schemas are rendered once per language and kept: a Spanish view then an
    English one on the same app each get their own language, and the signed-in sentence is
    still the viewer's."""
    spanish = seeded_app.test_client().get("/docs/api").get_data(as_text=True)
    english_client = seeded_app.test_client()
    english_client.post("/language/en")
    english = english_client.get("/docs/api").get_data(as_text=True)
    assert "ninguna (pública)" in spanish and "none (public)" not in spanish
    assert "none (public)" in english and "ninguna (pública)" not in english
    assert set(seeded_app.extensions["openapi_docs_bodies"]) == {"es", "en"}
    member = seeded_app.test_client()
    _sign_in(member)
    signed_in = member.get("/docs/api").get_data(as_text=True)
    assert 'href="/account/tokens"' in signed_in and 'href="/account/tokens"' not in spanish
    assert "ninguna (pública)" in signed_in
