"""Links to one route for many rows, built once per page (`url_for` per row of a long list
cost more than the rest of the row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, url_for

from models.base import MAX_ID

# A key no row has in practice and that no route's fixed text contains: it marks where the
# row's key goes in the address `url_for` built once.
_MARK = str(MAX_ID)


def url_pattern(endpoint: str, key: str, **values: object) -> Callable[[int], str]:
    """A function of a row's integer key giving `url_for(endpoint, key=..., **values)`.

    `url_for` runs once, with a marker for the key; each row's address is that address with
    its key in the marker's place (keys are integers: nothing to quote).
    """
    arguments: dict[str, Any] = {**values, key: MAX_ID}
    address = url_for(endpoint, **arguments)
    before, mark, after = address.partition(_MARK)
    if not mark or _MARK in after:
        raise ValueError(f"{endpoint}: the key {key!r} is not in one place of its address")

    def address_of(row_key: int) -> str:
        return f"{before}{int(row_key)}{after}"

    return address_of


def row_url(endpoint: str, key: str, row_key: int) -> str:
    """`url_for(endpoint, key=row_key)` through a `url_pattern` kept for the request (the
    API's lists link every item and every institution they name)."""
    patterns: dict[tuple[str, str], Callable[[int], str]] = g.setdefault("_url_patterns", {})
    pattern = patterns.get((endpoint, key))
    if pattern is None:
        pattern = patterns[endpoint, key] = url_pattern(endpoint, key)
    return pattern(row_key)
