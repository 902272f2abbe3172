"""The network's data version moves with the data it is built from, and only then."""

from datetime import date

from models import GroupMembership, GroupRole, Task, Tie, TieKind, current_version
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
