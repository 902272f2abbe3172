"""Edit conflicts, merged field by field: two people (two sessions) edit the same deliverable
or task; the second save is refused (409) and shows what the other saved next to what was
typed; what the second person did not change takes the other's value, so saving again never
puts back a value nobody typed."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from models import Deliverable, ProgressUpdate, Task, WorkStatus
from tests.helpers import sign_in


class _FormReader(HTMLParser):
    """What a browser would post for the form `form_id` of a page: its inputs (checked
    radios only, and inputs outside it that name it with form=...), textareas and selects."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        mine = self.inside or a.get("form") == self.form_id
        if not mine or "name" not in a and tag != "option":
            return
        if tag == "input":
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            if a.get("type") in ("submit", "button"):
                return
            self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._first_option = None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.values.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str, form_id: str) -> dict[str, str]:
    reader = _FormReader(form_id)
    reader.feed(html)
    values = reader.values
    # A textarea's first line break is not part of its value (HTML); WTForms writes one.
    return {k: v.removeprefix("\r\n").removeprefix("\n") for k, v in values.items()}


def _clients(app, world, *roles):
    clients = []
    for role in roles:
        client = app.test_client()
        assert sign_in(client, world["people"][role].email).status_code == 302
        clients.append(client)
    return clients


def _edit_form(client, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200
    return form_values(page.get_data(as_text=True), "edit-form")


# --- deliverables: title, description, due date, owner --------------------------------------


def test_a_field_you_did_not_change_takes_their_value_and_survives_your_second_save(
    app, db_session, world
):
    """A changes the description; B meanwhile changes title, due date and owner. A's save is
    refused, shows B's values next to A's, and A's second save (the page as it comes back)
    keeps all of B's changes and A's description."""
    deliverable_id = world["deliverable"].id
    path = f"/deliverables/{deliverable_id}/edit"
    a, b = _clients(app, world, "chair", "coordinator")
    form_a = _edit_form(a, path)
    form_b = _edit_form(b, path)

    form_b.update(
        title="Título de B", due_on="2031-03-31", owner_institution_id=str(world["member_a"].id)
    )
    assert b.post(path, data=form_b).status_code == 302

    form_a["description"] = "Descripción de A"
    refused = a.post(path, data=form_a)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    for value in ("Título de B", "31 mar 2031", "Descripción de A"):
        assert value in page
    assert "El valor de la otra persona (usted no había cambiado este campo)" in page
    assert "Lo que usted escribió (la otra persona no había cambiado este campo)" in page
    db_session.expire_all()
    saved = db_session.get(Deliverable, deliverable_id)
    assert (saved.title, saved.description) == ("Título de B", "")  # nothing of A's yet

    again = form_values(page, "edit-form")
    assert again["title"] == "Título de B"
    assert again["due_on"] == "2031-03-31"
    assert again["owner_institution_id"] == str(world["member_a"].id)
    assert again["description"] == "Descripción de A"
    assert a.post(path, data=again).status_code == 302

    db_session.expire_all()
    saved = db_session.get(Deliverable, deliverable_id)
    assert saved.title == "Título de B"
    assert saved.due_on == date(2031, 3, 31)
    assert saved.owner_institution_id == world["member_a"].id
    assert saved.description == "Descripción de A"
    last = db_session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.deliverable_id == deliverable_id)
        .order_by(ProgressUpdate.id.desc())
    ).first()
    assert set(last.changes) == {"description"}  # A's save changed only what A typed


@pytest.mark.parametrize(
    ("field", "theirs", "yours"),
    [
        ("title", "Título de B", "Título de A"),
        ("description", "Descripción de B", "Descripción de A"),
        ("due_on", "2031-03-31", "2032-06-30"),
    ],
)
def test_a_field_you_both_changed_is_shown_side_by_side_and_needs_a_choice(
    app, db_session, world, field, theirs, yours
):
    deliverable_id = world["deliverable"].id
    path = f"/deliverables/{deliverable_id}/edit"
    a, b = _clients(app, world, "chair", "coordinator")
    form_a, form_b = _edit_form(a, path), _edit_form(b, path)
    assert b.post(path, data={**form_b, field: theirs}).status_code == 302

    refused = a.post(path, data={**form_a, field: yours})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Ambos lo cambiaron: ¿cuál conservar?" in page
    again = form_values(page, "edit-form")
    assert again[field] == yours  # what was typed stays in the field
    assert again["conflicts"] == field

    # Saving without choosing is refused, next to the field; nothing is written.
    unchosen = a.post(path, data=again)
    assert unchosen.status_code == 400
    assert "Usted y otra persona cambiaron este campo: elija qué valor conservar." in (
        unchosen.get_data(as_text=True)
    )
    db_session.expire_all()
    assert _canonical(getattr(db_session.get(Deliverable, deliverable_id), field)) == theirs

    # Choosing theirs keeps theirs; the save goes through.
    assert a.post(path, data={**again, f"keep-{field}": "theirs"}).status_code == 302
    db_session.expire_all()
    assert _canonical(getattr(db_session.get(Deliverable, deliverable_id), field)) == theirs


def test_choosing_what_you_typed_saves_it(app, db_session, world):
    deliverable_id = world["deliverable"].id
    path = f"/deliverables/{deliverable_id}/edit"
    a, b = _clients(app, world, "chair", "coordinator")
    form_a, form_b = _edit_form(a, path), _edit_form(b, path)
    assert b.post(path, data={**form_b, "title": "Título de B"}).status_code == 302
    page = a.post(path, data={**form_a, "title": "Título de A"}).get_data(as_text=True)
    again = form_values(page, "edit-form")
    assert a.post(path, data={**again, "keep-title": "yours"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Deliverable, deliverable_id).title == "Título de A"


def test_a_third_save_in_between_is_merged_again(app, db_session, world):
    """After A's 409, C saves too: A's next save is refused again and merged with C's."""
    deliverable_id = world["deliverable"].id
    path = f"/deliverables/{deliverable_id}/edit"
    a, b = _clients(app, world, "chair", "coordinator")
    form_a, form_b = _edit_form(a, path), _edit_form(b, path)
    assert b.post(path, data={**form_b, "title": "Título de B"}).status_code == 302
    page = a.post(path, data={**form_a, "description": "De A"}).get_data(as_text=True)
    after_conflict = form_values(page, "edit-form")

    form_c = _edit_form(b, path)
    assert b.post(path, data={**form_c, "due_on": "2030-01-15"}).status_code == 302
    second = a.post(path, data=after_conflict)
    assert second.status_code == 409
    merged_again = form_values(second.get_data(as_text=True), "edit-form")
    assert a.post(path, data=merged_again).status_code == 302
    db_session.expire_all()
    saved = db_session.get(Deliverable, deliverable_id)
    assert (saved.title, saved.description, saved.due_on) == (
        "Título de B",
        "De A",
        date(2030, 1, 15),
    )


def test_a_form_without_what_it_was_built_from_treats_every_difference_as_a_choice(
    app, db_session, world
):
    """A client that sends only the version (an old page) never overwrites silently."""
    deliverable_id = world["deliverable"].id
    path = f"/deliverables/{deliverable_id}/edit"
    a, b = _clients(app, world, "chair", "coordinator")
    form_b = _edit_form(b, path)
    assert b.post(path, data={**form_b, "title": "Título de B"}).status_code == 302
    old_page = {
        "title": "Viejo",
        "progress_mode": "derived",
        "due_on": world["deliverable"].due_on.isoformat(),
        "version": "1",
    }
    refused = a.post(path, data=old_page)
    assert refused.status_code == 409
    again = form_values(refused.get_data(as_text=True), "edit-form")
    assert again["conflicts"] == "title"
    assert a.post(path, data=again).status_code == 400
    db_session.expire_all()
    assert db_session.get(Deliverable, deliverable_id).title == "Título de B"


# --- tasks: title, description, assignee, due date ------------------------------------------


def test_task_edit_conflict_keeps_their_assignee_and_due_date(app, db_session, world):
    task_id = world["own_task"].id
    world["deliverable"].due_on = date(2031, 12, 31)  # a task is due no later than it
    db_session.commit()
    path = f"/tasks/{task_id}/edit"
    a, b = _clients(app, world, "chair", "coordinator")
    form_a, form_b = _edit_form(a, path), _edit_form(b, path)
    colleague = world["people"]["colleague"]
    assert (
        b.post(
            path,
            data={**form_b, "assignee_id": str(colleague.id), "due_on": "2031-05-05"},
        ).status_code
        == 302
    )
    refused = a.post(path, data={**form_a, "title": "Borrador final"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Colleague A" in page
    again = form_values(page, "edit-form")
    assert again["assignee_id"] == str(colleague.id)
    assert a.post(path, data=again).status_code == 302
    db_session.expire_all()
    task = db_session.get(Task, task_id)
    assert (task.title, task.assignee_id, task.due_on) == (
        "Borrador final",
        colleague.id,
        date(2031, 5, 5),
    )


# --- progress forms: a note does not put back an old status or percent ----------------------


def test_a_note_saved_after_a_conflict_does_not_revert_their_progress(app, db_session, world):
    task_id = world["own_task"].id
    member, chair = _clients(app, world, "member", "chair")
    page_member = member.get(f"/tasks/{task_id}").get_data(as_text=True)
    page_chair = chair.get(f"/tasks/{task_id}").get_data(as_text=True)
    form_member = form_values(page_member, "progress-form")
    form_chair = form_values(page_chair, "progress-form")

    form_chair.update(status="in_progress", progress="60")
    assert chair.post(f"/tasks/{task_id}/progress", data=form_chair).status_code == 302

    form_member["note"] = "Solo una nota"
    refused = member.post(f"/tasks/{task_id}/progress", data=form_member)
    assert refused.status_code == 409
    again = form_values(refused.get_data(as_text=True), "progress-form")
    assert (again["status"], again["progress"], again["note"]) == (
        "in_progress",
        "60",
        "Solo una nota",
    )
    assert member.post(f"/tasks/{task_id}/progress", data=again).status_code == 302
    db_session.expire_all()
    task = db_session.get(Task, task_id)
    assert (task.status, task.progress) == (WorkStatus.IN_PROGRESS, 60)
    last = db_session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.task_id == task_id)
        .order_by(ProgressUpdate.id.desc())
    ).first()
    assert (last.note, last.changes) == ("Solo una nota", {})


def _canonical(value) -> str:
    return value.isoformat() if isinstance(value, date) else (value or "")
