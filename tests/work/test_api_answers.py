"""The work API's answers: a PATCH whose status is not a string is a 422 in the API's error
shape (never a 500), and no API answer is kept by a cache (they carry people's names)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Deliverable, ProgressUpdate, Task
from tests.helpers import sign_in

NOT_A_STATUS = [{}, [], ["done"], {"value": "done"}, 1, 0, True, None, 1.5, "", "DONE"]


def _session_client(app, world, role="chair"):
    client = app.test_client()
    assert sign_in(client, world["people"][role].email).status_code == 302
    return client


@pytest.mark.parametrize("kind", ["deliverables", "tasks"])
@pytest.mark.parametrize("status", NOT_A_STATUS, ids=repr)
def test_a_status_that_is_not_one_is_a_422_and_writes_nothing(app, db_session, world, kind, status):
    subject = world["deliverable"] if kind == "deliverables" else world["own_task"]
    client = _session_client(app, world)
    body = {"version": 1, "status": status, "note": "con estado raro"}
    response = client.patch(f"/api/v1/{kind}/{subject.id}", json=body)
    if status is None:  # null is "unchanged": the note alone is recorded
        assert response.status_code == 200
        return
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error == {
        "status": 422,
        "title": "No aceptado",
        "message": "Situación desconocida.",
        "field": "status",
        "problems": [{"field": "status", "message": "Situación desconocida."}],
    }
    db_session.expire_all()
    model = Deliverable if kind == "deliverables" else Task
    assert db_session.get(model, subject.id).version == 1
    assert db_session.scalar(select(func.count()).select_from(ProgressUpdate)) == 0


@pytest.mark.parametrize("body", ['{"version": 1, "status": {}}', '{"version":1,"status":[]}'])
def test_the_issues_bodies_exactly(app, world, body):
    client = _session_client(app, world)
    for path in (
        f"/api/v1/deliverables/{world['deliverable'].id}",
        f"/api/v1/tasks/{world['own_task'].id}",
    ):
        response = client.patch(path, data=body, content_type="application/json")
        assert response.status_code == 422
        assert response.get_json()["error"]["field"] == "status"


def test_every_api_answer_is_no_store(app, world):
    client = _session_client(app, world)
    deliverable, task = world["deliverable"].id, world["own_task"].id
    answers = {
        "institutions": client.get("/api/v1/institutions"),
        "groups": client.get("/api/v1/groups"),
        "group": client.get("/api/v1/groups/grupo-a"),
        "deliverable": client.get(f"/api/v1/deliverables/{deliverable}"),
        "task": client.get(f"/api/v1/tasks/{task}"),
        "growth": client.get("/api/v1/growth"),
        "document": client.get("/api/v1/openapi.json"),
        "patched": client.patch(f"/api/v1/tasks/{task}", json={"version": 1, "note": "hecho"}),
        "conflict": client.patch(f"/api/v1/tasks/{task}", json={"version": 1, "note": "tarde"}),
        "refused": client.patch(f"/api/v1/tasks/{task}", json={"version": 2, "status": {}}),
        "missing": client.get("/api/v1/tasks/999999"),
        "bad query": client.get("/api/v1/institutions?page=0"),
        "anonymous": app.test_client().get(f"/api/v1/tasks/{task}"),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "institutions": 200,
        "groups": 200,
        "group": 200,
        "deliverable": 200,
        "task": 200,
        "growth": 200,
        "document": 200,
        "patched": 200,
        "conflict": 409,
        "refused": 422,
        "missing": 404,
        "bad query": 400,
        "anonymous": 401,
    }
    assert "Member A" in answers["task"].get_data(as_text=True)  # people's names
    for name, response in answers.items():
        assert response.headers.get("Cache-Control") == "no-store", name
