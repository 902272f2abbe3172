"""Markup written in Python for the long tables a template's loop made costly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

#: Joins the values to escape them in one call: escaping leaves it as it is, and a request
#: holding it is refused, so no stored text has it (the split checks all the same).
_SEPARATOR = "\x00"


def escape_each(values: Iterable[Any]) -> list[str]:
    """Each value as a template's ``{{ value }}`` writes it (escaped), with one `escape` for
    all of them: one per cell was most of the cost of a table of several hundred cells."""
    values = list(values)
    # A Markup value is kept as it is, as `{{ }}` does; the others are still escaped in one
    # call (a table's headings for narrow screens are Markup, and one per row sent every
    # value of the network page's table through its own `escape`). The types are looked at
    # as a set: a generator step per value cost a tenth of the page's calls.
    if any(issubclass(kind, Markup) for kind in {type(value) for value in values}):
        texts = [str(value) for value in values]  # a Markup's text is its markup
        plain = [at for at, value in enumerate(values) if not isinstance(value, Markup)]
        for at, text in zip(plain, _escape_plain([values[at] for at in plain]), strict=True):
            texts[at] = text
        return texts
    return _escape_plain(values)


def _escape_plain(values: list[Any]) -> list[str]:
    texts = [f"{value}" for value in values]
    escaped = str(escape(_SEPARATOR.join(texts))).split(_SEPARATOR)
    if len(escaped) != len(texts):  # a value held the separator: escape each
        escaped = [str(escape(text)) for text in texts]
    return escaped
