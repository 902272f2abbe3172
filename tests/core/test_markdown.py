"""`core.markdown.render_markdown`: Markdown typed by people, rendered safely, whatever they
type (raw HTML, event handlers, script links), with links marked nofollow noopener."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from coalition_app.core.markdown import ALLOWED_TAGS, mention_pattern, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">clic</a>',
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](  javascript:alert(1))",
    "[clic](vbscript:msgbox(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](https://evil.example/x.png)",
    '[x](https://ok.example "t" onmouseover="alert(1)")',
    "<<script>script>alert(1)<</script>/script>",
]


class _Elements(HTMLParser):
    """The elements of a piece of HTML, as a browser would build them: (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_comes_out_harmless(text):
    elements = _elements(str(render_markdown(text)))
    for tag, attributes in elements:
        assert tag in ALLOWED_TAGS
        assert not [name for name in attributes if name.startswith("on") or name == "style"]
        href = (attributes.get("href") or "").strip().lower()
        assert not href or href.startswith(("https://", "http://", "mailto:", "/")), href
    # Whatever was typed as HTML is shown as text, never as an element.
    assert {tag for tag, _ in elements} <= {"p", "a"}


def test_markdown_is_rendered_and_links_are_nofollow_noopener():
    html = render_markdown("**Hola** *mundo*\n- uno\n- dos\n\n[guía](https://ia2030.mx/guia)")
    assert isinstance(html, Markup)
    assert "<strong>Hola</strong> <em>mundo</em>" in html
    assert "<li>uno</li>" in html
    assert '<a href="https://ia2030.mx/guia" rel="nofollow noopener">guía</a>' in html


def test_line_breaks_are_kept_and_raw_html_is_shown_as_text():
    html = render_markdown("primera\nsegunda <b>negrita</b>")
    assert "primera<br>" in html and "&lt;b&gt;negrita&lt;/b&gt;" in html


def test_mentions_become_links_outside_code_and_existing_links():
    mentions = {"Ana López": "/institutions/3"}
    html = render_markdown(
        "Hola @ana lópez. `@Ana López` [@Ana López](https://x.example)", mentions
    )
    assert html.count('class="mention"') == 1
    assert (
        '<a href="/institutions/3" class="mention" rel="nofollow noopener">@ana lópez</a>' in html
    )
    assert "<code>@Ana López</code>" in html


def test_the_longest_name_wins_and_a_longer_word_is_no_mention():
    pattern = mention_pattern(["Ana", "Ana López"])
    assert [m.group(1) for m in pattern.finditer("@Ana López y @Ana, no @Anabel")] == [
        "Ana López",
        "Ana",
    ]
    assert mention_pattern([]) is None


def test_nothing_renders_as_nothing():
    assert render_markdown("") == Markup("") and render_markdown(None) == Markup("")
