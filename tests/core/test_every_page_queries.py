"""Issue 17: every GET page and API resource runs the same number of SQL statements whatever
the data size. Walks the url_map (tests/routes.py, as the load benchmark does) on the seeded
database with the page cache off, counts each page's statements, adds many rows of what the
pages list (institutions, people, deliverables, tasks, meetings, comments, files, ties,
notifications, statements, recommendations, ...), walks again and fails on every page whose
count grew."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from models import (
    Application,
    ApplicationStatus,
    Attachment,
    AuditEvent,
    Comment,
    ConsultationStatement,
    Deliverable,
    Institution,
    Invitation,
    Meeting,
    MeetingActionItem,
    MeetingAttendance,
    Notification,
    NotificationKind,
    PrivacyRequest,
    ProgressUpdate,
    Recommendation,
    RightKind,
    StatementStatus,
    Task,
    Tie,
    TieKind,
    TieStatus,
    User,
    WorkingGroup,
    comparison_key,
)
from models.consultation import Consultation
from tests.helpers import add_group_work, count_statements, sign_in
from tests.routes import (
    CONSULTATION,
    COORDINATOR,
    GROUP,
    MEMBER,
    Page,
    add_samples,
    pages,
    sample_arguments,
)

DEMO_PASSWORD = "coalition-demo"
MORE = 40  # rows of each kind added between the two walks
# 10,000 institutions for the lists that page through them all (issue 17).
BIG_LISTS = ("/institutions", "/api/v1/institutions", "/miembros")
BIG = 10_000


@pytest.fixture
def walk(seeded_app):
    """Signed-in clients (the coordinator sees most; the member opens what is refused to the
    coordinator) and a function counting each page's statements."""
    app = seeded_app
    app.config["PAGE_CACHE_ENABLED"] = False  # measure the pages, not the cache
    session = app.extensions["database"].session
    add_samples(session)
    session.commit()
    found = pages(app, sample_arguments(session))
    clients = {None: app.test_client()}
    for email in (COORDINATOR, MEMBER):
        clients[email] = app.test_client()
        assert sign_in(clients[email], email, DEMO_PASSWORD).status_code == 302
    engine = session.get_bind()

    def count(page: Page) -> tuple[int, int]:
        """(status, statements) of the page as the coordinator, or as the member when it is
        refused to the coordinator (public pages: signed out)."""
        for email in (None,) if page.is_public else (COORDINATOR, MEMBER):
            client = clients[email]
            with count_statements(engine) as counter:
                status = client.get(page.path).status_code
            if status != 403:
                break
        return status, counter.count

    return found, count, session


def _grow(session, n: int, batch: str) -> None:
    """n more of every kind of row the pages list, in and around the sample group."""
    group = session.scalars(select(WorkingGroup).where(WorkingGroup.slug == GROUP)).one()
    author = session.scalars(select(User).where(User.email == COORDINATOR)).one()
    deliverable_id = session.scalars(
        select(Deliverable.id).where(Deliverable.group_id == group.id).order_by(Deliverable.id)
    ).first()
    task_id = session.scalars(
        select(Task.id).where(Task.deliverable_id == deliverable_id).order_by(Task.id)
    ).first()
    meeting_id = session.scalars(
        select(Meeting.id).where(Meeting.is_public.is_(True)).order_by(Meeting.id)
    ).first()
    consultation_id = session.scalars(
        select(Consultation.id).where(Consultation.slug == CONSULTATION)
    ).one()
    first_institution = session.scalars(select(Institution.id).order_by(Institution.id)).first()
    added = add_group_work(session, group, n, batch)
    institutions = [institution for institution, _ in added]
    for i, (institution, _) in enumerate(added):
        person = User(
            email=f"persona-{batch}-{i}@example.org",
            full_name=f"Persona {batch} {i}",
            institution=institution,
        )
        session.add(person)
        starts = datetime(2026, 1, 5, 16) + timedelta(days=i)
        meeting = Meeting(
            group_id=group.id,
            title=f"Reunión {batch} {i}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            is_public=True,
        )
        session.add(meeting)
        session.add(MeetingAttendance(meeting=meeting, person=person, institution=institution))
        for subject in (
            {"deliverable_id": deliverable_id},
            {"task_id": task_id},
            {"meeting_id": meeting_id},
        ):
            session.add(Comment(author_id=author.id, body=f"Comentario {batch} {i}", **subject))
            session.add(
                Attachment(
                    name=f"archivo-{batch}-{i}.pdf",
                    content_type="application/pdf",
                    size=1000 + i,
                    sha256="0" * 64,
                    storage_key=f"{batch}-{i}-{sorted(subject)[0]}",
                    uploaded_by_id=author.id,
                    **subject,
                )
            )
        session.add(
            MeetingActionItem(meeting_id=meeting_id, text=f"Acuerdo {batch} {i}", assignee=person)
        )
        session.add(
            ProgressUpdate(task_id=task_id, author_id=author.id, changes={"progress": [0, i]})
        )
        session.add(
            Recommendation(
                group_id=group.id, title=f"Recomendación {batch} {i}", created_by_id=author.id
            )
        )
        session.add(
            Notification(
                user_id=author.id, kind=NotificationKind.TASK_ASSIGNED, params={}, link="/"
            )
        )
        for status in (StatementStatus.APPROVED, StatementStatus.PENDING):
            text = f"Enunciado de crecimiento {batch} {i} {status}"
            session.add(
                ConsultationStatement(
                    consultation_id=consultation_id,
                    text_es=text,
                    text_key=comparison_key(text),
                    group_id=group.id,
                    status=status,
                )
            )
        session.add(
            Application(
                institution_name=f"Solicitante {batch} {i}",
                sector_slug="academia",
                contact_name=f"Contacto {batch} {i}",
                contact_email=f"solicitud-{batch}-{i}@example.org",
                notice_version="sample",
                status=ApplicationStatus.PENDING,
                group_ids=[group.id],
                confirm_token_hash=f"confirm-{batch}-{i}",
                status_token_hash=f"status-{batch}-{i}",
            )
        )
        session.add(
            PrivacyRequest(
                user=person,
                kind=RightKind.OPPOSITION,
                received_on=date.today(),
                due_on=date.today() + timedelta(days=28),
            )
        )
        session.add(
            Invitation(
                email=f"invitada-{batch}-{i}@example.org",
                full_name=f"Invitada {batch} {i}",
                institution=institution,
                token_hash=f"invitation-{batch}-{i}",
                expires_at=datetime(2099, 1, 1),
                created_by_id=author.id,
            )
        )
        session.add(
            AuditEvent(actor_id=author.id, action="institution.update", target_type="institution")
        )
    session.flush()
    session.add_all(
        Tie(
            institution_a_id=first_institution,
            institution_b_id=institution.id,
            kind=TieKind.JOINT_PROJECT,
            since=date(2021, 1, 1),
            # Half wait for the other side's answer (the ties page lists them apart).
            status=TieStatus.UNCONFIRMED if index % 2 else TieStatus.CONFIRMED,
            recorded_for_id=first_institution,
            recorded_by_id=author.id,
        )
        for index, institution in enumerate(institutions)
    )
    session.commit()


def test_every_page_runs_a_fixed_number_of_statements(walk):
    found, count, session = walk
    # A few of each first: a list's first row may cost one statement more than none
    # (a selectinload of nothing runs nothing); what must not grow is the cost of each row.
    _grow(session, 2, "a")
    small = {page: count(page) for page in found}
    _grow(session, MORE, "b")
    large = {page: count(page) for page in found}
    grew = [
        f"{page.path} ({page.endpoint}): {small[page][1]} -> {large[page][1]} statements"
        for page in found
        # Fewer is a cache met on the second walk (the network's snapshot, the analysis).
        if large[page][1] > small[page][1]
    ]
    assert not grew, "pages whose statements grow with the data:\n" + "\n".join(grew)
    shown = [page for page in found if small[page][0] == large[page][0] == 200]
    assert len(shown) > 80, "the walk reached the pages"


def test_big_lists_run_a_fixed_number_of_statements_at_10000_institutions(walk):
    found, count, session = walk
    lists = [page for page in found if page.path in BIG_LISTS]
    assert len(lists) == len(BIG_LISTS)
    small = {page: count(page) for page in lists}
    session.execute(
        insert(Institution),
        [
            {
                "name": f"Institución masiva {i:05d}",
                "name_key": comparison_key(f"Institución masiva {i:05d}"),
                "sector_slug": "academia",
                "state_code": "MX-NLE",
                "joined_on": date(2021, 1, 1),
            }
            for i in range(BIG)
        ],
    )
    session.commit()
    large = {page: count(page) for page in lists}
    assert large == small
