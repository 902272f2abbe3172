"""Markdown that people type (comments, minutes, recommendations), rendered safely.

Two locks, one behind the other: markdown-it-py in its "js-default" preset never passes raw
HTML through (it is shown as text) and refuses `javascript:`, `vbscript:` and `data:` links;
then nh3 (the Ammonia sanitiser) keeps only a short list of tags and attributes, only web and
mail links, and gives every link `rel="nofollow noopener"`. What comes out is `Markup`, safe
to put in a page as it is.

Mentions: `render_markdown(text, mentions={"Ana López": "/institutions/3"})` turns each
"@Ana López" in the text (not in code, not inside a link) into a link to that address.
`mention_pattern` is the one definition of what counts as a mention of a name, used by the
comments to find whom a text mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

#: What a rendered text may hold.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}}
ALLOWED_CLASSES: dict[str, set[str]] = {"a": {"mention"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


def mention_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """`@` followed by one of `names` (any case), not followed by a letter or digit: the
    longest name wins ("@Ana López Ruiz" is not "@Ana López"). None when there are no names."""
    unique = sorted({name for name in names if name.strip()}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile(
        "@(" + "|".join(re.escape(name) for name in unique) + r")(?!\w)", re.IGNORECASE
    )


def _mentions_rule(state: StateCore) -> None:
    """Turn "@Name" in plain text into a link (a core rule, after text runs are joined)."""
    mentions: Mapping[str, str] = state.env.get("mentions") or {}
    pattern = mention_pattern(mentions)
    if pattern is None:
        return
    by_folded = {name.casefold(): url for name, url in mentions.items()}
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        inside_link = 0
        for token in block.children:
            if token.type == "link_open":
                inside_link += 1
            elif token.type == "link_close":
                inside_link -= 1
            if token.type != "text" or inside_link:
                children.append(token)
                continue
            children.extend(_split_mentions(token, pattern, by_folded))
        block.children = children


def _split_mentions(token: Token, pattern: re.Pattern[str], urls: Mapping[str, str]) -> list[Token]:
    pieces: list[Token] = []
    text, start = token.content, 0
    for match in pattern.finditer(text):
        url = urls.get(match.group(1).casefold())
        if url is None:
            continue
        if match.start() > start:
            pieces.append(_text(text[start : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": url, "class": "mention"}
        pieces += [link, _text(match.group(0)), Token("link_close", "a", -1)]
        start = match.end()
    if start == 0:
        return [token]
    if start < len(text):
        pieces.append(_text(text[start:]))
    return pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _parser() -> MarkdownIt:
    # Line breaks as typed: people write comments as messages, not as documents.
    parser = MarkdownIt("js-default", {"breaks": True})
    parser.core.ruler.push("mentions", _mentions_rule)
    return parser


_PARSER = _parser()


def render_markdown(text: str | None, mentions: Mapping[str, str] | None = None) -> Markup:
    """The HTML of `text` (Markdown), sanitised: safe to put in a page as it is."""
    if not text:
        return Markup("")
    env: dict[str, Any] = {"mentions": dict(mentions or {})}
    html = _PARSER.render(text, env)
    return Markup(
        nh3.clean(
            html,
            tags=set(ALLOWED_TAGS),
            attributes=ALLOWED_ATTRIBUTES,
            allowed_classes=ALLOWED_CLASSES,
            url_schemes=set(URL_SCHEMES),
            link_rel=LINK_REL,
            strip_comments=True,
            # Only the alignment the table syntax writes (":---:"), never other CSS.
            filter_style_properties={"text-align"},
        ).strip()
    )
