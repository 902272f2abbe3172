"""The network's API resources: the query (`as_of`), the network, and the 202 "building".

`Network` types every part of the document `build.compute_network` writes (networkx's
node-link format from `measures.to_node_link`, plus the coalition's measures, how they were
computed, the introductions and the figures over time), so a client generated from
`/api/v1/openapi.json` gets typed fields. The network is served as the cached bytes, never
re-encoded; `tests/api/test_api_schema.py` checks the served document against this model
(and against the document's schema) both ways.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from pydantic import BeforeValidator, ConfigDict, Field

from ..api.schemas import Refused, Schema
from ..core import clock
from .build import FIRST_YEAR
from .measures import SECTORS


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
            default_factory=clock.today,  # the coalition's day, as the pages' default
            description="The day the network is drawn for (default today)",
        ),
    ]


Sector = Annotated[str, Field(description="A sector slug: " + ", ".join(SECTORS))]
#: `{sector: count}` over every sector (zeros included).
SectorCounts = Annotated[dict[str, int], Field(description="Count per sector slug")]
Share = Annotated[float, Field(ge=0, le=1)]


class NetworkNode(Schema):
    """An institution member on `as_of`, with its attributes and measures."""

    id: int
    label: str = Field(description="The institution's name")
    acronym: str | None
    sector: Sector
    state: str | None = Field(description="State code (ISO 3166-2:MX), if known")
    founder: bool
    joined_on: date
    groups: list[str] = Field(description="Slugs of its working groups on `as_of`, sorted")
    degree: int = Field(ge=0, description="Institutions it is linked to")
    weighted_degree: float = Field(ge=0, description="Sum of its links' weights")
    betweenness: float | None = Field(
        description=(
            "Normalised hop-based betweenness: exact or estimated from a sample, as "
            "`measures_info` says (null only where a one-node sample leaves it undefined)"
        )
    )
    eigenvector: float = Field(
        ge=0, description="Weighted eigenvector centrality within its component, scaled"
    )
    closeness: float | None = Field(
        description="Hop-based closeness (Wasserman-Faust); null when not computed"
    )
    sectors_reached: int = Field(ge=0, description="Other sectors among its neighbours")
    broker: int = Field(ge=0, description="Untied cross-sector pairs of its neighbours")
    broker_normalised: Share = Field(description="`broker` over its neighbour pairs")
    x: float = Field(description="Layout position (communities apart)")
    y: float


class TieReason(Schema):
    """A recorded tie between the two institutions (its weight: kind, confirmation, age)."""

    type: Literal["tie"]
    id: int = Field(description="The tie's id")
    kind: str = Field(description="The kind of tie (joint_project, agreement, ...)")
    status: Literal["confirmed", "unconfirmed"]
    since: date
    weight: float = Field(gt=0)


class MeetingsReason(Schema):
    """Meetings and events people of both institutions attended (Newman-damped weight)."""

    type: Literal["meetings"]
    count: int = Field(ge=1, description="Meetings and events shared")
    weight: float = Field(gt=0, description="The sum of 1/(n-1) over those of n institutions")


class DeliverableReason(Schema):
    """A deliverable people of both are assigned tasks of (weighs 2)."""

    type: Literal["deliverable"]
    deliverable_id: int
    weight: float = Field(gt=0)


Reason = Annotated[TieReason | MeetingsReason | DeliverableReason, Field(discriminator="type")]


class NetworkEdge(Schema):
    """A collaboration link between two institutions, with its weight and its reasons."""

    source: int
    target: int
    layer: Literal["collaboration"]
    weight: float = Field(gt=0, description="The sum of its reasons' weights (`weight_rule`)")
    reasons: list[Reason] = Field(min_length=1, description="Strongest evidence first")


class AffiliationEdge(Schema):
    """Two institutions in the same working group(s): the affiliation layer (no weight)."""

    source: int
    target: int
    layer: Literal["affiliation"]
    groups: list[str] = Field(min_length=1, description="The group slugs they share")


class CommunityProfile(Schema):
    """Who makes up one community (same order as `communities`)."""

    size: int
    sectors: SectorCounts
    groups: dict[str, int] = Field(description="Members per group slug, most common first")
    dominant_sector: Sector
    purity: Share = Field(description="Share of the dominant sector")


class CoalitionMeasures(Schema):
    """Measures of the whole network."""

    node_count: int
    edge_count: int
    density: Share
    components: int
    largest_component_size: int
    sector_counts: SectorCounts
    cross_sector_share: Share | None = Field(description="Share of links across sectors")
    cross_sector_share_weighted: Share | None = Field(description="The same, by weight")
    mixing_matrix: dict[str, dict[str, int]] = Field(
        description="Links between each pair of sectors (symmetric)"
    )
    sector_assortativity: float | None = Field(description="Newman's assortativity of sector")
    communities: list[list[int]] = Field(description="Louvain communities (node ids)")
    community_profiles: list[CommunityProfile]
    modularity: float | None
    isolates: list[int] = Field(description="Institutions without collaboration, by name")
    weakly_tied: list[int] = Field(description="Institutions with a single or weak link")


class MeasuresInfo(Schema):
    """How the node measures were computed."""

    betweenness: Literal["exact", "sampled"]
    samples: int | None = Field(
        description="Shortest paths KADABRA sampled to estimate betweenness; null when exact"
    )
    error: float | None = Field(
        description="KADABRA's additive error bound (its scale: twice networkx's); null if exact"
    )
    top: int | None = Field(
        description="Institutions ranked in exact order (probability 0.9); null when exact"
    )
    closeness: Literal["exact", "skipped"]
    eigenvector: Literal["per_component", "degree_fallback"]


class Introduction(Schema):
    """Two institutions not yet linked that are worth introducing."""

    u: int = Field(description="The smaller id of the two")
    v: int
    score: float = Field(ge=0, description="Adamic-Adar score of the pair")
    cross_sector: bool
    shared_groups: list[str]
    common_neighbours: int
    common_neighbour_ids: list[int] = Field(max_length=3)


class YearFigures(Schema):
    """The headline figures at the end of one year (the last entry: `as_of`)."""

    label: str = Field(description="The day, YYYY-MM-DD")
    node_count: int
    edge_count: int
    density: Share
    cross_sector_share: Share | None
    largest_component_size: int


class Skipped(Schema):
    """What adds no pairwise links because it is too large (`NETWORK_PAIR_LIMIT`)."""

    groups: list[str]
    deliverables: int
    meetings: int


class Timings(Schema):
    """Seconds the computation took, by part."""

    build: float
    measures: float
    layout: float
    over_time: float


class Network(Schema):
    """The network of institutions on `as_of` as networkx node-link JSON, with measures."""

    directed: Literal[False]
    multigraph: Literal[False]
    graph: dict[str, Any] = Field(description="Graph attributes (networkx's; empty)")
    nodes: list[NetworkNode]
    edges: list[NetworkEdge] = Field(description="Collaboration: what every measure uses")
    affiliation: list[AffiliationEdge] = Field(
        description="Shared working groups, a separate layer (no measure uses it)"
    )
    coalition: CoalitionMeasures
    as_of: date
    weight_rule: str
    measures_info: MeasuresInfo
    introductions: list[Introduction]
    over_time: list[YearFigures]
    skipped: Skipped
    timings: Timings
    version: int = Field(description="The data version it was computed from")


class NetworkBuilding(Schema):
    """The first computation of a large network is under way: retry after Retry-After."""

    status: Literal["building"]
    message: str

    @classmethod
    def now(cls) -> NetworkBuilding:
        return cls(status="building", message="The network is being computed. Retry shortly.")
