"""The stakeholder network built from the database, then measured by `coalition_app.network`.

`load_rows` reads everything the network of any date is made of in a fixed number of
queries (four, whatever the size of the coalition); `graph_for` turns those rows into the
graph of one "as of" date without touching the database again, so the over-time figures
(one graph per year since 2018) cost no extra query; `compute_network` runs the measures
and returns a JSON-ready result, which `network_cache` stores per data version.
"""

from __future__ import annotations

import functools
import gc
import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from multiprocessing import get_context
from typing import Any

import networkx as nx
from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from models import Deliverable, GroupMembership, Institution, Task, Tie, User, WorkingGroup
from models.groups import open_on

from . import measures

#: The first year the over-time figures start from (the coalition was founded in 2018).
FIRST_YEAR = 2018
#: Institutions of one group or one deliverable beyond which no pairwise edges are drawn
#: (a group of n members makes n*(n-1)/2 pairs); the membership still counts in `groups`.
DEFAULT_PAIR_LIMIT = 100
#: Seed for every randomised measure (estimated betweenness, Louvain), so figures are stable.
SEED = 42
#: See `NetworkSettings.parallel_above`: below this, starting a process costs more than
#: it saves.
DEFAULT_PARALLEL_ABOVE = 2_000


@dataclass(frozen=True)
class NetworkSettings:
    """What, beyond the data and the date, changes the figures (part of the cache key)."""

    betweenness_exact_limit: int = measures.DEFAULT_BETWEENNESS_EXACT_LIMIT
    betweenness_error: float = measures.DEFAULT_BETWEENNESS_ERROR
    pair_limit: int = DEFAULT_PAIR_LIMIT
    introductions: int = 10
    #: Candidate pairs scored per kind (see `measures.suggest_introductions`): the cap keeps
    #: large networks fast; below it the search is exhaustive.
    introduction_candidates: int = 20_000
    #: Above this many institutions, betweenness (the costliest measure) runs in a second
    #: process while this one computes the rest; 0 never does.  It changes no figure, so
    #: it is not part of `tag`.
    parallel_above: int = DEFAULT_PARALLEL_ABOVE

    @property
    def tag(self) -> str:
        return (
            f"x{self.betweenness_exact_limit}-e{self.betweenness_error:g}"
            f"-p{self.pair_limit}-i{self.introductions}-c{self.introduction_candidates}"
        )


@dataclass
class NetworkRows:
    """Plain rows read from the database: every date's network is made from these."""

    institutions: list[tuple] = field(default_factory=list)
    # (id, name, acronym, sector, state, founder, joined_on, left_on)
    memberships: list[tuple] = field(default_factory=list)
    # (institution_id, group_slug, since, until)
    ties: list[tuple] = field(default_factory=list)
    # (tie_id, a, b, kind, since)
    work: list[tuple] = field(default_factory=list)
    # (deliverable_id, institution_id, since: date)


def load_rows(session: Session) -> NetworkRows:
    """Read the network's rows in four statements, whatever the size of the coalition."""
    institutions = session.execute(
        select(
            Institution.id,
            Institution.name,
            Institution.acronym,
            Institution.sector_slug,
            Institution.state_code,
            Institution.is_founder,
            Institution.joined_on,
            Institution.left_on,
        ).order_by(Institution.id)
    ).all()
    memberships = session.execute(
        select(
            GroupMembership.institution_id,
            WorkingGroup.slug,
            GroupMembership.since,
            GroupMembership.until,
        )
        .join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
        .order_by(GroupMembership.id)
    ).all()
    ties = session.execute(
        select(Tie.id, Tie.institution_a_id, Tie.institution_b_id, Tie.kind, Tie.since).order_by(
            Tie.id
        )
    ).all()
    # People working on the same live deliverable (through their live tasks), and the
    # deliverable's owner institution: one UNION ALL statement.
    assignees = (
        select(Task.deliverable_id, User.institution_id, Task.created_at)
        .join(User, User.id == Task.assignee_id)
        .join(Deliverable, Deliverable.id == Task.deliverable_id)
        .where(Task.archived_at.is_(None), Deliverable.archived_at.is_(None), User.is_active)
    )
    owners = select(Deliverable.id, Deliverable.owner_institution_id, Deliverable.created_at).where(
        Deliverable.archived_at.is_(None), Deliverable.owner_institution_id.is_not(None)
    )
    work = session.execute(union_all(assignees, owners)).all()
    return NetworkRows(
        institutions=[tuple(r) for r in institutions],
        memberships=[tuple(r) for r in memberships],
        ties=[(r[0], r[1], r[2], str(r[3]), r[4]) for r in ties],
        work=[(r[0], r[1], _as_date(r[2])) for r in work],
    )


def _as_date(value: date | datetime | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def _active(joined_on: date, left_on: date | None, day: date) -> bool:
    # The same rule as Institution.active_on.
    return joined_on <= day and (left_on is None or left_on > day)


@dataclass
class DayGraph:
    """The rows of one date's network, before they become a graph."""

    nodes: list[dict[str, Any]]
    edges: list[tuple[int, int, dict[str, Any]]]
    #: Groups and deliverables too large for pairwise edges: {"groups": [...], "deliverables": n}.
    skipped: dict[str, Any]


def rows_for(
    rows: NetworkRows, day: date, pair_limit: int = DEFAULT_PAIR_LIMIT, *, reasons: bool = True
) -> DayGraph:
    """Return the nodes and ``(a, b, reason)`` edges of the network on `day`.

    Nodes are the institutions that were members on `day`. Edges come from ties recorded
    by then between two of them, from every pair of institutions in the same working group
    on that day, and from every pair of institutions working on the same live deliverable
    (its owner, and the institutions of the people assigned its live tasks) by then.
    Without `reasons`, every reason is None: what figures that only count links need.
    """
    active: dict[int, dict[str, Any]] = {}
    for iid, name, acronym, sector, state, founder, joined_on, left_on in rows.institutions:
        if _active(joined_on, left_on, day):
            active[iid] = {
                "id": iid,
                "label": name,
                "acronym": acronym,
                "sector": sector,
                "state": state,
                "founder": bool(founder),
                "joined_on": joined_on.isoformat(),
                "groups": [],
            }
    members: dict[str, set[int]] = defaultdict(set)
    for iid, slug, since, until in rows.memberships:
        # The one rule (GroupMembership.current_on), on bare rows: open that day, and the
        # institution a member that day (`active`).
        if iid in active and open_on(since, until, day):
            members[slug].add(iid)
    for slug in sorted(members):
        for iid in members[slug]:
            active[iid]["groups"].append(slug)

    edges: list[tuple[int, int, dict[str, Any]]] = []
    for tie_id, a, b, kind, since in rows.ties:
        if since <= day and a in active and b in active:
            edges.append(
                (
                    a,
                    b,
                    {"type": "tie", "kind": kind, "since": since.isoformat(), "id": tie_id}
                    if reasons
                    else None,
                )
            )
    skipped_groups = []
    for slug in sorted(members):
        together = members[slug]
        if len(together) > pair_limit:
            skipped_groups.append(slug)
            continue
        reason = {"type": "group", "group": slug} if reasons else None
        edges.extend((a, b, reason) for a, b in _pairs(together))
    on_deliverable: dict[int, set[int]] = defaultdict(set)
    for deliverable_id, iid, since in rows.work:
        if iid in active and since is not None and since <= day:
            on_deliverable[deliverable_id].add(iid)
    skipped_deliverables = 0
    for deliverable_id in sorted(on_deliverable):
        together = on_deliverable[deliverable_id]
        if len(together) > pair_limit:
            skipped_deliverables += 1
            continue
        reason = {"type": "deliverable", "deliverable_id": deliverable_id} if reasons else None
        edges.extend((a, b, reason) for a, b in _pairs(together))
    return DayGraph(
        nodes=list(active.values()),
        edges=edges,
        skipped={"groups": skipped_groups, "deliverables": skipped_deliverables},
    )


def _pairs(ids: Iterable[int]) -> Iterator[tuple[int, int]]:
    return itertools.combinations(sorted(ids), 2)


def graph_for(rows: NetworkRows, day: date, pair_limit: int = DEFAULT_PAIR_LIMIT) -> nx.Graph:
    """Return the stakeholder graph (with reasons and weights) of `day`."""
    day_rows = rows_for(rows, day, pair_limit)
    return measures.build_graph(day_rows.nodes, day_rows.edges)


def over_time(
    rows: NetworkRows,
    as_of: date,
    pair_limit: int = DEFAULT_PAIR_LIMIT,
    graph_of_as_of: nx.Graph | None = None,
) -> list[dict[str, Any]]:
    """Headline figures at the end of each year from 2018, the last one on `as_of`.

    The same figures as `measures.measures_over_time` of each date's graph (a test checks
    it), computed from the bare rows: no year needs its graph built.  `graph_of_as_of`,
    when the caller has already built it, is used for the last row.
    """
    days = [date(year, 12, 31) for year in range(FIRST_YEAR, as_of.year)]
    if as_of.year >= FIRST_YEAR and graph_of_as_of is None:
        days.append(as_of)
    history = []
    for day in days:
        day_rows = rows_for(rows, day, pair_limit, reasons=False)
        sectors = {node["id"]: node["sector"] for node in day_rows.nodes}
        pairs = ((a, b) for a, b, _ in day_rows.edges)
        history.append({"label": day.isoformat(), **measures.headline_figures(sectors, pairs)})
    if as_of.year >= FIRST_YEAR and graph_of_as_of is not None:
        history += measures.measures_over_time([(as_of.isoformat(), graph_of_as_of)])
    return history


@contextmanager
def centralities_alongside(
    day_rows: DayGraph, settings: NetworkSettings
) -> Iterator[Callable[[nx.Graph], measures.Centralities]]:
    """Yield a function returning `measures.path_centralities` of the graph of `day_rows`.

    Above `settings.parallel_above` institutions they are computed in a second process,
    started at once from the bare rows, so the caller's work inside the block (building
    the graph included) overlaps them: estimated betweenness alone takes seconds on 10,000
    institutions, about as long as all the other measures together.  A fresh interpreter
    ("spawn") is used because forking a threaded web server is unsafe.  If the process
    cannot start or dies, the function computes them here instead: slower, never wrong.
    """
    options = {
        "exact_limit": settings.betweenness_exact_limit,
        "error": settings.betweenness_error,
        "seed": SEED,
    }

    def here(G: nx.Graph) -> measures.Centralities:
        return measures.path_centralities(G, **options)

    if not settings.parallel_above or len(day_rows.nodes) <= settings.parallel_above:
        yield here
        return
    try:
        executor = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        future = executor.submit(
            measures.path_centralities_of_edges,
            sorted(node["id"] for node in day_rows.nodes),
            [(a, b) for a, b, _ in day_rows.edges],
            **options,
        )
    except (OSError, RuntimeError):
        yield here
        return

    def there(G: nx.Graph) -> measures.Centralities:
        try:
            return future.result()
        except (BrokenProcessPool, OSError):
            return here(G)

    try:
        yield there
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def compute_network(
    rows: NetworkRows, as_of: date, settings: NetworkSettings | None = None
) -> dict[str, Any]:
    """Build and measure the network of `as_of`; return the node-link document with measures.

    The document is what `/api/v1/network` serves: networkx's node-link format (nodes with
    their attributes and measures, edges with weight and reasons) plus ``coalition``
    (coalition-level measures), ``measures_info`` (exact or sampled betweenness...),
    ``introductions``, ``over_time``, ``weight_rule``, ``skipped`` and ``timings``.
    """
    with _collector_paused():
        return _compute_network(rows, as_of, settings or NetworkSettings())


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Building and measuring 100,000 links allocates millions of objects, none of them
    # garbage yet, and Python's cycle collector kept scanning them all: it cost a third
    # of the graph's build time.  Reference counting still frees memory meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compute_network(rows: NetworkRows, as_of: date, settings: NetworkSettings) -> dict[str, Any]:
    started = time.perf_counter()
    day_rows = rows_for(rows, as_of, settings.pair_limit)
    with centralities_alongside(day_rows, settings) as centralities:
        G = measures.build_graph(day_rows.nodes, day_rows.edges)
        built = time.perf_counter()
        coalition = measures.coalition_measures(G, seed=SEED)
        introductions = measures.suggest_introductions(
            G,
            limit=settings.introductions,
            seed=SEED,
            max_candidates=settings.introduction_candidates,
        )
        over_time_started = time.perf_counter()
        history = over_time(rows, as_of, settings.pair_limit, graph_of_as_of=G)
        over_time_seconds = time.perf_counter() - over_time_started
        # Last, so that a second process computing betweenness overlaps all of the above.
        values, info = measures.node_measures(
            G, seed=SEED, centralities=functools.partial(centralities, G)
        )
    measured = time.perf_counter()
    document = measures.to_node_link(G, values, coalition)
    document.update(
        {
            "as_of": as_of.isoformat(),
            "weight_rule": measures.WEIGHT_RULE,
            "measures_info": info,
            "introductions": introductions,
            "over_time": history,
            "skipped": day_rows.skipped,
            "timings": {
                "build": round(built - started, 4),
                "measures": round(measured - built - over_time_seconds, 4),
                "over_time": round(over_time_seconds, 4),
            },
        }
    )
    return document


def summary_of(document: dict[str, Any], table_limit: int = 500) -> dict[str, Any]:
    """Return what the network page renders on the server: everything but the full lists.

    The table keeps the `table_limit` institutions with the highest weighted degree (all
    of them in the real coalition); the complete figures are in the downloads.
    """
    nodes = document["nodes"]
    ranked = sorted(nodes, key=lambda n: (-n["weighted_degree"], n["label"].casefold(), n["id"]))
    labels = {n["id"]: n["label"] for n in nodes}
    coalition = dict(document["coalition"])
    communities = coalition.pop("communities")
    coalition["community_count"] = len(communities)
    coalition["community_profiles"] = coalition["community_profiles"][:12]
    coalition["isolates"] = [{"id": v, "label": labels[v]} for v in coalition["isolates"][:200]]
    coalition["isolate_count"] = len(document["coalition"]["isolates"])
    coalition["weakly_tied_count"] = len(coalition["weakly_tied"])
    coalition["weakly_tied"] = [
        {"id": v, "label": labels[v]} for v in coalition["weakly_tied"][:200]
    ]
    introductions = [
        {
            **s,
            "u_label": labels.get(s["u"], str(s["u"])),
            "v_label": labels.get(s["v"], str(s["v"])),
            "common_labels": [labels.get(w, str(w)) for w in s["common_neighbour_ids"]],
        }
        for s in document["introductions"]
    ]
    table_keys = (
        "id",
        "label",
        "acronym",
        "sector",
        "degree",
        "weighted_degree",
        "betweenness",
        "eigenvector",
        "closeness",
        "sectors_reached",
        "broker",
    )
    return {
        "as_of": document["as_of"],
        "weight_rule": document["weight_rule"],
        "measures_info": document["measures_info"],
        "coalition": coalition,
        "introductions": introductions,
        "over_time": document["over_time"],
        "skipped": document["skipped"],
        "timings": document["timings"],
        "table": [{k: n.get(k) for k in table_keys} for n in ranked[:table_limit]],
        "table_total": len(nodes),
    }
