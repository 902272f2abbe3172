"""Static files under addresses with their content's hash (core/static_files.py): a year in the
browser's cache for the current address, five minutes for any other."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from coalition_app.core.static_files import IMMUTABLE, StaticVersions

STATIC = Path(__file__).resolve().parents[2] / "coalition_app" / "static"


def _get(client, path: str):
    response = client.get(path)
    response.close()
    return response


def test_pages_link_static_files_by_their_hash_and_those_are_kept_a_year(client, login_as):
    login_as()
    page = client.get("/my-work").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any("bootstrap.min.css" in link for link in links)
    for link in links:
        name, _, version = link.removeprefix("/static/").partition("?v=")
        expected = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        assert version == expected, link
        response = _get(client, link)
        assert response.status_code == 200, link
        assert response.headers["Cache-Control"] == IMMUTABLE, link


def test_an_address_without_the_current_hash_is_kept_five_minutes(client):
    for path in ("/static/css/app.css", "/static/css/app.css?v=0123456789ab"):
        response = _get(client, path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300", path
    assert _get(client, "/static/css/nothing-here.css?v=1").status_code == 404


def test_in_development_an_edited_file_gets_a_new_hash(tmp_path):
    script = tmp_path / "js" / "app.js"
    script.parent.mkdir()
    script.write_text("one")
    watched, fixed = StaticVersions(tmp_path, track_changes=True), StaticVersions(tmp_path)
    first = watched.version("js/app.js")
    assert first == fixed.version("js/app.js")
    script.write_text("two")
    os.utime(script, (1, 1))
    assert watched.version("js/app.js") not in (None, first)
    assert fixed.version("js/app.js") == first
    assert watched.version("js/missing.js") is None
