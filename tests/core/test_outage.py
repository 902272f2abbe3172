"""With the database gone, pages answer a styled 503 quickly; when it is back, the app recovers
by itself (no restart). PostgreSQL only: it plays the outage with a TCP proxy in between."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import make_url

from coalition_app import create_app
from config import TestConfig
from tests.databases import base_url
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(
    not (base_url() or "").startswith("postgresql"),
    reason="needs PostgreSQL (TEST_DATABASE_URL); .ci/run runs it in its PostgreSQL pass",
)


def test_database_outage_gives_503_within_2_seconds_and_recovers(seeded_database_url):
    url = make_url(seeded_database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    config = TestConfig(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    app = create_app(config)
    client = app.test_client()
    try:
        response = client.post(
            "/login", data={"email": "member@example.org", "password": "coalition-demo"}
        )
        assert response.status_code == 302
        assert client.get("/").status_code == 200

        proxy.stop()
        for path in ("/", "/groups/etica", "/readyz"):
            started = time.monotonic()
            response = client.get(path)
            elapsed = time.monotonic() - started
            assert response.status_code == 503, path
            assert elapsed < 2.0, (path, elapsed)
        page = client.get("/").get_data(as_text=True)
        assert "No disponible por el momento" in page and "Traceback" not in page

        proxy.start()
        assert client.get("/readyz").status_code == 200
        assert client.get("/").status_code == 200
    finally:
        proxy.stop()
        app.extensions["database"].engine.dispose()
