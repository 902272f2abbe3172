"""A cached page shows a change to anything it shows at once, however the change is written.

Each case names a column a cached page shows, changes it through the ORM and expects the page,
already served from the cache, to show the new value. Declaring one of these columns as not
shown (`models.versions.NOT_SHOWN_COLUMNS`, `NOT_ON_SHARED_PAGES`) fails its case. The bulk
cases write through `session.execute` (ORM and Core statements), which skips the flush.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from models import (
    Deliverable,
    GroupChair,
    GroupMembership,
    GroupRole,
    Institution,
    Meeting,
    ProgressMode,
    ProgressUpdate,
    Sector,
    Task,
    User,
    WorkingGroup,
)
from tests.helpers import sign_in


@dataclass
class World:
    group: WorkingGroup
    lead: Institution
    member: Institution
    deliverable: Deliverable
    task: Task
    assignee: User
    viewer: User
    progress_update: ProgressUpdate


@pytest.fixture
def world(db_session, make_group, make_institution, make_user) -> World:
    lead = make_institution(name="Líder Zeta Uno", acronym="LZU", sector_slug="academia")
    member = make_institution(name="Miembro Zeta Dos", acronym="MZD", sector_slug="industry")
    group = make_group(
        leads=[lead], members=[member], slug="etica", name_es="Ética Zeta", name_en="Ethics Z"
    )
    deliverable = Deliverable(
        group_id=group.id,
        title="Entregable Zeta",
        due_on=date.today() + timedelta(days=5),  # on the home page's due list
        owner_institution_id=lead.id,
        progress=41,
        progress_mode=ProgressMode.MANUAL,
    )
    db_session.add(deliverable)
    db_session.flush()
    assignee = make_user(institution=lead, full_name="Asignada Zeta")
    task = Task(deliverable_id=deliverable.id, title="Tarea Zeta", assignee_id=assignee.id)
    db_session.add(task)
    db_session.flush()
    progress_update = ProgressUpdate(
        task_id=task.id, author_id=assignee.id, note="Avance Zeta", changes={}
    )
    db_session.add(progress_update)
    db_session.commit()
    viewer = make_user(institution=member, full_name="Lectora Zeta")
    return World(group, lead, member, deliverable, task, assignee, viewer, progress_update)


def _entries(app: Flask) -> dict[str, bytes]:
    return {key: value for key, (value, _expires) in app.extensions["page_cache"]._items.items()}


@pytest.fixture
def cached(app, client, world) -> Callable[[str], str]:
    """Sign the viewer in; `cached(path)` returns the page once it is served from the cache."""
    sign_in(client, world.viewer.email)
    client.get("/my-work")  # reads the welcome message, so the next pages carry none

    def get(path: str) -> str:
        first = client.get(path)
        assert first.status_code == 200, first.get_data(as_text=True)
        stored = {k for k in _entries(app) if k.startswith(f"page\x1f{path}?")}
        assert stored, f"{path} was not stored: the case would prove nothing"
        again = client.get(path).get_data(as_text=True)
        assert again == first.get_data(as_text=True)
        return again

    return get


def _set(model: type, attribute: str, value, pick: Callable[[World], int] | None = None):
    """A change through the ORM: load the row, set the attribute, commit."""

    def change(w: World, db: Session) -> None:
        key = pick(w) if pick else _default_key(model, w)
        setattr(db.get(model, key), attribute, value)
        db.commit()

    return change


def _default_key(model: type, w: World):
    return {
        Deliverable: w.deliverable.id,
        Task: w.task.id,
        WorkingGroup: w.group.id,
        Sector: "academia",
    }[model]


@dataclass
class Shown:
    path: str
    column: str  # table.column, as declared in models.versions
    change: Callable[[World, Session], None]
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.path} {self.column}"


def _lead(attribute: str, value):
    return _set(Institution, attribute, value, lambda w: w.lead.id)


def _member_institution(attribute: str, value):
    return _set(Institution, attribute, value, lambda w: w.member.id)


def _assignee(attribute: str, value):
    return _set(User, attribute, value, lambda w: w.assignee.id)


def _progress_update(attribute: str, value):
    return _set(ProgressUpdate, attribute, value, lambda w: w.progress_update.id)


def _lead_membership_becomes_member(w: World, db: Session) -> None:
    membership = db.query(GroupMembership).filter_by(group_id=w.group.id, role=GroupRole.LEAD).one()
    membership.role = GroupRole.MEMBER
    db.commit()


def _chair(until: date | None):
    """A chair named (their institution leads the group), or a past chairship recorded."""

    def change(w: World, db: Session) -> None:
        db.add(
            GroupChair(
                group_id=w.group.id, person_id=w.assignee.id, since=date(2020, 1, 15), until=until
            )
        )
        db.commit()

    return change


def _meeting(days: int, hours: float, title: str = "Sesión Ypsilon"):
    """A meeting of the group `days` from now (negative: held), `hours` long."""

    def change(w: World, db: Session) -> None:
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
        meeting = Meeting(
            group_id=w.group.id,
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
        )
        db.add(meeting)
        db.commit()

    return change


SHOWN = [
    # The home page: groups, their leads, deliverables due soon, members by sector.
    Shown("/", "working_groups.name_es", _set(WorkingGroup, "name_es", "Ética Ypsilon"),
          "Ética Zeta", "Ética Ypsilon"),
    Shown("/", "institutions.acronym", _lead("acronym", "LYU"), "LZU", "LYU"),
    Shown("/", "deliverables.title", _set(Deliverable, "title", "Entregable Ypsilon"),
          "Entregable Zeta", "Entregable Ypsilon"),
    Shown("/", "deliverables.progress", _set(Deliverable, "progress", 77), "41%", "77%"),
    Shown("/", "sectors.name_es", _set(Sector, "name_es", "Academia Ypsilon"),
          "Academia", "Academia Ypsilon"),
    Shown("/", "group_memberships.role", _lead_membership_becomes_member,
          "LZU", "Aún sin institución líder"),
    Shown("/", "group_chairs", _chair(None), "Ética Zeta", "Presidido por Asignada Zeta"),
    # The group page's shared part: deliverables, tasks, activity, institutions.
    Shown("/groups/etica", "deliverables.title", _set(Deliverable, "title", "Entregable Ypsilon"),
          "Entregable Zeta", "Entregable Ypsilon"),
    Shown("/groups/etica", "tasks.title", _set(Task, "title", "Tarea Ypsilon"),
          "Tarea Zeta", "Tarea Ypsilon"),
    Shown("/groups/etica", "users.full_name", _assignee("full_name", "Asignada Ypsilon"),
          "Asignada Zeta", "Asignada Ypsilon"),
    # Only the case changes: the folded name_key stays, so only `name` says the page is stale.
    Shown("/groups/etica", "institutions.name", _member_institution("name", "Miembro ZETA Dos"),
          "Miembro Zeta Dos", "Miembro ZETA Dos"),
    Shown("/groups/etica", "institutions.acronym", _lead("acronym", "LYU"), "LZU", "LYU"),
    Shown("/groups/etica", "progress_updates.note", _progress_update("note", "Avance Ypsilon"),
          "Avance Zeta", "Avance Ypsilon"),
    Shown("/groups/etica", "sectors.name_es", _set(Sector, "name_es", "Academia Ypsilon"),
          "Academia", "Academia Ypsilon"),
    Shown("/groups/etica", "group_chairs", _chair(None),
          "Aún no se ha nombrado a nadie", "desde el 15 ene 2020"),
    Shown("/groups/etica", "group_chairs.until", _chair(date(2021, 3, 1)),
          "Aún no se ha nombrado a nadie", "Presidencias anteriores"),
    # Meetings: the group page's figures, the home's next meetings (of the viewer's groups).
    Shown("/groups/etica", "meetings", _meeting(-3, 2.5),
          "Este grupo aún no ha realizado ninguna reunión", "2,5"),
    Shown("/", "meetings", _meeting(2, 1), "No tiene próximas reuniones", "Sesión Ypsilon"),
    # The group page's people (issue 14): their titles.
    Shown("/groups/etica", "users.title", _assignee("title", "Analista Ypsilon"),
          "Asignada Zeta", "Analista Ypsilon"),
    # The network page: its sector legend and group filter.
    Shown("/network", "working_groups.name_es", _set(WorkingGroup, "name_es", "Ética Ypsilon"),
          "Ética Zeta", "Ética Ypsilon"),
    Shown("/network", "sectors.name_es", _set(Sector, "name_es", "Academia Ypsilon"),
          "Academia", "Academia Ypsilon"),
]  # fmt: skip


@pytest.mark.parametrize("case", SHOWN, ids=str)
def test_a_cached_page_shows_a_change_to_a_column_it_shows(
    case: Shown, cached, client, world, db_session
):
    assert case.before in cached(case.path)
    assert case.after not in cached(case.path)

    case.change(world, db_session)

    page = client.get(case.path).get_data(as_text=True)
    assert case.after in page, f"{case.column} changed, {case.path} still shows the old value"


def test_the_layout_follows_the_viewers_own_name(cached, client, world, db_session):
    assert "Lectora Zeta" in cached("/")
    db_session.get(User, world.viewer.id).full_name = "Lectora Ypsilon"
    db_session.commit()
    assert "Lectora Ypsilon" in client.get("/").get_data(as_text=True)


# --- bulk statements: no flush, so no flush hook ------------------------------------------


def _orm_update(w: World, db: Session) -> None:
    db.execute(
        update(Deliverable).where(Deliverable.id == w.deliverable.id).values(title="Bulk Ypsilon")
    )


def _orm_update_by_primary_key(w: World, db: Session) -> None:
    db.execute(update(ProgressUpdate), [{"id": w.progress_update.id, "note": "Bulk Ypsilon"}])


def _core_update(w: World, db: Session) -> None:
    table = Deliverable.__table__
    db.execute(update(table).where(table.c.id == w.deliverable.id).values(title="Bulk Ypsilon"))


def _orm_update_of_a_joined_name(w: World, db: Session) -> None:
    db.execute(update(User).where(User.id == w.assignee.id).values(full_name="Bulk Ypsilon"))


def _orm_insert(w: World, db: Session) -> None:
    db.execute(
        insert(ProgressUpdate),
        [{"task_id": w.task.id, "author_id": w.assignee.id, "note": "Bulk Ypsilon", "changes": {}}],
    )


BULK = [
    ("orm-update", _orm_update, "Entregable Zeta", "Bulk Ypsilon"),
    ("orm-update-by-primary-key", _orm_update_by_primary_key, "Avance Zeta", "Bulk Ypsilon"),
    ("core-update", _core_update, "Entregable Zeta", "Bulk Ypsilon"),
    ("orm-update-users", _orm_update_of_a_joined_name, "Asignada Zeta", "Bulk Ypsilon"),
    ("orm-insert", _orm_insert, None, "Bulk Ypsilon"),
]


@pytest.mark.parametrize(
    ("write", "before", "after"), [b[1:] for b in BULK], ids=[b[0] for b in BULK]
)
def test_a_cached_page_shows_a_bulk_change(write, before, after, cached, client, world, db_session):
    page = cached("/groups/etica")
    assert (before is None or before in page) and after not in page

    write(world, db_session)
    db_session.commit()

    page = client.get("/groups/etica").get_data(as_text=True)
    assert after in page and (before is None or before not in page)


def test_a_cached_page_shows_a_bulk_delete(cached, client, world, db_session):
    assert "Tarea Zeta" in cached("/groups/etica")

    db_session.execute(delete(ProgressUpdate).where(ProgressUpdate.task_id == world.task.id))
    db_session.execute(delete(Task).where(Task.id == world.task.id))
    db_session.commit()

    page = client.get("/groups/etica").get_data(as_text=True)
    assert "Tarea Zeta" not in page and "Avance Zeta" not in page
