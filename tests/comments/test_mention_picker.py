"""The mention picker: everyone who may see the subject, at a fixed number of statements."""

from __future__ import annotations

import re

import pytest

from tests.helpers import count_statements

OPTION = re.compile(r'<option value="([^"]+)">([^<]*)</option>')


@pytest.mark.parametrize("subject", ["deliverable", "task", "meeting"])
def test_the_picker_lists_who_may_see_the_subject_whatever_their_number(
    app, db_session, world, as_person, make_institution, make_user, subject
):
    path = f"/{subject}s/{world[subject].id}"
    client = as_person("chair")
    engine = app.extensions["database"].session.get_bind()
    client.get(path)  # the welcome message, read once: both views below carry none

    def picker() -> tuple[int, dict[str, str]]:
        with count_statements(engine) as counted:
            page = client.get(path)
        assert page.status_code == 200
        return counted.count, dict(OPTION.findall(page.get_data(as_text=True)))

    few, offered = picker()
    assert offered["Member A"] == "MA" and offered["Chair A"] == "LA"
    # A members-only meeting is offered to its group's people only; work to everyone.
    assert ("Member B" in offered) is (subject != "meeting")
    newcomers = make_institution(acronym=None, name="Institución sin siglas")
    for i in range(25):
        make_user(institution=newcomers, full_name=f"Persona {i:02d}")
    db_session.commit()
    many, offered = picker()
    assert many == few > 0
    assert ("Persona 24" in offered) is (subject != "meeting")
    if subject != "meeting":
        assert offered["Persona 24"] == "Institución sin siglas"  # its name, for lack of one


@pytest.mark.parametrize("subject", ["deliverable", "task", "meeting", "event"])
@pytest.mark.parametrize("archived", [False, True])
def test_the_picker_offers_exactly_whom_a_comment_may_mention(
    app, db_session, world, subject, archived
):
    # The picker reads plain rows (queries.mention_options); saving a comment's mentions reads
    # people (queries.mentionable): both ask the policy's view rule of each active person.
    from coalition_app.comments import queries

    target = world[subject]
    if archived and subject in ("deliverable", "task"):
        target.archived_at = world["deliverable"].created_at  # managers only see it now
        db_session.flush()
    with app.test_request_context():
        offered = OPTION.findall(str(queries.mention_options(target)))
        people = queries.mentionable(target)
    assert [name for name, _ in offered] == [person.full_name for person in people]
    assert [label for _, label in offered] == [
        person.institution.acronym or person.institution.name for person in people
    ]
    hidden_from_members = archived and subject in ("deliverable", "task")
    assert ("Member A" in dict(offered)) is not hidden_from_members
    assert "Chair A" in dict(offered)
