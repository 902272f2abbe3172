"""The database itself guards the rules: unique names, foreign keys, ranges and dates."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import (
    Deliverable,
    GroupMembership,
    GroupRole,
    Institution,
    Task,
    Tie,
    TieKind,
    User,
    comparison_key,
)


def _must_fail(db_session, *objects):
    db_session.add_all(objects)
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_duplicate_institution_name_is_rejected_by_the_database(db_session, make_institution):
    make_institution(name="Universidad Nacional Autónoma de México")
    _must_fail(
        db_session,
        Institution(
            name="Universidad Nacional Autónoma de México",
            sector_slug="academia",
            joined_on=date(2019, 1, 1),
        ),
    )


@pytest.mark.parametrize(
    "first, second",
    [
        ("UNAM", "unam"),
        ("Secretaría de Economía", "Secretaria de Economia"),
        ("Centro  Geo", " centro geo "),
    ],
)
def test_names_differing_only_in_case_accents_or_spaces_are_duplicates(
    db_session, make_institution, first, second
):
    make_institution(name=first)
    _must_fail(
        db_session, Institution(name=second, sector_slug="academia", joined_on=date(2019, 1, 1))
    )


def test_comparison_key_ignores_case_and_accents():
    assert comparison_key("Economía") == comparison_key("ECONOMIA") == "economia"


def test_unknown_sector_or_state_is_rejected_by_foreign_keys(db_session):
    _must_fail(db_session, Institution(name="X", sector_slug="aliens", joined_on=date(2019, 1, 1)))
    _must_fail(
        db_session,
        Institution(
            name="Y", sector_slug="academia", state_code="MX-XXX", joined_on=date(2019, 1, 1)
        ),
    )


def test_leaving_before_joining_is_rejected(db_session):
    _must_fail(
        db_session,
        Institution(
            name="Z", sector_slug="academia", joined_on=date(2020, 1, 1), left_on=date(2019, 1, 1)
        ),
    )


@pytest.mark.parametrize("progress", [-1, 101, 250])
def test_progress_outside_0_to_100_is_rejected(db_session, make_group, progress):
    group = make_group()
    _must_fail(db_session, Deliverable(group=group, title="Informe", progress=progress))


def test_task_progress_is_checked_too(db_session, make_group):
    deliverable = Deliverable(group=make_group(), title="Informe")
    db_session.add(deliverable)
    db_session.flush()
    _must_fail(db_session, Task(deliverable_id=deliverable.id, title="Borrador", progress=120))


def test_email_is_unique_whatever_its_case(db_session, make_user, make_institution):
    make_user(email="Ana@Example.org")
    stored = db_session.scalar(select(User.email).where(User.email == "ana@example.org"))
    assert stored == "ana@example.org"
    _must_fail(
        db_session,
        User(email="ANA@example.org", full_name="Otra Ana", institution=make_institution()),
    )


def test_a_tie_is_stored_once_in_canonical_order(db_session, make_institution):
    first, second = make_institution(), make_institution()
    tie = Tie.between(second, first, kind=TieKind.EVENT, since=date(2019, 5, 1))
    assert (tie.institution_a_id, tie.institution_b_id) == (first.id, second.id)
    db_session.add(tie)
    db_session.flush()
    # The reversed pair breaks the ordering check; the same pair again breaks uniqueness.
    _must_fail(
        db_session,
        Tie(
            institution_a_id=second.id,
            institution_b_id=first.id,
            kind=TieKind.EVENT,
            since=date(2019, 5, 1),
        ),
    )


def test_an_institution_cannot_be_tied_to_itself(db_session, make_institution):
    one = make_institution()
    _must_fail(
        db_session,
        Tie(
            institution_a_id=one.id,
            institution_b_id=one.id,
            kind=TieKind.EVENT,
            since=date(2019, 5, 1),
        ),
    )


def test_only_one_current_membership_per_group_and_institution(
    db_session, make_group, make_institution
):
    institution = make_institution()
    group = make_group(members=[institution])
    _must_fail(
        db_session,
        GroupMembership(
            group=group, institution=institution, role=GroupRole.LEAD, since=date(2020, 1, 1)
        ),
    )


def test_closed_memberships_keep_the_history_of_leads(db_session, make_group, make_institution):
    institution = make_institution()
    group = make_group()
    db_session.add_all(
        [
            GroupMembership(
                group=group,
                institution=institution,
                role=GroupRole.LEAD,
                since=date(2019, 11, 1),
                until=date(2020, 6, 30),
            ),
            GroupMembership(
                group=group, institution=institution, role=GroupRole.MEMBER, since=date(2020, 7, 1)
            ),
        ]
    )
    db_session.flush()
    assert len(group.memberships) == 2


def test_membership_cannot_end_before_it_starts(db_session, make_group, make_institution):
    _must_fail(
        db_session,
        GroupMembership(
            group=make_group(),
            institution=make_institution(),
            role=GroupRole.MEMBER,
            since=date(2020, 1, 1),
            until=date(2019, 1, 1),
        ),
    )


def test_active_on_follows_join_and_leave_dates(make_institution):
    institution = make_institution(joined_on=date(2019, 3, 1), left_on=date(2021, 1, 1))
    assert not institution.is_active_on(date(2019, 2, 28))
    assert institution.is_active_on(date(2020, 12, 31))
    assert not institution.is_active_on(date(2021, 1, 1))
