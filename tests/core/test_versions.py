"""Data versions move with the data they watch, and only then: through the flush, and through
statements run with `session.execute` (bulk ORM and Core INSERT, UPDATE, DELETE)."""

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import bindparam, delete, insert, update

from models import (
    NETWORK,
    PAGES,
    GroupMembership,
    GroupRole,
    Notification,
    Task,
    Tie,
    TieKind,
    User,
    current_version,
    utcnow,
)
from models.versions import WATCHED, bumped_in_this_transaction, watched_columns
from models.work import Deliverable


def test_a_new_tie_bumps_the_network_version(db_session, make_institution):
    a, b = make_institution(), make_institution()
    before = current_version(db_session)
    db_session.add(Tie.between(a, b, kind=TieKind.EVENT, since=date(2020, 1, 1)))
    db_session.commit()
    assert current_version(db_session) == before + 1


def test_membership_and_assignment_changes_bump_it(
    db_session, make_group, make_institution, make_user
):
    institution = make_institution()
    group = make_group(members=[institution])
    deliverable = Deliverable(group=group, title="D")
    task = Task(deliverable=deliverable, title="T")
    db_session.add_all([deliverable, task])
    db_session.commit()
    before = current_version(db_session)
    task = db_session.get(Task, task.id)
    task.assignee_id = make_user(institution=institution).id
    db_session.commit()
    # make_user added an institution and a user (one commit), the assignment another.
    assert current_version(db_session) == before + 2
    membership = db_session.get(GroupMembership, group.memberships[0].id)
    membership.until = date(2021, 1, 1)
    db_session.add(
        GroupMembership(
            group_id=group.id,
            institution_id=institution.id,
            role=GroupRole.LEAD,
            since=date(2021, 1, 1),
        )
    )
    db_session.commit()
    assert current_version(db_session) == before + 3


def test_progress_alone_does_not_bump_it(db_session, make_group):
    deliverable = Deliverable(group=make_group(), title="D")
    task = Task(deliverable=deliverable, title="T")
    db_session.add_all([deliverable, task])
    db_session.commit()
    before = current_version(db_session)
    task = db_session.get(Task, task.id)
    task.progress = 60
    db_session.commit()
    assert current_version(db_session) == before


# --- statements run through the Session (no flush, so the flush hook never sees them) -----


@pytest.fixture
def rows(db_session, make_group, make_institution, make_user):
    a, b = make_institution(), make_institution()
    person = make_user(institution=a)
    deliverable = Deliverable(group=make_group(members=[a, b]), title="D")
    task = Task(deliverable=deliverable, title="T")
    db_session.add_all([deliverable, task, Tie.between(a, b, kind=TieKind.EVENT, since=_DAY)])
    db_session.commit()
    return SimpleNamespace(a=a, b=b, person=person, deliverable=deliverable, task=task)


_DAY = date(2020, 1, 1)
_BOTH = {NETWORK, PAGES}

STATEMENTS = {
    # A shown column the network is not built from.
    "orm update, title": (
        lambda r: update(Deliverable).where(Deliverable.id == r.deliverable.id).values(title="X"),
        None,
        {PAGES},
    ),
    "core update on the table": (
        lambda r: update(Task.__table__).where(Task.__table__.c.id == r.task.id).values(progress=5),
        None,
        {PAGES},
    ),
    # A named attribute of the network's.
    "orm update, assignee": (
        lambda r: update(Task).where(Task.id == r.task.id).values(assignee_id=r.person.id),
        None,
        _BOTH,
    ),
    "orm update by primary key": (
        lambda r: update(User),
        lambda r: [{"id": r.person.id, "is_active": False}],
        _BOTH,
    ),
    "orm delete": (lambda r: delete(Tie), None, _BOTH),
    "orm insert": (
        lambda r: insert(Tie),
        lambda r: [
            {
                "institution_a_id": r.a.id,
                "institution_b_id": r.b.id,
                "kind": "event",
                "since": date(2021, 1, 1),
            }
        ],
        _BOTH,
    ),
    # Columns watched by neither: a person's sign-in bookkeeping, the inbox.
    "sign-in bookkeeping": (
        lambda r: (
            update(User)
            .where(User.id == r.person.id)
            .values(
                last_login_at=utcnow(), totp_last_step=7, session_version=User.session_version + 1
            )
        ),
        None,
        set(),
    ),
    "sign-in bookkeeping by primary key": (
        lambda r: update(User),
        lambda r: [{"id": r.person.id, "last_login_at": utcnow()}],
        set(),
    ),
    "inbox read (not watched)": (
        lambda r: (
            update(Notification).where(Notification.user_id == r.person.id).values(read_at=utcnow())
        ),
        None,
        set(),
    ),
    # Columns it cannot tell (a parameter that names none): assumed written.
    "unreadable parameters": (
        lambda r: update(Task).where(Task.id == bindparam("task")).values(title=bindparam("t")),
        lambda r: {"task": r.task.id, "t": "X"},
        _BOTH,
    ),
}


@pytest.mark.parametrize("case", list(STATEMENTS))
def test_statements_run_through_the_session_bump_what_they_touch(case, rows, db_session):
    statement, parameters, bumped = STATEMENTS[case]
    before = {name: current_version(db_session, name) for name in _BOTH}

    db_session.execute(statement(rows), parameters(rows) if parameters else None)
    db_session.commit()

    after = {name: current_version(db_session, name) for name in _BOTH}
    # Once each, whatever the statement: the bump's own UPDATE is not watched.
    assert after == {name: before[name] + (name in bumped) for name in _BOTH}


def test_a_bulk_update_in_a_transaction_keeps_its_pages_out_of_the_cache(rows, db_session):
    db_session.execute(update(Deliverable).values(title="Sin confirmar"))
    assert bumped_in_this_transaction(db_session, PAGES)
    db_session.rollback()
    assert not bumped_in_this_transaction(db_session, PAGES)


def test_the_networks_named_attributes_are_columns():
    for model, names in WATCHED[NETWORK].items():
        table = model.__table__.name
        assert watched_columns(NETWORK)[table] >= set(names or ()), model


def test_a_bump_undone_with_a_refused_use_case_is_made_again_by_the_next_change(app, db_session):
    from datetime import date

    import pytest

    from coalition_app.core.db import session, unit_of_work, use_case
    from coalition_app.core.errors import DomainError
    from models import Institution, Sector
    from models.versions import PAGES, current_version

    if db_session.get(Sector, "academia") is None:
        db_session.add(Sector(slug="academia", name_es="Academia", name_en="Academia"))
        db_session.commit()
    before = current_version(db_session, PAGES)

    @use_case
    def add_then_refuse():
        session.add(
            Institution(name="Rechazada", sector_slug="academia", joined_on=date(2020, 1, 1))
        )
        session.flush()
        raise DomainError("no")

    with app.app_context(), unit_of_work():
        with pytest.raises(DomainError):
            add_then_refuse()
        session.add(
            Institution(name="Guardada", sector_slug="academia", joined_on=date(2020, 1, 1))
        )
    assert current_version(db_session, PAGES) == before + 1
