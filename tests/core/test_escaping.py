"""A script tag saved as an institution's name and as a progress note is shown as text on
every page that shows it (issue 6), the network page included when it exists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import Deliverable, Institution, Role, Task, WorkStatus

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hostile(db_session, make_institution, make_group, make_user, login_as, client):
    """An institution named (and abbreviated) with a script tag, leading a group whose task
    got a progress note with the same tag through the form; the client is its assignee."""
    named = make_institution(name=SCRIPT, acronym=SCRIPT)
    colleague = make_institution()
    group = make_group(leads=[named], members=[colleague])
    deliverable = Deliverable(
        group_id=group.id,
        title="Entregable",
        status=WorkStatus.IN_PROGRESS,
        owner_institution_id=named.id,
        due_on=date.today() + timedelta(days=5),
    )
    db_session.add(deliverable)
    db_session.flush()
    person = login_as(Role.MEMBER, institution=colleague)
    task = Task(deliverable_id=deliverable.id, title="Tarea", assignee_id=person.id)
    db_session.add(task)
    db_session.commit()
    saved = client.post(
        f"/tasks/{task.id}/progress",
        data={"status": "in_progress", "progress": "30", "note": SCRIPT},
    )
    assert saved.status_code == 302
    paths = {
        "home": "/",
        "group": f"/groups/{group.slug}",
        "deliverable": f"/deliverables/{deliverable.id}",
        "task": f"/tasks/{task.id}",
        "directory": "/institutions",
        "profile": f"/institutions/{named.id}",
    }
    assert db_session.get(Institution, named.id).name == SCRIPT
    db_session.remove()
    return paths


PAGES = ["home", "group", "deliverable", "task", "directory", "profile"]


@pytest.mark.parametrize("page", PAGES)
def test_a_script_tag_in_a_name_or_note_is_shown_as_text(client, hostile, page):
    response = client.get(hostile[page])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert SCRIPT not in html
    assert ESCAPED in html


@pytest.mark.parametrize("page", ["group", "deliverable", "task"])
def test_the_progress_note_itself_is_shown_escaped(client, hostile, page):
    """The note, not only the name: these pages show the history with its notes."""
    html = client.get(hostile[page]).get_data(as_text=True)
    assert f'note">{ESCAPED}</p>' in html  # the history's note paragraph


def test_the_network_page_shows_the_name_as_text_when_it_exists(client, hostile):
    response = client.get("/network")
    if response.status_code == 404:
        pytest.skip("/network does not exist in this checkout")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert SCRIPT not in html
    assert ESCAPED in html


def test_escape_each_is_escape_per_value_even_when_a_value_holds_the_separator():
    from markupsafe import Markup, escape

    from coalition_app.core.html import escape_each

    values = ['<b>"Datos" & más</b>', 3, None, Markup("<i>ya segura</i>"), "", "'"]
    assert escape_each(values) == [str(escape(v)) for v in values]
    held = ["a\x00<b>", "<c>"]  # the separator inside a value: each escaped alone
    assert escape_each(held) == [str(escape(v)) for v in held]


def test_escape_each_keeps_markup_among_many_values_in_their_places():
    from markupsafe import Markup, escape

    from coalition_app.core.html import escape_each

    heading = Markup("Grado &amp; <abbr>peso</abbr>")
    values = [1, "<a>", heading, 2.5, "&", heading, None, Markup(""), "x\x00<y>"]
    assert escape_each(values) == [str(escape(v)) for v in values]
