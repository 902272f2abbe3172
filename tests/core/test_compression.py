"""Compressed answers (core/compression.py): pages, JSON and static text in the encoding the
browser accepts; cached pages and the public site's 304s unchanged by it; downloads never."""

from __future__ import annotations

import gzip

import brotli
import flask_compress.flask_compress as flask_compress
import pytest
from flask import template_rendered

from models import Notification, NotificationKind

BR = {"Accept-Encoding": "br, gzip"}


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    assert encoding is None, encoding
    return data


@pytest.mark.parametrize(
    ("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("", None), ("identity", None)]
)
def test_a_page_comes_in_the_encoding_the_browser_accepts(client, login_as, accept, encoding):
    login_as()
    client.get("/my-work")  # reads the welcome message
    plain = client.get("/my-work")
    response = client.get("/my-work", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    page = _decoded(response).decode()
    assert page.startswith("<!doctype html>") and len(page) > len(response.get_data()) // 2
    assert len(page) == pytest.approx(len(plain.get_data()), rel=0.05)  # only tokens differ


def test_json_css_javascript_and_svg_are_compressed_small_answers_not(app, client, login_as):
    login_as()
    for path in (
        "/api/v1/institutions",
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/vendor/bootstrap/bootstrap.bundle.min.js",
    ):
        plain = client.get(path)
        expected = plain.get_data()
        plain.close()
        response = client.get(path, headers=BR)
        assert response.headers.get("Content-Encoding") == "br", path
        assert _decoded(response) == expected, path
        response.close()
    small = client.get("/healthz", headers=BR)  # under COMPRESS_MIN_SIZE
    assert "Content-Encoding" not in small.headers


def test_a_static_file_still_answers_304_when_compressed(client):
    path = "/static/vendor/bootstrap/bootstrap.min.css"
    first = client.get(path, headers=BR)
    first.close()
    assert first.headers["Content-Encoding"] == "br" and first.headers["ETag"]
    again = client.get(path, headers={**BR, "If-None-Match": first.headers["ETag"]})
    again.close()
    assert again.status_code == 304 and again.data == b""


def test_a_cached_page_is_rendered_once_and_served_in_every_encoding(app, client, login_as):
    app.config["PAGE_CACHE_ENABLED"] = True
    login_as()
    client.get("/my-work")  # reads the welcome message: the next pages carry none
    rendered: list[str] = []

    def record(_sender, template, **_extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        plain = client.get("/").get_data()
        for accept in ("br", "gzip", ""):
            response = client.get("/", headers={"Accept-Encoding": accept})
            assert _decoded(response) == plain, accept
    assert rendered.count("home/index.html") == 1


def test_a_cached_pages_compressed_copy_is_kept_and_follows_the_page(
    app, client, login_as, db_session, monkeypatch
):
    app.config["PAGE_CACHE_ENABLED"] = True
    user = login_as()
    client.get("/my-work")  # reads the welcome message: the next pages carry none
    calls: list[str] = []
    real = flask_compress._compress_data

    def counted(app_, data, algorithm):
        calls.append(algorithm)
        return real(app_, data, algorithm)

    monkeypatch.setattr(flask_compress, "_compress_data", counted)

    first = client.get("/", headers=BR)
    again = client.get("/", headers=BR)
    plain = client.get("/").get_data()
    assert _decoded(first) == _decoded(again) == plain
    assert calls == ["br"]  # compressed when stored, then served as kept

    # The page changes (a new unread notification: another key), so does its copy.
    db_session.add(
        Notification(user_id=user.id, kind=NotificationKind.TASK_ASSIGNED, params={}, link="/")
    )
    db_session.commit()
    changed = client.get("/", headers=BR)
    assert b'id="unread-count">1<' in _decoded(changed)
    assert calls == ["br", "br"]

    # A page stored again under the same key (past its TTL) drops the copies of the old one.
    store = app.extensions["page_cache"]
    copies = [key for key in store._items if key.endswith("\x1fbr")]
    page_key = copies[-1].removesuffix("\x1fbr")
    store.delete(page_key)  # as if it had expired
    client.get("/", headers={"Accept-Encoding": "gzip"})
    assert store.get(page_key) is not None and store.get(f"{page_key}\x1fbr") is None
    assert store.get(f"{page_key}\x1fgzip") is not None


def test_the_public_sites_304_works_compressed(client, make_institution):
    make_institution(name="Institución Pública", acronym="IP")
    first = client.get("/miembros", headers=BR)
    assert first.headers["Content-Encoding"] == "br"
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and ":br" not in tag  # weak: the same in every encoding
    for accept in ("br", "gzip", ""):
        again = client.get("/miembros", headers={"Accept-Encoding": accept, "If-None-Match": tag})
        assert again.status_code == 304 and again.data == b"", accept


def test_a_csv_download_is_not_compressed(client, login_as):
    from models import Role

    login_as(role=Role.COORDINATOR)
    response = client.get("/institutions/export.csv", headers=BR)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Content-Encoding" not in response.headers


def test_sign_in_page_compressed_too(client):
    # The sign-in form carries a CSRF token as every page does (SECURITY.md: BREACH).
    response = client.get("/login", headers=BR)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
