"""Headers on every response, health endpoints, and no state change on GET."""

import pytest

from coalition_app.core.security import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/",
        "/groups/",
        "/my-work",
        "/inbox",
        "/nowhere",
        "/static/css/app.css",
        "/healthz",
    ],
)
def test_every_response_carries_the_security_headers(client, login_as, path):
    login_as()
    with client.get(path) as response:
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # development: no HSTS


def test_hsts_in_production(monkeypatch):
    from coalition_app import create_app

    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://coalition.example")
    app = create_app()
    response = app.test_client().get("/healthz", base_url="https://coalition.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]


def test_no_template_has_inline_script_or_handlers():
    import re
    from pathlib import Path

    for path in Path("templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S):
            attributes, body = match.groups()
            assert "src=" in attributes or 'type="application/json"' in attributes, path
            if "src=" in attributes:
                assert not body.strip(), path
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline handler in {path}"
        assert not re.search(r"\sstyle\s*=", text), f"inline style in {path}"
        assert "//cdn" not in text and "unpkg.com" not in text, path


def test_healthz_and_readyz_need_no_sign_in(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["database"] == "ok"


def test_readyz_says_503_when_the_database_is_unreachable():
    from coalition_app import create_app
    from config import TestConfig

    app = create_app(TestConfig("postgresql+psycopg://nobody@127.0.0.1:9/nothing"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_csp_constant_is_what_is_sent(client):
    assert client.get("/login").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
