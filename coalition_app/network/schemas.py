"""The network's API resources: the query (`as_of`), the network, and the 202 "building".

`Network` is a loose description, on purpose. The document is written by
`build.compute_network` (networkx's node-link format, with `measures.to_node_link`) and served
as the cached bytes, never re-encoded: typing every node measure and coalition figure here
would be a second description of what `measures.py` writes. So the model names what a client
can count on (nodes with an `id`, edges with `source` and `target`, `as_of`, `coalition`) and
allows the rest; `tests/api/test_api_schema.py` checks the served document against it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..api.schemas import Refused, Schema
from ..core import clock
from .build import FIRST_YEAR


def parse_as_of(raw: Any) -> date:
    """The day a network is drawn for: YYYY-MM-DD from 2018-01-01 to today; blank is today."""
    if isinstance(raw, date):
        return raw
    raw = str(raw).strip()
    today = clock.today()
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise Refused(_("as_of must be a date written YYYY-MM-DD.")) from None
    if day < date(FIRST_YEAR, 1, 1) or day > today:
        raise Refused(
            _("as_of must be a day from %(first)s to today.", first=f"{FIRST_YEAR}-01-01")
        )
    return day


class NetworkQuery(Schema):
    """Which day's network (the pages and downloads take the same parameter)."""

    model_config = ConfigDict(extra="ignore")

    as_of: Annotated[
        date,
        BeforeValidator(parse_as_of),
        Field(
            default_factory=date.today,
            description="The day the network is drawn for (default today)",
        ),
    ]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class NetworkNode(_Loose):
    """An institution, with its attributes and measures (`label`, `sector`, `groups`,
    `degree`, `weighted_degree`, `betweenness`, `eigenvector`, `closeness`, ...)."""

    id: int


class NetworkEdge(_Loose):
    """A tie between two institutions, with its `weight` and the `reasons` that make it up."""

    source: int
    target: int


class Network(_Loose):
    """The network of institutions as networkx node-link JSON, with measures.

    Besides `nodes`, `edges`, `as_of` and `coalition` (coalition-level measures), the
    document has `measures_info` (exact or sampled betweenness), `weight_rule`,
    `introductions`, `over_time`, `skipped`, `timings` and `version`."""

    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    as_of: date
    coalition: dict[str, Any]


class NetworkBuilding(Schema):
    """The first computation of a large network is under way: retry after Retry-After."""

    status: Literal["building"]
    message: str

    @classmethod
    def now(cls) -> NetworkBuilding:
        return cls(status="building", message="The network is being computed. Retry shortly.")
