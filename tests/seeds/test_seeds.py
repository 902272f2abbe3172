"""The seed data: the coalition's known shape, the demo accounts, idempotence and honesty."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from models import (
    OUTSIDE_MEXICO,
    Base,
    Basis,
    Deliverable,
    GroupMembership,
    GroupRole,
    Institution,
    ProgressUpdate,
    Role,
    Sector,
    Task,
    Tie,
    TieKind,
    TieStatus,
    User,
    WorkingGroup,
    WorkStatus,
)
from seeds import DATA_DIR, DEMO_PASSWORD, load_all, read_seed_data
from tests.helpers import count_statements, sign_in

FAST_HASH = "pbkdf2:sha256:1000"

# The ties that public sources document; every other tie must be marked demo.
DOCUMENTED_TIES = {
    ("C Minds", "Oxford Insights", TieKind.COAUTHORSHIP, date(2018, 6, 1)),
    ("UK Embassy", "C Minds", TieKind.AGREEMENT, date(2018, 6, 1)),
    ("UK Embassy", "Oxford Insights", TieKind.AGREEMENT, date(2018, 6, 1)),
    ("CEDN", "SFP", TieKind.JOINT_PROJECT, date(2018, 1, 1)),
    ("Jalisco", "BID", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("Jalisco", "Tec", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("BID", "Tec", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("Tec", "Intel", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("Tec", "Wizeline", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("Tec", "Amdocs", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("Tec", "SparkCognition", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("Tec", "TCS", TieKind.JOINT_PROJECT, date(2019, 1, 1)),
    ("UNESCO", "Centro-i", TieKind.COAUTHORSHIP, date(2024, 7, 3)),
    ("IDEA GTO", "Microsoft", TieKind.AGREEMENT, date(2025, 1, 1)),
    ("FAO", "Jalisco", TieKind.JOINT_PROJECT, date(2025, 8, 26)),
    ("SMIA", "UPY", TieKind.EVENT, date(2018, 6, 1)),
    ("SMIA", "UNISON", TieKind.EVENT, date(2021, 5, 18)),
    ("SMIA", "UP", TieKind.EVENT, date(2025, 5, 12)),
    ("CAF", "C Minds", TieKind.COAUTHORSHIP, date(2020, 1, 1)),
}


def load(session, **options):
    options.setdefault("password_hash_method", FAST_HASH)
    return load_all(session, **options)


def active_count(session, day: date) -> int:
    return session.scalar(
        select(func.count()).select_from(Institution).where(Institution.active_on(day))
    )


def by_acronym(session, acronym: str) -> Institution:
    return session.scalars(select(Institution).where(Institution.acronym == acronym)).one()


def current_rows(session, slug: str) -> list[GroupMembership]:
    return list(
        session.scalars(
            select(GroupMembership)
            .join(WorkingGroup)
            .where(WorkingGroup.slug == slug, GroupMembership.until.is_(None))
        )
    )


def dump(session) -> dict[str, list[tuple]]:
    """Every row of every table, all columns, ordered by primary key."""
    return {
        table.name: [
            tuple(row)
            for row in session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in Base.metadata.sorted_tables
    }


def test_the_ten_founders_joined_in_june_2018_and_were_the_only_members_at_its_end(db_session):
    load(db_session)
    founders = db_session.scalars(select(Institution).where(Institution.is_founder)).all()
    assert len(founders) == 10
    assert {(f.joined_on.year, f.joined_on.month) for f in founders} == {(2018, 6)}
    assert active_count(db_session, date(2018, 12, 31)) == 10
    assert {f.acronym for f in founders} >= {"C Minds"}


def test_more_than_110_members_were_active_at_the_end_of_2020(db_session):
    load(db_session)
    assert 30 <= active_count(db_session, date(2019, 12, 31)) <= 50
    assert 110 <= active_count(db_session, date(2020, 12, 31)) < 130
    # A few joined later and a few left since: the history is there to show.
    late = db_session.scalar(
        select(func.count())
        .select_from(Institution)
        .where(Institution.joined_on > date(2020, 12, 31))
    )
    assert 3 <= late <= 6
    left = db_session.scalars(select(Institution).where(Institution.left_on.is_not(None))).all()
    assert 2 <= len(left) <= 3
    assert all(date(2020, 12, 31) < i.left_on <= date.today() for i in left)
    assert db_session.scalar(select(func.max(Institution.joined_on))) <= date.today()


def test_there_are_six_groups_each_with_a_current_lead(db_session):
    load(db_session)
    groups = db_session.scalars(select(WorkingGroup).order_by(WorkingGroup.position)).all()
    assert [g.slug for g in groups] == [
        "etica",
        "gobernanza",
        "investigacion",
        "habilidades",
        "datos",
        "exterior",
    ]
    today = date.today()
    for group in groups:
        assert group.description_es and group.description_en
        rows = current_rows(db_session, group.slug)
        leads = [m for m in rows if m.role == GroupRole.LEAD]
        assert leads, group.slug
        assert all(m.institution.is_active_on(today) for m in leads)
        institutions = {m.institution_id for m in group.memberships}
        assert 12 <= len(institutions) <= 30, group.slug
    # C Minds chairs some groups, not all of them.
    c_minds = by_acronym(db_session, "C Minds")
    led = {
        m.group.slug
        for m in db_session.scalars(
            select(GroupMembership).where(
                GroupMembership.institution_id == c_minds.id,
                GroupMembership.role == GroupRole.LEAD,
                GroupMembership.until.is_(None),
            )
        )
    }
    assert "etica" in led and len(led) < 6
    # The history of who led what is kept: a closed lead row exists.
    assert db_session.scalar(
        select(func.count())
        .select_from(GroupMembership)
        .where(GroupMembership.role == GroupRole.LEAD, GroupMembership.until.is_not(None))
    )


def test_every_founder_takes_part_in_a_group(db_session):
    load(db_session)
    founders = db_session.scalars(select(Institution).where(Institution.is_founder)).all()
    in_groups = set(db_session.scalars(select(GroupMembership.institution_id)))
    assert all(f.id in in_groups for f in founders)


def test_every_sector_is_present_and_members_come_from_at_least_20_states(db_session):
    load(db_session)
    day = date(2020, 12, 31)
    sectors = set(
        db_session.scalars(select(Institution.sector_slug).where(Institution.active_on(day)))
    )
    assert sectors == set(db_session.scalars(select(Sector.slug)))
    states = set(
        db_session.scalars(
            select(Institution.state_code).where(
                Institution.state_code.is_not(None), Institution.state_code != OUTSIDE_MEXICO
            )
        )
    )
    assert len(states) >= 20
    assert db_session.get(Institution, by_acronym(db_session, "Oxford Insights").id).state_code == (
        OUTSIDE_MEXICO
    )


def test_the_demo_accounts_have_their_roles_and_their_relation_to_the_ethics_group(db_session):
    today = date.today()
    load(db_session, today=today)
    users = {u.email: u for u in db_session.scalars(select(User))}
    coordinator = users["coordinator@example.org"]
    chair = users["chair@example.org"]
    member = users["member@example.org"]

    assert coordinator.role == Role.COORDINATOR
    assert coordinator.institution.acronym == "C Minds"
    assert chair.role == Role.MEMBER and member.role == Role.MEMBER
    rows = current_rows(db_session, "etica")
    leads = {m.institution_id for m in rows if m.role == GroupRole.LEAD}
    members = {m.institution_id for m in rows if m.role == GroupRole.MEMBER}
    assert chair.institution_id in leads
    assert member.institution_id in members and member.institution_id not in leads

    for user in (coordinator, chair, member):
        assert check_password_hash(user.password_hash, DEMO_PASSWORD)
        assert user.is_active
    assert 30 <= len(users) <= 60
    assert all(email.endswith("@example.org") for email in users)

    tasks = db_session.scalars(
        select(Task)
        .join(Deliverable)
        .join(WorkingGroup)
        .where(WorkingGroup.slug == "etica", Task.assignee_id == member.id)
    ).all()
    assert len(tasks) >= 2
    assert any(t.due_on < today and t.status != WorkStatus.DONE for t in tasks)


def test_the_demo_chair_is_a_named_chair_and_their_colleagues_are_not(db_session):
    from coalition_app.groups.queries import chairs_of

    today = date.today()
    load(db_session, today=today)
    groups = {g.slug: g for g in db_session.scalars(select(WorkingGroup))}
    users = {u.email: u for u in db_session.scalars(select(User))}
    chair, colleague = users["chair@example.org"], users["jorge.medina@example.org"]
    assert colleague.institution_id == chair.institution_id  # both of UNAM, a lead of Ética
    for slug in ("etica", "habilidades"):
        named = chairs_of(db_session, groups[slug], today)
        assert chair in named and colleague not in named
    # Every group has a chair of its own lead institutions; Datos changed hands in 2020.
    for group in groups.values():
        leads = {m.institution_id for m in current_rows(db_session, group.slug) if m.role == "lead"}
        named = chairs_of(db_session, group, today)
        assert named and {u.institution_id for u in named} <= leads
    assert [u.email for u in chairs_of(db_session, groups["datos"], date(2020, 3, 1))] == [
        "luis.aguilar@example.org"
    ]


def test_seeding_twice_gives_the_same_database(db_session):
    first_counts = load(db_session, today=date(2026, 11, 25))
    db_session.commit()
    first = dump(db_session)
    # A later run (another day, another hash method) changes nothing: no drifting due dates,
    # no re-hashed passwords, no duplicated rows.
    second_counts = load(db_session, today=date(2026, 12, 9), password_hash_method="scrypt")
    db_session.commit()
    assert dump(db_session) == first
    assert second_counts == first_counts
    assert first_counts["institutions"] == 120 and first_counts["users"] >= 30


def test_a_second_load_reads_each_table_once_and_writes_nothing(db_session):
    load(db_session)
    db_session.flush()
    with count_statements(db_session.connection()) as counter:
        load(db_session)
    writes = [s for s in counter.statements if not s.lstrip().upper().startswith("SELECT")]
    assert writes == []
    # 10, the demo meetings, agenda, public events, consultation and the agenda's
    # consultation evidence (seeds/*.py)
    assert counter.count <= 15


def test_a_reload_keeps_a_membership_change_made_in_the_app(db_session):
    load(db_session)
    member = db_session.scalars(select(User).where(User.email == "member@example.org")).one()
    row = next(
        m for m in current_rows(db_session, "etica") if m.institution_id == member.institution_id
    )
    # The institution becomes a lead: the app closes its member row and opens a lead row.
    row.until = date(2026, 1, 31)
    db_session.flush()
    db_session.add(
        GroupMembership(
            group=row.group,
            institution=row.institution,
            role=GroupRole.LEAD,
            since=date(2026, 2, 1),
        )
    )
    db_session.flush()

    load(db_session)
    rows = [
        m for m in current_rows(db_session, "etica") if m.institution_id == member.institution_id
    ]
    assert [(m.role, m.since) for m in rows] == [(GroupRole.LEAD, date(2026, 2, 1))]


def test_without_demo_there_are_no_people_nor_work_but_the_same_institutions(db_session):
    counts = load(db_session, demo=False)
    assert counts["users"] == counts["deliverables"] == 0
    assert counts["tasks"] == counts["progress_updates"] == 0
    assert counts["institutions"] == 120 and counts["group_memberships"] > 0
    assert set(db_session.scalars(select(Tie.basis))) == {Basis.DOCUMENTED}
    institutions = dump(db_session)["institutions"]

    counts = load(db_session, demo=True)
    assert dump(db_session)["institutions"] == institutions
    assert counts["users"] > 0 and counts["deliverables"] > 0


def test_every_invented_fact_is_marked_demo(db_session):
    load(db_session)
    data = read_seed_data(DATA_DIR)
    institutions = {i.name: i for i in db_session.scalars(select(Institution))}
    for row in data.institutions:
        stored = institutions[row.name]
        if row.relation in ("demo", "ecosystem"):
            assert stored.basis == Basis.DEMO, row.name
        if row.relation == "demo":
            assert stored.source.startswith("illustrative:"), row.name
        if row.founder:
            assert "founders illustrative" in stored.source, row.name
        if row.relation == "ecosystem":
            assert "not confirmed" in stored.source, row.name
    assert sum(i.basis != Basis.DEMO for i in institutions.values()) == 18

    acronyms = {i.id: i.acronym for i in institutions.values()}
    for tie in db_session.scalars(select(Tie)):
        key = (acronyms[tie.institution_a_id], acronyms[tie.institution_b_id])
        documented = {(a, b, kind, since) for a, b, kind, since in DOCUMENTED_TIES} | {
            (b, a, kind, since) for a, b, kind, since in DOCUMENTED_TIES
        }
        if (*key, tie.kind, tie.since) in documented:
            assert tie.basis == Basis.DOCUMENTED and tie.source
        else:
            assert tie.basis == Basis.DEMO, key
            assert tie.source.startswith("illustrative:")
    # Which institution led or joined which group is not public.
    assert set(db_session.scalars(select(GroupMembership.basis))) == {Basis.DEMO}
    assert set(db_session.scalars(select(Deliverable.basis))) == {Basis.DEMO}


def test_the_documented_ties_are_present(db_session):
    load(db_session)
    ties = {
        (
            frozenset((t.institution_a.acronym, t.institution_b.acronym)),
            t.kind,
            t.since,
            t.basis,
        )
        for t in db_session.scalars(select(Tie))
    }
    for a, b, kind, since in DOCUMENTED_TIES:
        assert (frozenset((a, b)), kind, since, Basis.DOCUMENTED) in ties, (a, b)
    c_minds_oxford = db_session.scalars(
        select(Tie).where(Tie.kind == TieKind.COAUTHORSHIP, Tie.since == date(2018, 6, 1))
    ).one()
    assert {c_minds_oxford.institution_a.name, c_minds_oxford.institution_b.name} == {
        "C Minds",
        "Oxford Insights",
    }
    assert "Towards an AI Strategy in Mexico" in c_minds_oxford.note


def test_demo_ties_and_memberships_fall_within_each_institution_s_membership(db_session):
    load(db_session)
    institutions = {i.id: i for i in db_session.scalars(select(Institution))}
    demo_ties = db_session.scalars(select(Tie).where(Tie.basis == Basis.DEMO)).all()
    assert 100 <= len(demo_ties) <= 200
    for tie in demo_ties:
        assert tie.institution_a_id < tie.institution_b_id
        for side in (institutions[tie.institution_a_id], institutions[tie.institution_b_id]):
            assert side.joined_on <= tie.since
            assert side.left_on is None or tie.since <= side.left_on
    kinds = {tie.kind for tie in demo_ties}
    # The demo ties show the four kinds the seed was written with (the later ones are entered).
    assert kinds >= {TieKind.JOINT_PROJECT, TieKind.AGREEMENT, TieKind.EVENT, TieKind.COAUTHORSHIP}
    assert all(tie.status == TieStatus.CONFIRMED for tie in demo_ties)
    for m in db_session.scalars(select(GroupMembership)):
        institution = institutions[m.institution_id]
        assert m.since >= max(institution.joined_on, date(2019, 11, 1))
        if institution.left_on is not None:
            assert m.until is not None and m.until <= institution.left_on


def test_demo_work_is_consistent_with_its_tasks_and_history(db_session):
    today = date.today()
    load(db_session, today=today)
    deliverables = db_session.scalars(select(Deliverable)).all()
    current = {
        (m.group_id, m.institution_id)
        for m in db_session.scalars(select(GroupMembership).where(GroupMembership.until.is_(None)))
    }
    statuses = {d.status for d in deliverables}
    assert statuses == set(WorkStatus)
    open_work = [d for d in deliverables if d.status != WorkStatus.DONE]
    assert any(d.due_on < today for d in open_work)
    assert any(today <= d.due_on <= date.fromordinal(today.toordinal() + 30) for d in open_work)
    assert any(d.due_on > date.fromordinal(today.toordinal() + 30) for d in open_work)
    for group in db_session.scalars(select(WorkingGroup)):
        assert 2 <= sum(d.group_id == group.id for d in deliverables) <= 4
    updates = db_session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
    for deliverable in deliverables:
        assert 2 <= len(deliverable.tasks) <= 5
        progress = [t.progress for t in deliverable.tasks]
        assert deliverable.progress == round(sum(progress) / len(progress))
        if deliverable.status == WorkStatus.DONE:
            assert deliverable.progress == 100
        if deliverable.status == WorkStatus.PLANNED:
            assert deliverable.progress == 0
        for task in deliverable.tasks:
            assignee = task.assignee
            assert (deliverable.group_id, assignee.institution_id) in current
            state = {"status": "planned", "progress": 0}
            history = sorted(
                (u for u in updates if u.task_id == task.id), key=lambda u: u.created_at
            )
            for update in history:
                assert update.author_id == assignee.id
                for name, (before, after) in update.changes.items():
                    assert state[name] == before
                    state[name] = after
            assert state == {"status": task.status.value, "progress": task.progress}
    assert all(u.created_at.date() < today for u in updates)


def test_the_loader_rejects_an_unknown_sector_and_names_the_row(db_session, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    path = data_dir / "institutions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert ",civil_society," in lines[1]  # C Minds
    lines[1] = lines[1].replace(",civil_society,", ",outer_space,", 1)
    path.write_text("".join(lines), encoding="utf-8")

    with pytest.raises(
        ValueError, match=r"institutions\.csv, line 2: unknown sector 'outer_space'"
    ):
        load(db_session, data_dir=data_dir)
    # Files are checked before anything is written.
    assert db_session.scalar(select(func.count()).select_from(Institution)) == 0


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("institutions.csv", ",MX-CMX,", ",MX-XXX,", r"unknown state 'MX-XXX'"),
        ("institutions.csv", "2018-06-01", "2018-13-01", r"is not a date"),
        (
            "institutions.csv",
            "Sociedad Mexicana de Inteligencia Artificial,SMIA",
            "c minds,SMIA",
            r"institutions\.csv, line 3: duplicate institution 'c minds'",
        ),
        ("ties.csv", "coauthorship", "friendship", r"ties\.csv, line 2: column 'kind'"),
    ],
)
def test_the_loader_rejects_other_bad_rows(db_session, tmp_path, file, old, new, message):
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    path = data_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load(db_session, data_dir=data_dir)


# --- seeded notes and provenance speak the page's language --------------------------------------


def _profile(client, session, name: str, language: str) -> str:
    institution = session.scalar(select(Institution).where(Institution.name == name))
    client.post(f"/language/{language}")
    return client.get(f"/institutions/{institution.id}").get_data(as_text=True)


def test_tie_notes_and_provenance_are_in_spanish_on_a_spanish_page(seeded_client, seeded_session):
    sign_in(seeded_client, "member@example.org", "coalition-demo")
    page = _profile(seeded_client, seeded_session, "C Minds", "es")
    assert "Coautoras del informe «Hacia una estrategia de IA en México" in page
    assert "C Minds presidió los grupos de trabajo de la coalición" in page
    assert "Co-authors of the report" not in page and "chaired the coalition" not in page
    illustrative = _profile(seeded_client, seeded_session, "Datalia Analítica", "es")
    assert "ilustrativo: institución inventada, no es una organización real" in illustrative
    assert "invented institution" not in illustrative


def test_tie_notes_and_provenance_are_in_english_on_an_english_page(seeded_client, seeded_session):
    sign_in(seeded_client, "member@example.org", "coalition-demo")
    page = _profile(seeded_client, seeded_session, "C Minds", "en")
    assert "Co-authors of the report &#39;Towards an AI Strategy in Mexico" in page
    assert "C Minds chaired the coalition&#39;s working groups" in page
    assert "Coautoras del informe" not in page and "presidió" not in page
    notes = re.findall(r'<td class="small tie-note"[^>]*>([^<]*)</td>', page)
    assert notes and not any(
        word in note for note in notes for word in ("Convenio", "Proyecto", "Foro", "Publicación")
    )


def test_every_seeded_note_and_source_has_both_languages():
    data = read_seed_data()
    assert all(bool(t.note) == bool(t.note_es) for t in data.ties)
    assert all(t.note != t.note_es for t in data.ties if t.note)
    assert all(bool(i.source) == bool(i.source_es) for i in data.institutions)


def test_editing_the_source_drops_its_old_translation(app, make_user, make_institution):
    from coalition_app.directory.service import InstitutionData, update_institution

    institution = make_institution(source="the 2018 report", source_es="el informe de 2018")
    assert institution.source_in("es") == "el informe de 2018"
    assert institution.source_in("en") == "the 2018 report"
    data = InstitutionData(
        name=institution.name,
        sector_slug=institution.sector_slug,
        joined_on=institution.joined_on,
        acronym=institution.acronym,
        state_code=institution.state_code,
        source="Informe anual 2024",
    )
    coordinator = make_user(role=Role.COORDINATOR)
    with app.test_request_context():
        update_institution(institution, data, coordinator, date(2026, 1, 1))
    assert institution.source_es is None
    assert institution.source_in("es") == institution.source_in("en") == "Informe anual 2024"


def test_an_import_that_changes_the_source_drops_its_old_translation(make_institution):
    institution = make_institution(source="the 2018 report", source_es="el informe de 2018")
    institution.source = "the 2018 report"  # the same text: the translation stays
    assert institution.source_es == "el informe de 2018"
    institution.source = "CAF Policy Brief #15 (2020)"  # what csv_io.apply does on an update
    assert institution.source_es is None
