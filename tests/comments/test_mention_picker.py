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
