"""The network built from the database: edge reasons and weights, dates, queries, cache."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from coalition_app.network import build as network
from coalition_app.network import cache as network_cache
from coalition_app.network import measures
from models import Deliverable, GroupMembership, GroupRole, Institution, Task, Tie, TieKind
from tests.helpers import count_statements

TODAY = date.today()


@pytest.fixture
def make_tie(db_session):
    def make(first, second, kind=TieKind.JOINT_PROJECT, since=date(2020, 3, 1)) -> Tie:
        tie = Tie.between(first, second, kind=kind, since=since)
        db_session.add(tie)
        db_session.commit()
        return tie

    return make


@pytest.fixture
def make_deliverable(db_session):
    def make(group, owner=None, assignees=(), archived=False) -> Deliverable:
        deliverable = Deliverable(
            group=group,
            owner_institution=owner,
            title="Entregable de prueba",
            created_at=datetime(2021, 1, 1),
            archived_at=datetime(2022, 1, 1) if archived else None,
        )
        db_session.add(deliverable)
        for person in assignees:
            db_session.add(
                Task(
                    deliverable=deliverable,
                    title="Tarea",
                    assignee=person,
                    created_at=datetime(2021, 2, 1),
                )
            )
        db_session.commit()
        return deliverable

    return make


def _graph(app, day=TODAY):
    with app.app_context():
        rows = network.load_rows(app.extensions["database"].session)
    return network.graph_for(rows, day)


def test_collaboration_comes_from_ties_and_deliverables_and_groups_are_affiliation(
    app, make_institution, make_group, make_user, make_tie, make_deliverable
):
    a = make_institution(sector_slug="government")
    b = make_institution(sector_slug="academia")
    c = make_institution(sector_slug="industry")
    d = make_institution(sector_slug="civil_society")
    tie = make_tie(a, b, kind=TieKind.AGREEMENT, since=date(2020, 5, 4))
    group = make_group(leads=[a], members=[b, c])
    person_b = make_user(institution=b)
    person_d = make_user(institution=d)
    # c owns the deliverable but nobody of c is assigned a task: no co-work for c.
    deliverable = make_deliverable(group, owner=c, assignees=[person_b, person_d])

    G = _graph(app)

    tie_weight = round(
        measures.tie_weight("agreement", "confirmed", date(2020, 5, 4), None, TODAY), 4
    )
    assert G.edges[a.id, b.id]["reasons"] == [
        {
            "type": "tie",
            "kind": "agreement",
            "status": "confirmed",
            "since": "2020-05-04",
            "id": tie.id,
            "weight": tie_weight,
        }
    ]
    assert G.edges[a.id, b.id]["weight"] == tie_weight
    # b and d: people of both are assigned tasks of the same deliverable.
    assert G.edges[b.id, d.id]["reasons"] == [
        {
            "type": "deliverable",
            "deliverable_id": deliverable.id,
            "weight": measures.DELIVERABLE_WEIGHT,
        }
    ]
    # Sharing the group alone is no collaboration: c is isolated in the collaboration graph.
    assert not G.has_edge(b.id, c.id) and not G.has_edge(a.id, c.id)
    assert G.degree(c.id) == 0
    assert G.nodes[a.id]["groups"] == [group.slug]
    assert G.nodes[a.id]["sector"] == "government"
    with app.app_context():
        rows = network.load_rows(app.extensions["database"].session)
    affiliation = network.rows_for(rows, TODAY).affiliation
    assert sorted(affiliation) == sorted(
        [
            (min(x, y), max(x, y), [group.slug])
            for x, y in [(a.id, b.id), (a.id, c.id), (b.id, c.id)]
        ]
    )


def test_archived_deliverables_and_tasks_make_no_edge(
    app, make_institution, make_group, make_user, make_deliverable
):
    a, b = make_institution(), make_institution()
    group = make_group()
    make_deliverable(group, owner=a, assignees=[make_user(institution=b)], archived=True)
    assert not _graph(app).has_edge(a.id, b.id)


def test_the_as_of_network_leaves_out_institutions_not_yet_joined_or_already_left(
    app, make_institution, make_tie, make_group
):
    early = make_institution(joined_on=date(2018, 6, 1))
    late = make_institution(joined_on=date(2021, 1, 1))
    gone = make_institution(joined_on=date(2018, 6, 1), left_on=date(2020, 1, 1))
    make_tie(early, late, since=date(2021, 2, 1))
    make_tie(early, gone, since=date(2019, 2, 1))
    make_group(members=[early, gone])

    in_2019 = _graph(app, date(2019, 12, 31))
    assert {early.id, gone.id} <= set(in_2019) and late.id not in in_2019
    assert in_2019.has_edge(early.id, gone.id)

    in_2020 = _graph(app, date(2020, 6, 1))
    assert early.id in in_2020 and gone.id not in in_2020 and late.id not in in_2020

    now = _graph(app)
    assert {early.id, late.id} <= set(now) and gone.id not in now
    assert now.has_edge(early.id, late.id)
    # A tie recorded after the date is not in that date's network.
    assert not _graph(app, date(2021, 1, 15)).has_edge(early.id, late.id)


def test_group_membership_is_affiliation_only_while_current(
    app, make_institution, make_group, db_session
):
    a, b = make_institution(), make_institution()
    group = make_group(members=[a])
    db_session.add(
        GroupMembership(
            group=group,
            institution=b,
            role=GroupRole.MEMBER,
            since=date(2019, 11, 1),
            until=date(2022, 1, 1),
        )
    )
    db_session.commit()
    with app.app_context():
        rows = network.load_rows(app.extensions["database"].session)
    pair = (min(a.id, b.id), max(a.id, b.id), [group.slug])
    assert network.rows_for(rows, date(2021, 6, 1)).affiliation == [pair]
    assert network.rows_for(rows, TODAY).affiliation == []
    # Never a collaboration link.
    assert not _graph(app, date(2021, 6, 1)).has_edge(a.id, b.id)


def test_groups_larger_than_the_pair_limit_add_no_pairwise_edges(app, make_institution, make_group):
    members = [make_institution() for _ in range(4)]
    group = make_group(members=members)
    with app.app_context():
        rows = network.load_rows(app.extensions["database"].session)
    day = network.rows_for(rows, TODAY, pair_limit=3)
    assert day.affiliation == [] and day.skipped["groups"] == [group.slug]
    assert all(node["groups"] == [group.slug] for node in day.nodes)


def test_seeded_network_has_the_recorded_ties_with_their_reasons(seeded_app):
    with seeded_app.app_context():
        session = seeded_app.extensions["database"].session
        rows = network.load_rows(session)
        active = set(session.scalars(select(Institution.id).where(Institution.active_on(TODAY))))
        ties = session.scalars(select(Tie)).all()
    G = network.graph_for(rows, TODAY)
    assert set(G) == active and len(active) > 100
    checked = 0
    for tie in ties:
        a, b = tie.institution_a_id, tie.institution_b_id
        if a in G and b in G and tie.since <= TODAY:
            reasons = G.edges[a, b]["reasons"]
            weight = measures.tie_weight(
                str(tie.kind), str(tie.status), tie.since, tie.ends_on, TODAY
            )
            assert {
                "type": "tie",
                "kind": str(tie.kind),
                "status": str(tie.status),
                "since": tie.since.isoformat(),
                "id": tie.id,
                "weight": round(weight, 4),
            } in reasons
            assert G.edges[a, b]["weight"] == measures.edge_weight(reasons)
            checked += 1
    assert checked > 100
    kinds = {r["type"] for _, _, rs in G.edges(data="reasons") for r in rs}
    # No group cliques any more: the seed's links are its ties, its shared work and its
    # meetings' co-attendance (seeds/data/meetings.yaml).
    assert kinds == {"tie", "deliverable", "meetings"}


def test_over_time_figures_are_those_of_each_years_graph(seeded_app):
    with seeded_app.app_context():
        rows = network.load_rows(seeded_app.extensions["database"].session)
    days = [date(year, 12, 31) for year in range(network.FIRST_YEAR, TODAY.year)] + [TODAY]

    history = network.over_time(rows, TODAY)

    expected = measures.measures_over_time(
        (day.isoformat(), network.graph_for(rows, day)) for day in days
    )
    assert history == expected
    assert [row["node_count"] for row in history][:3] == [10, 40, 115]
    assert history[-1]["edge_count"] > history[0]["edge_count"] > 0


def test_betweenness_in_a_second_process_gives_the_same_figures(seeded_app):
    with seeded_app.app_context():
        rows = network.load_rows(seeded_app.extensions["database"].session)
    # Sampled (exact limit below the size), so the seeded sample must match too.
    serial = network.NetworkSettings(betweenness_exact_limit=50, parallel_above=0)
    parallel = network.NetworkSettings(betweenness_exact_limit=50, parallel_above=10)

    here = network.compute_network(rows, TODAY, serial)
    there = network.compute_network(rows, TODAY, parallel)

    assert there["measures_info"] == here["measures_info"]
    assert there["measures_info"]["betweenness"] == "sampled"
    betweenness = {n["id"]: n["betweenness"] for n in here["nodes"]}
    assert {n["id"]: n["betweenness"] for n in there["nodes"]} == pytest.approx(betweenness)
    assert max(betweenness.values()) > 0
    for document in (here, there):
        document.pop("timings")
        for node in document["nodes"]:
            node.pop("betweenness")
    assert there == here


def test_exact_betweenness_in_a_second_process_gives_the_same_figures(seeded_app):
    with seeded_app.app_context():
        rows = network.load_rows(seeded_app.extensions["database"].session)
    # Exact (igraph holds the GIL): a second process, fed the bare links as an array.
    here = network.compute_network(rows, TODAY, network.NetworkSettings(parallel_above=0))
    there = network.compute_network(rows, TODAY, network.NetworkSettings(parallel_above=10))

    assert there["measures_info"] == here["measures_info"]
    assert there["measures_info"]["betweenness"] == "exact"
    for key in ("betweenness", "closeness"):
        expected = {n["id"]: n[key] for n in here["nodes"]}
        assert {n["id"]: n[key] for n in there["nodes"]} == pytest.approx(expected)


def test_without_a_second_process_the_figures_are_computed_here(seeded_app, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(network, "ProcessPoolExecutor", refuse)
    with seeded_app.app_context():
        rows = network.load_rows(seeded_app.extensions["database"].session)
    settings = network.NetworkSettings(parallel_above=10)

    document = network.compute_network(rows, TODAY, settings)

    assert document["measures_info"]["betweenness"] == "exact"
    assert max(n["betweenness"] for n in document["nodes"]) > 0


def test_building_the_graph_takes_a_fixed_number_of_queries(
    app, make_institution, make_group, make_tie, make_user, make_deliverable
):
    def count() -> int:
        with app.app_context():
            database = app.extensions["database"]
            with count_statements(database.session.connection()) as counter:
                network.load_rows(database.session)
            return counter.count

    a, b = make_institution(), make_institution()
    make_tie(a, b)
    before = count()
    more = [make_institution() for _ in range(5)]
    for other in more:
        make_tie(a, other)
    group = make_group(members=more)
    make_deliverable(group, owner=b, assignees=[make_user(institution=x) for x in more[:3]])
    assert count() == before == 6


# --- the cache --------------------------------------------------------------------------


def test_cache_is_not_rebuilt_without_a_change_and_is_after_one(app, make_institution, make_tie):
    a, b = make_institution(), make_institution()
    make_tie(a, b)
    with app.app_context():
        cache = network_cache.get_cache()
        first = cache.get(TODAY)
        again = cache.get(TODAY)
        assert cache.builds == 1
        assert again.version == first.version and not again.stale

    c = make_institution()  # a change to the network's data bumps the data version
    make_tie(a, c)
    with app.app_context():
        after = cache.get(TODAY)
        assert cache.builds == 2
        assert after.version > first.version
        assert after.summary["node_count"] == first.summary["node_count"] + 1
        cache.get(TODAY)
        assert cache.builds == 2


def test_a_change_outside_the_network_does_not_rebuild(app, make_user, db_session):
    person = make_user()
    with app.app_context():
        cache = network_cache.get_cache()
        cache.get(TODAY)
    person.full_name = "Otro nombre"
    db_session.commit()
    with app.app_context():
        cache.get(TODAY)
    assert cache.builds == 1


def test_large_networks_rebuild_in_the_background_serving_the_last_version(
    app, make_institution, make_tie
):
    a, b = make_institution(), make_institution()
    make_tie(a, b)
    scheduled = []
    with app.app_context():
        cache = network_cache.get_cache()
        cache.schedule = lambda c, day: scheduled.append(day)
        cache.threshold = 0  # every size counts as large
        assert cache.get(TODAY) is None  # nothing yet: a build is started, nobody waits
        assert scheduled == [TODAY] and cache.builds == 0
        assert cache.get(TODAY) is None and scheduled == [TODAY]  # one rebuild at a time
        cache.rebuild_now(TODAY)  # what the thread or the RQ worker runs
    with app.app_context():
        fresh = cache.get(TODAY)
        assert fresh is not None and not fresh.stale and cache.builds == 1

    make_tie(a, make_institution())
    with app.app_context():
        served = cache.get(TODAY)
        assert served.stale and served.building and served.version == fresh.version
        assert served.age_seconds >= 0
        assert scheduled == [TODAY, TODAY]
        cache.rebuild_now(TODAY)
    with app.app_context():
        newest = cache.get(TODAY)
        assert not newest.stale and newest.version > fresh.version and cache.builds == 2


def test_a_real_background_thread_rebuilds(app, make_institution, make_tie):
    make_tie(make_institution(), make_institution())
    with app.app_context():
        cache = network_cache.get_cache()
        cache.threshold = 0
        done = []
        original = cache.rebuild_now

        def rebuild(day):
            # In tests the session is bound to the test's connection: build on this thread.
            done.append(day)

        cache.rebuild_now = rebuild
        assert cache.get(TODAY) is None
    for _ in range(250):
        if done:
            break
        time.sleep(0.02)
    assert done == [TODAY]
    assert original is not None


def test_redis_backend_shares_entries_between_caches():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    first = network_cache.RedisBackend(url)
    second = network_cache.RedisBackend(url)
    key = f"test-network:{datetime.now().timestamp()}"
    first.set(key, b"value", 30)
    assert second.get(key) == b"value"
    assert second.add(key + ":lock", b"1", 30) and not first.add(key + ":lock", b"1", 30)
    first.delete(key)
    first.delete(key + ":lock")
    assert second.get(key) is None


def test_memory_backend_evicts_the_least_recently_used():
    backend = network_cache.MemoryBackend(max_items=2)
    backend.set("a", b"1")
    backend.set("b", b"2")
    backend.get("a")
    backend.set("c", b"3")
    assert backend.get("b") is None and backend.get("a") == b"1"


def test_over_time_figures_run_from_2018_to_the_date(app, make_institution):
    make_institution(joined_on=date(2018, 6, 1))
    make_institution(joined_on=TODAY - timedelta(days=1))
    with app.app_context():
        rows = network.load_rows(app.extensions["database"].session)
    history = network.over_time(rows, TODAY)
    assert history[0]["label"] == "2018-12-31" and history[-1]["label"] == TODAY.isoformat()
    assert history[0]["node_count"] == 1 and history[-1]["node_count"] == 2


def test_memory_backend_stays_within_its_byte_budget():
    backend = network_cache.MemoryBackend(max_bytes=10)
    backend.set("a", b"12345")
    backend.set("b", b"12345")
    backend.set("c", b"12345")
    assert backend.get("a") is None and backend.get("c") == b"12345"


def test_a_superseded_version_expires_soon(app, make_institution, make_tie):
    a, b = make_institution(), make_institution()
    make_tie(a, b)
    with app.app_context():
        cache = network_cache.get_cache()
        first = cache.get(TODAY)
    make_tie(a, make_institution())
    with app.app_context():
        cache.get(TODAY)
    expires = cache.backend._items[f"{first.key}:json"][1]
    assert expires - time.monotonic() <= network_cache.SUPERSEDED_TTL


def test_rq_mode_enqueues_one_rebuild_job_on_redis():
    redis = pytest.importorskip("redis")
    rq = pytest.importorskip("rq")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    cache = network_cache.NetworkCache(
        network_cache.RedisBackend(url),
        network.NetworkSettings(),
        threshold=0,
        schedule=network_cache._rq_schedule,
    )
    queue = rq.Queue("network", connection=cache.backend.client)
    queue.empty()
    cache.backend.delete(cache.lock_key(TODAY))
    try:
        assert cache.start_rebuild(TODAY)
        assert not cache.start_rebuild(TODAY)  # the lock is shared: one job per date
        jobs = queue.get_jobs()
        assert [job.func_name for job in jobs] == ["coalition_app.network.cache.rebuild_job"]
        assert jobs[0].args == (TODAY.isoformat(),)
    finally:
        queue.empty()
        cache.backend.delete(cache.lock_key(TODAY))


# --- issue 14: the network tells the truth -----------------------------------------------


def test_recording_confirming_and_ending_a_tie_changes_the_network_and_its_version(
    app, make_institution, db_session
):
    from models import TieStatus
    from models.versions import NETWORK, current_version

    a, b = make_institution(), make_institution()
    with app.app_context():
        cache = network_cache.get_cache()
        empty = cache.get(TODAY)
    assert empty.summary["edge_count"] == 0

    # Recorded by one side: counts, at half weight.
    tie = Tie.between(a, b, kind=TieKind.JOINT_PROJECT, since=TODAY, status=TieStatus.UNCONFIRMED)
    db_session.add(tie)
    db_session.commit()
    with app.app_context():
        recorded = cache.get(TODAY)
        G = _graph(app)
    assert recorded.version > empty.version and recorded.summary["edge_count"] == 1
    assert G.edges[a.id, b.id]["weight"] == pytest.approx(3.0 * measures.UNCONFIRMED_FACTOR)

    # Confirmed by the other side: full weight, a new version.  (Each app context above
    # closed the session: the tie is loaded again before each change.)
    tie = db_session.get(Tie, tie.id)
    tie.status = TieStatus.CONFIRMED
    db_session.commit()
    with app.app_context():
        confirmed = cache.get(TODAY)
    assert confirmed.version > recorded.version
    assert _graph(app).edges[a.id, b.id]["weight"] == pytest.approx(3.0)

    # Ended yesterday: no longer counts on today's network.
    tie = db_session.get(Tie, tie.id)
    tie.since = TODAY - timedelta(days=10)
    tie.ends_on = TODAY - timedelta(days=1)
    db_session.commit()
    with app.app_context():
        ended = cache.get(TODAY)
        version = current_version(db_session, NETWORK)
    assert ended.version == version > confirmed.version
    assert ended.summary["edge_count"] == 0 and ended.summary["coalition"]["isolate_count"] == 2
    assert _graph(app, TODAY - timedelta(days=2)).has_edge(a.id, b.id)

    # Declined: never counts, even on the days it covered.
    tie = db_session.get(Tie, tie.id)
    tie.status = TieStatus.DECLINED
    db_session.commit()
    assert not _graph(app, TODAY - timedelta(days=2)).has_edge(a.id, b.id)


def test_isolates_are_counted_on_collaboration_only(app, make_institution, make_group, make_tie):
    a, b, c = make_institution(), make_institution(), make_institution()
    make_group(members=[a, b, c])  # one group: affiliation, no collaboration
    make_tie(a, b)
    with app.app_context():
        summary = network_cache.get_cache().get(TODAY).summary
    isolated = {item["id"] for item in summary["coalition"]["isolates"]}
    assert isolated == {c.id}
    assert summary["coalition"]["isolate_count"] == 1


@pytest.fixture
def make_meeting(db_session, make_user):
    from models import Meeting, MeetingAttendance

    def make(institutions, *, days_ago=30, cancelled=False, attended=True) -> Meeting:
        starts = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time())
        meeting = Meeting(
            title="Sesión",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            cancelled_at=starts if cancelled else None,
        )
        db_session.add(meeting)
        for institution in institutions:
            person = make_user(institution=institution)
            db_session.add(
                MeetingAttendance(
                    meeting=meeting, person=person, institution=institution, attended=attended
                )
            )
        db_session.commit()
        return meeting

    return make


def test_co_attendance_weighs_shared_past_meetings_with_newmans_damping(
    app, make_institution, make_meeting
):
    a, b, c, d = (make_institution() for _ in range(4))
    make_meeting([a, b])  # two institutions: 1 each
    make_meeting([a, b, c])  # three: 1/2 each pair
    make_meeting([a, d], cancelled=True)  # cancelled: nothing
    make_meeting([c, d], days_ago=-5)  # still to come: nothing
    make_meeting([b, d], attended=False)  # invited, not attended: nothing

    G = _graph(app)

    assert G.edges[a.id, b.id]["reasons"] == [{"type": "meetings", "count": 2, "weight": 1.5}]
    assert G.edges[a.id, b.id]["weight"] == pytest.approx(1.5)
    assert G.edges[a.id, c.id]["weight"] == pytest.approx(0.5)
    assert G.edges[b.id, c.id]["weight"] == pytest.approx(0.5)
    assert G.degree(d.id) == 0
    # Before the meetings, no link.
    assert not _graph(app, TODAY - timedelta(days=40)).has_edge(a.id, b.id)


@pytest.mark.parametrize("seed", [1, 2])
def test_over_time_of_a_random_coalition_is_each_years_graph(tmp_path, seed):
    # A synthetic coalition (ties, shared work, meetings, institutions that left): the
    # over-time figures from bare rows, with or without the last day's links handed over
    # as the network's computation does, are those of each year's graph.
    from sqlalchemy.orm import Session
    from werkzeug.security import generate_password_hash

    from coalition_app.core import migrations
    from coalition_app.core.db import make_engine
    from coalition_app.network.synthetic import PASSWORD, seed_synthetic
    from tests.helpers import FAST_HASH

    url = f"sqlite:///{tmp_path / 'synthetic.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_synthetic(
            session,
            institutions=300,
            ties=1_200,
            seed=seed,
            password_hash=generate_password_hash(PASSWORD, FAST_HASH),
        )
        session.commit()
        rows = network.load_rows(session)
    engine.dispose()
    assert rows.attendance and rows.work and any(r[7] for r in rows.institutions)
    days = [date(year, 12, 31) for year in range(network.FIRST_YEAR, TODAY.year)] + [TODAY]
    expected = measures.measures_over_time(
        (day.isoformat(), network.graph_for(rows, day)) for day in days
    )

    history = network.over_time(rows, TODAY)
    handed = network.over_time(rows, TODAY, links_of_as_of=network.links_on(rows, TODAY))
    computed = network.compute_network(rows, TODAY)["over_time"]

    assert history == handed == computed == expected
    assert len({row["edge_count"] for row in history}) > 3


def test_the_sampling_library_is_imported_before_its_thread_starts(seeded_app, monkeypatch):
    # Imported inside the thread, NetworKit's import fought the caller for the GIL and
    # delayed KADABRA by seconds on 10,000 institutions; the caller imports it first.
    import sys

    monkeypatch.delitem(sys.modules, "networkit", raising=False)
    imported_at_submit: dict[str, bool] = {}
    submit = network.ThreadPoolExecutor.submit

    def watched(self, *args, **kwargs):
        imported_at_submit[self._thread_name_prefix] = "networkit" in sys.modules
        return submit(self, *args, **kwargs)

    monkeypatch.setattr(network.ThreadPoolExecutor, "submit", watched)
    with seeded_app.app_context():
        rows = network.load_rows(seeded_app.extensions["database"].session)
    settings = network.NetworkSettings(betweenness_exact_limit=50, parallel_above=10)

    document = network.compute_network(rows, TODAY, settings)

    assert document["measures_info"]["betweenness"] == "sampled"
    assert imported_at_submit["betweenness"] is True
