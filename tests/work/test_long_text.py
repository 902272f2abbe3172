"""Long text and control characters in the work's inputs, end to end: a pasted note over the
limit is refused with a message and kept; the API refuses control characters in a note with
the reason, and takes line breaks and tabs. (Every form's rule: tests/core/test_text_rules.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import ProgressUpdate, Task
from tests.helpers import sign_in


def test_a_pasted_10000_character_note_is_refused_with_a_message_and_kept(
    client, db_session, world
):
    sign_in(client, world["people"]["member"].email)
    task_id = world["own_task"].id
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Hasta 5.000 caracteres." in page and 'data-limit="5000"' in page
    assert "maxlength" not in page
    note = "Avance detallado. " * 555 + "fin"  # 9,993 characters
    note = note + "x" * (10_000 - len(note))
    before = db_session.scalar(select(func.count()).select_from(ProgressUpdate))
    response = client.post(
        f"/tasks/{task_id}/progress",
        data={"status": "in_progress", "progress": "10", "note": note, "version": "1"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Como máximo 5.000 caracteres: este texto tiene 10.000." in html
    assert note in html  # nothing typed is lost
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ProgressUpdate)) == before
    assert db_session.get(Task, task_id).progress == 0


@pytest.mark.parametrize("note", ["Nota\x1b[0m", "a\x00b", "\x0c", "\x9b"])
def test_the_api_refuses_control_characters_in_a_note_with_its_reason(app, db_session, world, note):
    client = app.test_client()
    sign_in(client, world["people"]["member"].email)
    response = client.patch(
        f"/api/v1/tasks/{world['own_task'].id}", json={"version": 1, "note": note}
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "note"
    assert "caracteres de control" in error["message"]
    assert db_session.scalars(select(ProgressUpdate)).all() == []


def test_the_api_refuses_a_lone_surrogate_in_a_note(app, db_session, world):
    client = app.test_client()
    sign_in(client, world["people"]["member"].email)
    response = client.patch(
        f"/api/v1/tasks/{world['own_task'].id}",
        data='{"version": 1, "note": "a\\ud800b"}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "note"
    assert db_session.scalars(select(ProgressUpdate)).all() == []


def test_the_api_still_takes_line_breaks_and_tabs_in_a_note(app, db_session, world):
    client = app.test_client()
    sign_in(client, world["people"]["member"].email)
    response = client.patch(
        f"/api/v1/tasks/{world['own_task'].id}",
        json={"version": 1, "note": "uno\r\ndos\tb"},
    )
    assert response.status_code == 200
    assert db_session.scalars(select(ProgressUpdate.note)).all() == ["uno\r\ndos\tb"]
