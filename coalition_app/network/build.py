"""The stakeholder network built from the database, then measured by `coalition_app.network`.

`load_rows` reads everything the network of any date is made of in a fixed number of
queries (six, whatever the size of the coalition); `graph_for` turns those rows into the
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
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Deliverable,
    GroupMembership,
    Institution,
    Meeting,
    MeetingAttendance,
    Task,
    Tie,
    TieStatus,
    User,
    WorkingGroup,
)
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
    # (tie_id, a, b, kind, since, status, ends_on)
    work: list[tuple] = field(default_factory=list)
    # (deliverable_id, institution_id, since: date)
    meetings: list[tuple] = field(default_factory=list)
    # (meeting_id, ended_on: date) of the meetings and events that were not cancelled
    attendance: list[tuple] = field(default_factory=list)
    # (meeting_id, institution_id): someone of the institution attended, once per pair
    _arrays: Any = field(default=None, repr=False, compare=False)

    def attendance_arrays(self) -> tuple[Any, Any, Any]:
        """``(meeting, institution, ended_on ordinal)`` as numpy arrays, made once."""
        if self._arrays is None:
            import numpy as np

            ended = {m: day.toordinal() for m, day in self.meetings}
            pairs = np.array(self.attendance, dtype=np.int64).reshape(-1, 2)
            meeting_ids = pairs[:, 0]
            lookup = np.zeros(int(meeting_ids.max(initial=0)) + 1, dtype=np.int64)
            for m, day in ended.items():
                if m < len(lookup):
                    lookup[m] = day
            self._arrays = (meeting_ids, pairs[:, 1], lookup[meeting_ids])
        return self._arrays


def load_rows(session: Session) -> NetworkRows:
    """Read the network's rows in six statements, whatever the size of the coalition."""
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
    # A declined tie never counts: not even read.
    ties = session.execute(
        select(
            Tie.id,
            Tie.institution_a_id,
            Tie.institution_b_id,
            Tie.kind,
            Tie.since,
            Tie.status,
            Tie.ends_on,
        )
        .where(Tie.status != TieStatus.DECLINED)
        .order_by(Tie.id)
    ).all()
    # People working on the same live deliverable: the institutions of the people assigned
    # its live tasks.
    work = session.execute(
        select(Task.deliverable_id, User.institution_id, Task.created_at)
        .join(User, User.id == Task.assignee_id)
        .join(Deliverable, Deliverable.id == Task.deliverable_id)
        .where(Task.archived_at.is_(None), Deliverable.archived_at.is_(None), User.is_active)
    ).all()
    meetings = session.execute(
        select(Meeting.id, Meeting.ends_at).where(Meeting.cancelled_at.is_(None))
    ).all()
    attendance = session.execute(
        select(MeetingAttendance.meeting_id, MeetingAttendance.institution_id)
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .where(MeetingAttendance.attended.is_(True), Meeting.cancelled_at.is_(None))
        .distinct()
    ).all()
    return NetworkRows(
        institutions=[tuple(r) for r in institutions],
        memberships=[tuple(r) for r in memberships],
        ties=[(r[0], r[1], r[2], str(r[3]), r[4], str(r[5]), r[6]) for r in ties],
        work=[(r[0], r[1], _as_date(r[2])) for r in work],
        meetings=[(r[0], _as_date(r[1])) for r in meetings],
        attendance=[(r[0], r[1]) for r in attendance],
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
    #: Collaboration: ``(a, b, reason)`` with the reason's own weight.
    edges: list[tuple[int, int, dict[str, Any]]]
    #: Groups, deliverables and meetings too large for pairwise links:
    #: {"groups": [...], "deliverables": n, "meetings": n}.
    skipped: dict[str, Any]
    #: Affiliation, the other layer: ``(a, b, [group slugs])`` for pairs sharing groups.
    affiliation: list[tuple[int, int, list[str]]] = field(default_factory=list)


def coattendance(
    meeting: Any,
    institution: Any,
    pair_limit: int = DEFAULT_PAIR_LIMIT,
    min_weight: float = measures.MEETING_MIN_WEIGHT,
) -> tuple[list[tuple[int, int, int, float]], int]:
    """Return ``([(a, b, meetings shared, weight)], meetings skipped)`` from attendance.

    `meeting` and `institution` are parallel integer arrays, one entry per institution
    present at a meeting (repeats ignored).  Each meeting of n >= 2 institutions adds
    ``MEETING_WEIGHT / (n - 1)`` to each of its pairs (Newman's collaboration weighting);
    one of more than `pair_limit` institutions adds nothing and is counted as skipped, and
    a pair whose total stays below `min_weight` (``MEETING_MIN_WEIGHT``) makes no link.
    Sparse matrix products (B W Bᵀ, B the institution-by-meeting incidence), so 300,000
    attendances cost no Python loop.

    >>> import numpy as np
    >>> coattendance(np.array([1, 1, 1, 2, 2]), np.array([7, 8, 9, 7, 8]))
    ([(7, 8, 2, 1.5), (7, 9, 1, 0.5), (8, 9, 1, 0.5)], 0)
    """
    import numpy as np
    from scipy import sparse

    if len(meeting) == 0:
        return [], 0
    pairs = np.unique(np.stack([meeting, institution], axis=1), axis=0)
    meetings, m = np.unique(pairs[:, 0], return_inverse=True)
    institutions, i = np.unique(pairs[:, 1], return_inverse=True)
    present = np.bincount(m, minlength=len(meetings))
    counted = (present >= 2) & (present <= pair_limit)
    skipped = int((present > pair_limit).sum())
    damping = np.where(counted, measures.MEETING_WEIGHT / np.maximum(present - 1, 1), 0.0)
    incidence = sparse.csr_matrix(
        (np.ones(len(m)), (i, m)), shape=(len(institutions), len(meetings))
    )
    weights = sparse.triu(incidence @ sparse.diags(damping) @ incidence.T, k=1).tocoo()
    counts = sparse.triu(incidence @ sparse.diags(counted.astype(float)) @ incidence.T, k=1).tocsr()
    keep = weights.data >= max(min_weight, 1e-12)
    rows, columns, values = weights.row[keep], weights.col[keep], weights.data[keep]
    shared = np.asarray(counts[rows, columns]).ravel()
    order = np.lexsort((columns, rows))
    result = list(
        zip(
            institutions[rows[order]].tolist(),
            institutions[columns[order]].tolist(),
            shared[order].astype(np.int64).tolist(),
            values[order].tolist(),
            strict=True,
        )
    )
    return result, skipped


def rows_for(
    rows: NetworkRows, day: date, pair_limit: int = DEFAULT_PAIR_LIMIT, *, reasons: bool = True
) -> DayGraph:
    """Return the nodes, collaboration edges and affiliation pairs of the network on `day`.

    Nodes are the institutions that were members on `day`.  Collaboration edges come from
    the ties that count on `day` (`measures.tie_weight`: not declined, begun, not ended),
    from meetings and events ended by then that people of both attended
    (`coattendance`), and from deliverables whose live tasks people of both are assigned.
    Shared working groups make the affiliation pairs, a separate layer.  Without
    `reasons`, every reason is None and no affiliation is listed: what figures that only
    count links need.
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
    for tie_id, a, b, kind, since, status, ends_on in rows.ties:
        if a not in active or b not in active:
            continue
        weight = measures.tie_weight(kind, status, since, ends_on, day)
        if weight <= 0:
            continue
        edges.append(
            (
                a,
                b,
                {
                    "type": "tie",
                    "kind": kind,
                    "status": status,
                    "since": since.isoformat(),
                    "id": tie_id,
                    "weight": round(weight, 4),
                }
                if reasons
                else None,
            )
        )
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
        reason = (
            {
                "type": "deliverable",
                "deliverable_id": deliverable_id,
                "weight": measures.DELIVERABLE_WEIGHT,
            }
            if reasons
            else None
        )
        edges.extend((a, b, reason) for a, b in _pairs(together))
    skipped_meetings = 0
    if rows.attendance:
        import numpy as np

        meeting, institution, ended = rows.attendance_arrays()
        ids = np.fromiter(active, dtype=np.int64, count=len(active))
        mask = (ended > 0) & (ended <= day.toordinal()) & np.isin(institution, ids)
        together, skipped_meetings = coattendance(meeting[mask], institution[mask], pair_limit)
        for a, b, count, weight in together:
            edges.append(
                (
                    a,
                    b,
                    {"type": "meetings", "count": count, "weight": round(weight, 4)}
                    if reasons
                    else None,
                )
            )

    affiliation: list[tuple[int, int, list[str]]] = []
    skipped_groups = []
    shared: dict[tuple[int, int], list[str]] = defaultdict(list)
    for slug in sorted(members):
        together_in_group = members[slug]
        if len(together_in_group) > pair_limit:
            skipped_groups.append(slug)
            continue
        if reasons:
            for pair in _pairs(together_in_group):
                shared[pair].append(slug)
    affiliation = [(a, b, slugs) for (a, b), slugs in sorted(shared.items())]
    return DayGraph(
        nodes=list(active.values()),
        edges=edges,
        skipped={
            "groups": skipped_groups,
            "deliverables": skipped_deliverables,
            "meetings": skipped_meetings,
        },
        affiliation=affiliation,
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
        layout_started = time.perf_counter()
        positions = measures.layout(G, coalition["communities"], seed=SEED)
        layout_seconds = time.perf_counter() - layout_started
        over_time_started = time.perf_counter()
        history = over_time(rows, as_of, settings.pair_limit, graph_of_as_of=G)
        over_time_seconds = time.perf_counter() - over_time_started
        # Last, so that a second process computing betweenness overlaps all of the above.
        values, info = measures.node_measures(
            G, seed=SEED, centralities=functools.partial(centralities, G)
        )
    measured = time.perf_counter()
    for v, (x, y) in positions.items():
        values[v]["x"] = x
        values[v]["y"] = y
    document = measures.to_node_link(G, values, coalition)
    for edge in document["edges"]:
        edge["layer"] = measures.COLLABORATION
    document.update(
        {
            "as_of": as_of.isoformat(),
            "weight_rule": measures.WEIGHT_RULE,
            "measures_info": info,
            "introductions": introductions,
            "over_time": history,
            "skipped": day_rows.skipped,
            # The other layer: pairs of institutions in the same working group(s).
            "affiliation": [
                {"source": a, "target": b, "layer": measures.AFFILIATION, "groups": groups}
                for a, b, groups in day_rows.affiliation
            ],
            "timings": {
                "build": round(built - started, 4),
                "measures": round(measured - built - over_time_seconds - layout_seconds, 4),
                "layout": round(layout_seconds, 4),
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
