"""`GET /api/v1/network`: the network as node-link JSON with its measures, from the cache.

On the API blueprint, so its errors are the API's (`Error`); it serves the same cached bytes
as `/network.json`, with the X-Network-* headers, and 202 while a first large build runs.
"""

from __future__ import annotations

from ..api.blueprint import bp
from ..api.helpers import parse_query
from ..api.openapi import operation
from .schemas import Network, NetworkBuilding, NetworkQuery
from .views import serve_json


@bp.get("/network")
@operation(
    "GET",
    summary="The network of institutions as node-link JSON, with measures",
    tag="network",
    description=(
        "Nodes are institutions (with their measures), edges are documented ties. "
        "Answers 202 with Retry-After while a large network is being computed. "
        "X-Network-Version, X-Network-Age (seconds) and X-Network-Stale (1 while a newer "
        "version is being computed) say which computed version is served."
    ),
    query=NetworkQuery,
    responses={
        200: ("The network", Network),
        202: ("Being computed: retry after the Retry-After seconds", NetworkBuilding),
        503: ("Temporarily unavailable", None),
    },
)
def network():
    params = parse_query(NetworkQuery)
    return serve_json(params.as_of, download=False)
