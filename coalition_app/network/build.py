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
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from multiprocessing import get_context
from typing import Any

import networkx as nx
import numpy as np
from scipy import sparse
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
    _arrays: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def _made_once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._arrays:
            self._arrays[name] = make()
        return self._arrays[name]

    def institution_arrays(self) -> tuple[Any, Any, Any]:
        """``(ids, joined_on, left_on)`` as numpy arrays (ordinals, 0: never left), by id."""

        def make() -> tuple[Any, Any, Any]:
            ordered = sorted(self.institutions, key=lambda r: r[0])
            ids = np.array([r[0] for r in ordered], dtype=np.int64)
            joined = np.array([r[6].toordinal() for r in ordered], dtype=np.int64)
            left = np.array([r[7].toordinal() if r[7] else 0 for r in ordered], dtype=np.int64)
            return ids, joined, left

        return self._made_once("institutions", make)

    def _positions(self, institution_ids: Any) -> Any:
        """Each id's position in `institution_arrays`' ids, -1 for an unknown one."""
        ids = self.institution_arrays()[0]
        if not len(ids):
            return np.full(len(institution_ids), -1, dtype=np.int64)
        position = np.searchsorted(ids, institution_ids).clip(0, len(ids) - 1)
        return np.where(ids[position] == institution_ids, position, -1)

    def tie_arrays(self) -> tuple[Any, ...]:
        """``(a, b, kind, status, since, ends_on)`` as numpy arrays (ordinals, 0: no end),
        with ``a`` and ``b`` as positions in `institution_arrays` (-1: unknown)."""

        def make() -> tuple[Any, ...]:
            ties = self.ties
            return (
                self._positions(np.array([t[1] for t in ties], dtype=np.int64)),
                self._positions(np.array([t[2] for t in ties], dtype=np.int64)),
                np.array([t[3] for t in ties], dtype=str),
                np.array([t[5] for t in ties], dtype=str),
                np.array([t[4].toordinal() for t in ties], dtype=np.int64),
                np.array([t[6].toordinal() if t[6] else 0 for t in ties], dtype=np.int64),
            )

        return self._made_once("ties", make)

    def attendance_arrays(self) -> tuple[Any, Any, Any, int]:
        """``(meeting, institution, ended_on, meeting count)``: one entry per institution
        present at a meeting (repeats removed), the meeting as an index from 0, the
        institution as its position in `institution_arrays`, the day the meeting ended as
        an ordinal (0: unknown)."""

        def make() -> tuple[Any, Any, Any, int]:
            ended = dict(self.meetings)
            pairs = np.array(self.attendance, dtype=np.int64).reshape(-1, 2)
            meeting_ids, meeting = np.unique(pairs[:, 0], return_inverse=True)
            institution = self._positions(pairs[:, 1])
            known = institution >= 0
            count = max(len(meeting_ids), 1)
            present = measures.distinct(institution[known] * count + meeting[known])
            institution, meeting = np.divmod(present, count)
            days = np.array(
                [ended[m].toordinal() if ended.get(m) else 0 for m in meeting_ids.tolist()],
                dtype=np.int64,
            )
            return meeting, institution, days[meeting], len(meeting_ids)

        return self._made_once("attendance", make)


def load_rows(session: Session) -> NetworkRows:
    """Read the network's rows in six statements, whatever the size of the coalition."""
    # Plain Core rows on the session's connection: the ORM's row handling cost more than
    # the statements themselves on 300,000 attendances.
    connection = session.connection()
    institutions = connection.execute(
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
    memberships = connection.execute(
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
    ties = connection.execute(
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
    work = connection.execute(
        select(Task.deliverable_id, User.institution_id, Task.created_at)
        .join(User, User.id == Task.assignee_id)
        .join(Deliverable, Deliverable.id == Task.deliverable_id)
        .where(Task.archived_at.is_(None), Deliverable.archived_at.is_(None), User.is_active)
    ).all()
    meetings = connection.execute(
        select(Meeting.id, Meeting.ends_at).where(Meeting.cancelled_at.is_(None))
    ).all()
    attendance = connection.execute(
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


def _active(joined_on: Any, left_on: Any, day: date) -> Any:
    # The same rule as Institution.active_on, on ordinals (0: never left).
    today = day.toordinal()
    return (joined_on <= today) & ((left_on == 0) | (left_on > today))


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
    Pairs come sorted; see `coattendance_arrays` for the computation.

    >>> import numpy as np
    >>> coattendance(np.array([1, 1, 1, 2, 2]), np.array([7, 8, 9, 7, 8]))
    ([(7, 8, 2, 1.5), (7, 9, 1, 0.5), (8, 9, 1, 0.5)], 0)
    """
    a, b, shared, weight, skipped = coattendance_arrays(
        meeting, institution, pair_limit, min_weight
    )
    assert shared is not None
    return list(zip(a.tolist(), b.tolist(), shared.tolist(), weight.tolist(), strict=True)), skipped


def coattendance_arrays(
    meeting: Any,
    institution: Any,
    pair_limit: int = DEFAULT_PAIR_LIMIT,
    min_weight: float = measures.MEETING_MIN_WEIGHT,
    *,
    counts: bool = True,
) -> tuple[Any, Any, Any, Any, int]:
    """`coattendance` as arrays ``(a, b, meetings shared or None, weight, skipped)``; without
    `counts`, no meetings shared and the pairs in no particular order."""
    empty = np.zeros(0, dtype=np.int64)
    if len(meeting) == 0:
        return empty, empty, empty if counts else None, np.zeros(0), 0
    meetings, m = np.unique(np.asarray(meeting, dtype=np.int64), return_inverse=True)
    institutions, i = np.unique(np.asarray(institution, dtype=np.int64), return_inverse=True)
    present = measures.distinct(i * len(meetings) + m)  # repeats counted once
    i, m = np.divmod(present, len(meetings))
    a, b, shared, weight, skipped = _coattendance(
        m, i, len(meetings), len(institutions), pair_limit, min_weight, counts=counts
    )
    return institutions[a], institutions[b], shared, weight, skipped


def _coattendance(
    m: Any,
    i: Any,
    meeting_count: int,
    institution_count: int,
    pair_limit: int,
    min_weight: float,
    *,
    counts: bool,
) -> tuple[Any, Any, Any, Any, int]:
    # `coattendance` on indices from 0, (meeting, institution) pairs without repeats.
    # One sparse product B W Bᵀ (B the institution-by-meeting incidence of the counted
    # meetings), so 300,000 attendances cost no Python loop.  With `counts`, each entry of
    # W is damping + 1j: the imaginary part of the product counts the meetings a pair
    # shared, in the same product.
    present = np.bincount(m, minlength=meeting_count)
    skipped = int((present > pair_limit).sum())
    counted = (present >= 2) & (present <= pair_limit)
    keep = counted[m]
    m, i = m[keep], i[keep]
    damping = measures.MEETING_WEIGHT / np.maximum(present - 1, 1)
    shape = (institution_count, meeting_count)
    values = damping[m] + 1j if counts else damping[m]
    weighted = sparse.csr_matrix((values, (i, m)), shape=shape)
    incidence = sparse.csr_matrix((np.ones(len(m)), (i, m)), shape=shape)
    product = (weighted @ incidence.T).tocsr()
    rows = np.repeat(np.arange(institution_count), np.diff(product.indptr))
    weights = product.data.real
    upper = (rows < product.indices) & (weights >= max(min_weight, 1e-12))
    a, b = rows[upper], product.indices[upper]
    if not counts:  # only the over-time figures ask for none, and they need no order
        return a, b, None, weights[upper], skipped
    order = np.lexsort((b, a))
    shared = np.rint(product.data.imag[upper][order]).astype(np.int64)
    return a[order], b[order], shared, weights[upper][order], skipped


@dataclass
class DayLinks:
    """Which institutions and links make the network of one date, as arrays (no reasons).

    `active` masks `NetworkRows.institution_arrays`; `ties` indexes `NetworkRows.ties`
    (those that count, with `tie_weight` in `tie_weights`); `work` lists the
    ``(deliverable_id, a, b)`` pairs of shared deliverables; `met` holds `coattendance`'s
    arrays ``(a, b, meetings shared or None, weight)``.
    """

    ids: Any
    active: Any
    ties: Any
    tie_weights: Any
    work: list[tuple[int, int, int]]
    met: tuple[Any, Any, Any, Any]
    skipped_deliverables: int
    skipped_meetings: int

    def pairs(self, rows: NetworkRows) -> tuple[Any, Any]:
        """Every link's two institution ids, repeats included: ``(first, second)``."""
        a, b = rows.tie_arrays()[:2]
        work = np.array([(x, y) for _, x, y in self.work], dtype=np.int64).reshape(-1, 2)
        return (
            np.concatenate([self.ids[a[self.ties]], work[:, 0], self.met[0]]),
            np.concatenate([self.ids[b[self.ties]], work[:, 1], self.met[1]]),
        )


def links_on(
    rows: NetworkRows, day: date, pair_limit: int = DEFAULT_PAIR_LIMIT, *, counts: bool = True
) -> DayLinks:
    """Return the institutions and collaboration links of `day` (see `rows_for`) as arrays."""
    ids, joined, left = rows.institution_arrays()
    active = _active(joined, left, day)
    active_ids = set(ids[active].tolist())

    a, b, kinds, statuses, since, ends_on = rows.tie_arrays()
    weights = measures.tie_weights(kinds, statuses, since, ends_on, day)
    both = (a >= 0) & (b >= 0) & active[a] & active[b]
    ties = np.flatnonzero(both & (weights > 0))

    on_deliverable: dict[int, set[int]] = defaultdict(set)
    for deliverable_id, iid, started in rows.work:
        if iid in active_ids and started is not None and started <= day:
            on_deliverable[deliverable_id].add(iid)
    work: list[tuple[int, int, int]] = []
    skipped_deliverables = 0
    for deliverable_id in sorted(on_deliverable):
        together = on_deliverable[deliverable_id]
        if len(together) > pair_limit:
            skipped_deliverables += 1
            continue
        work.extend((deliverable_id, x, y) for x, y in _pairs(together))

    empty = np.zeros(0, dtype=np.int64)
    met: tuple[Any, Any, Any, Any] = (empty, empty, empty, np.zeros(0))
    skipped_meetings = 0
    if rows.attendance:
        meeting, institution, ended, meeting_count = rows.attendance_arrays()
        mask = (ended > 0) & (ended <= day.toordinal()) & active[institution]
        first, second, shared, weight, skipped_meetings = _coattendance(
            meeting[mask],
            institution[mask],
            meeting_count,
            len(ids),
            pair_limit,
            measures.MEETING_MIN_WEIGHT,
            counts=counts,
        )
        met = (ids[first], ids[second], shared, weight)
    return DayLinks(
        ids=ids,
        active=active,
        ties=ties,
        tie_weights=weights[ties],
        work=work,
        met=met,
        skipped_deliverables=skipped_deliverables,
        skipped_meetings=skipped_meetings,
    )


def rows_for(
    rows: NetworkRows,
    day: date,
    pair_limit: int = DEFAULT_PAIR_LIMIT,
    links: DayLinks | None = None,
) -> DayGraph:
    """Return the nodes, collaboration edges and affiliation pairs of the network on `day`.

    Nodes are the institutions that were members on `day`.  Collaboration edges come from
    the ties that count on `day` (`measures.tie_weight`: not declined, begun, not ended),
    from meetings and events ended by then that people of both attended
    (`coattendance`), and from deliverables whose live tasks people of both are assigned.
    Shared working groups make the affiliation pairs, a separate layer.  `links`, if the
    caller has them, are `links_on` the same day.
    """
    links = links or links_on(rows, day, pair_limit)
    active: dict[int, dict[str, Any]] = {}
    counted = set(links.ids[links.active].tolist())
    for iid, name, acronym, sector, state, founder, joined_on, _left_on in rows.institutions:
        if iid in counted:
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
    for t, weight in zip(links.ties.tolist(), links.tie_weights.tolist(), strict=True):
        tie_id, a, b, kind, since, status, _ends_on = rows.ties[t]
        reason = {
            "type": "tie",
            "kind": kind,
            "status": status,
            "since": since.isoformat(),
            "id": tie_id,
            "weight": round(weight, 4),
        }
        edges.append((a, b, reason))
    reasons: dict[int, dict[str, Any]] = {}
    for deliverable_id, a, b in links.work:
        reason = reasons.get(deliverable_id)
        if reason is None:
            reason = reasons[deliverable_id] = {
                "type": "deliverable",
                "deliverable_id": deliverable_id,
                "weight": measures.DELIVERABLE_WEIGHT,
            }
        edges.append((a, b, reason))
    a_met, b_met, shared, met_weight = links.met
    assert shared is not None
    edges.extend(
        (a, b, {"type": "meetings", "count": count, "weight": round(weight, 4)})
        for a, b, count, weight in zip(
            a_met.tolist(), b_met.tolist(), shared.tolist(), met_weight.tolist(), strict=True
        )
    )

    skipped_groups = []
    shared_groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for slug in sorted(members):
        together_in_group = members[slug]
        if len(together_in_group) > pair_limit:
            skipped_groups.append(slug)
            continue
        for pair in _pairs(together_in_group):
            shared_groups[pair].append(slug)
    affiliation = [(a, b, slugs) for (a, b), slugs in sorted(shared_groups.items())]
    return DayGraph(
        nodes=list(active.values()),
        edges=edges,
        skipped={
            "groups": skipped_groups,
            "deliverables": links.skipped_deliverables,
            "meetings": links.skipped_meetings,
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
    links_of_as_of: DayLinks | None = None,
) -> list[dict[str, Any]]:
    """Headline figures at the end of each year from 2018, the last one on `as_of`.

    The same figures as `measures.measures_over_time` of each date's graph (a test checks
    it), computed from the bare rows: no year needs its graph built.  `graph_of_as_of`,
    when the caller has already built it, is used for the last row; else `links_of_as_of`
    (`links_on` of `as_of`, the largest year's), when the caller has them.

    Each year's links are worked out anew rather than swept once with the dates each link
    holds over: a meeting's co-attendance weight depends on how many of the institutions
    present are still members on the day (``MEETING_WEIGHT / (n - 1)``), so an institution
    leaving changes past meetings' weights and which pairs reach ``MEETING_MIN_WEIGHT``.
    """
    days = [date(year, 12, 31) for year in range(FIRST_YEAR, as_of.year)]
    if as_of.year >= FIRST_YEAR and graph_of_as_of is None:
        days.append(as_of)
    sectors = {r[0]: r[3] for r in rows.institutions}
    codes: dict[Any, int] = {}
    history = []
    for day in days:
        if day == as_of and links_of_as_of is not None:
            links = links_of_as_of
        else:
            links = links_on(rows, day, pair_limit, counts=False)
        ids = links.ids[links.active]
        sector = np.array(
            [codes.setdefault(sectors[i], len(codes)) for i in ids.tolist()], dtype=np.int64
        )
        first, second = links.pairs(rows)
        figures = measures.headline_figures_of_arrays(
            sector, np.searchsorted(ids, first), np.searchsorted(ids, second)
        )
        history.append({"label": day.isoformat(), **figures})
    if as_of.year >= FIRST_YEAR and graph_of_as_of is not None:
        history += measures.measures_over_time([(as_of.isoformat(), graph_of_as_of)])
    return history


@contextmanager
def centralities_alongside(
    nodes: list[int], edges: Any, settings: NetworkSettings
) -> Iterator[Callable[[nx.Graph], measures.Centralities]]:
    """Yield a function returning `measures.path_centralities` of the graph of `day_rows`.

    `nodes` are the institution ids, `edges` the links' ``(a, b)`` pairs (an array; repeats
    allowed).  Above `settings.parallel_above` institutions the centralities are computed
    beside the caller's work inside the block (building the graph included), started at
    once from these bare links: betweenness alone takes seconds on 10,000 institutions,
    about as long as all the other measures together.  KADABRA's estimate (above the exact
    limit) runs in a thread, since NetworKit releases the GIL while it samples; igraph's
    exact betweenness holds it, so it runs in a second process, a fresh interpreter
    ("spawn") because forking a threaded web server is unsafe.  If that process cannot
    start or dies, the function computes them here instead: slower, never wrong.
    """
    options = {
        "exact_limit": settings.betweenness_exact_limit,
        "error": settings.betweenness_error,
        "seed": SEED,
    }

    def here(G: nx.Graph) -> measures.Centralities:
        return measures.path_centralities(G, **options)

    if not settings.parallel_above or len(nodes) <= settings.parallel_above:
        yield here
        return
    executor: Executor
    try:
        if len(nodes) > settings.betweenness_exact_limit:
            # Imported here, before the thread starts: importing NetworKit (and the
            # scikit-learn it loads) inside the thread took the GIL in thousands of short
            # turns against the caller's building of the graph, each turn waiting out the
            # caller's switch interval, and stretched half a second of imports to about
            # four, KADABRA starting only then (the 10,000 network: 10.5 s against 7.3 s
            # with NetworKit already imported; `make bench BENCH=network`).
            import networkit  # noqa: F401

            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="betweenness")
        else:
            executor = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        future = executor.submit(
            measures.path_centralities_of_edges, sorted(nodes), edges, **options
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
    links = links_on(rows, as_of, settings.pair_limit)
    nodes = links.ids[links.active].tolist()
    # The figures of past years need nothing measured today: a thread computes them
    # meanwhile (mostly NumPy and SciPy work, which releases the GIL).
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="over-time") as years,
        centralities_alongside(nodes, np.column_stack(links.pairs(rows)), settings) as centralities,
    ):
        yearly = years.submit(_timed, over_time, rows, as_of, settings.pair_limit, None, links)
        day_rows = rows_for(rows, as_of, settings.pair_limit, links)
        G = measures.build_graph(day_rows.nodes, day_rows.edges)
        # One set of arrays (sparse adjacency, igraph graph...) for every measure below.
        arrays = measures.GraphArrays.of(G)
        built = time.perf_counter()
        coalition = measures.coalition_measures(G, seed=SEED, arrays=arrays)
        introductions = measures.suggest_introductions(
            G,
            limit=settings.introductions,
            seed=SEED,
            max_candidates=settings.introduction_candidates,
        )
        layout_started = time.perf_counter()
        positions = measures.layout(G, coalition["communities"], seed=SEED, arrays=arrays)
        layout_seconds = time.perf_counter() - layout_started
        # What needs no node measure is written while betweenness may still be running.
        edges = measures.node_link_edges(G)
        for edge in edges:
            edge["layer"] = measures.COLLABORATION
        # The other layer: pairs of institutions in the same working group(s).
        affiliation = [
            {"source": a, "target": b, "layer": measures.AFFILIATION, "groups": groups}
            for a, b, groups in day_rows.affiliation
        ]
        # Last, so that betweenness computed alongside overlaps all of the above.
        values, info = measures.node_measures(
            G, seed=SEED, centralities=functools.partial(centralities, G), arrays=arrays
        )
        history, over_time_seconds = yearly.result()
    measured = time.perf_counter()
    for v, (x, y) in positions.items():
        values[v]["x"] = x
        values[v]["y"] = y
    document = measures.to_node_link(G, values, coalition, edges=edges)
    document.update(
        {
            "as_of": as_of.isoformat(),
            "weight_rule": measures.WEIGHT_RULE,
            "measures_info": info,
            "introductions": introductions,
            "over_time": history,
            "skipped": day_rows.skipped,
            "affiliation": affiliation,
            "timings": {
                "build": round(built - started, 4),
                "measures": round(measured - built - layout_seconds, 4),
                "layout": round(layout_seconds, 4),
                "over_time": round(over_time_seconds, 4),
            },
        }
    )
    return document


def _timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """`function`'s result and the wall seconds it took."""
    started = time.perf_counter()
    return function(*args), time.perf_counter() - started


#: Each institution's measures as the table and the page's details list them (closeness may
#: be null).
NODE_MEASURES = (
    "degree",
    "weighted_degree",
    "betweenness",
    "eigenvector",
    "closeness",
    "sectors_reached",
    "broker",
)


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
    table_keys = ("id", "label", "acronym", "sector", *NODE_MEASURES)
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
