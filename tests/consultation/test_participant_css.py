"""The participant pages' own stylesheet: Bootstrap's rules they use, kept up to date."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "participant_css", ROOT / "scripts/participant_css.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_participant_stylesheet_is_generated_from_the_templates_and_bootstrap():
    script = _script()
    assert script.OUTPUT.read_text() == script.build(), (
        "Stale: run `python scripts/participant_css.py` and commit the stylesheet."
    )
    css = script.OUTPUT.read_text()
    assert ".vote-buttons" not in css  # app.css's, not Bootstrap's
    assert ".btn-success{" in css and ".progress{" in css and ".navbar{" in css
    assert ".modal{" not in css and ".carousel{" not in css
    assert len(css) < script.BOOTSTRAP.stat().st_size / 4


def test_the_consent_and_voting_pages_load_it_instead_of_bootstrap(client, consultation):
    page = client.get("/consulta/consulta-prueba").get_data(as_text=True)
    assert "css/participant.css" in page and "bootstrap.min.css" not in page
    client.post("/consulta/consulta-prueba/unirse", data={"consent": "y"})
    page = client.get("/consulta/consulta-prueba").get_data(as_text=True)
    assert 'name="statement"' in page
    assert "css/participant.css" in page and "bootstrap.min.css" not in page
    assert re.search(r'bootstrap\.bundle\.min\.js(\?v=\w+)?" defer', page)
