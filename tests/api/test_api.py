"""The JSON API: personal tokens, filters and pagination, the policy, conflicts, errors, CSRF."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from coalition_app.account import tokens as api_tokens
from coalition_app.core.db import unit_of_work
from models import (
    ApiToken,
    Deliverable,
    Institution,
    Role,
    Task,
    TokenScope,
    User,
    WorkStatus,
    token_digest,
)
from tests.helpers import FAST_HASH, PASSWORD, sign_in


def _token_for(app, user, scope=TokenScope.READ_WRITE) -> str:
    with app.test_request_context(), unit_of_work():
        session = app.extensions["database"].session
        _row, value = api_tokens.create_token(session.get(User, user.id), "test", scope)
    return value


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def world(db_session, make_institution, make_group, make_user):
    """Group A led by LA with member MA; a deliverable with a task for each of two people."""
    lead, member_institution = make_institution(acronym="LA"), make_institution(acronym="MA")
    group = make_group(leads=[lead], members=[member_institution], slug="grupo-a")
    people = {
        "chair": make_user(institution=lead, full_name="Chair A"),
        "member": make_user(institution=member_institution, full_name="Member A"),
        "colleague": make_user(institution=member_institution, full_name="Colleague A"),
        "coordinator": make_user(role=Role.COORDINATOR, full_name="Coordinator"),
    }
    deliverable = Deliverable(
        group_id=group.id, title="Código de ética", status=WorkStatus.IN_PROGRESS
    )
    db_session.add(deliverable)
    db_session.flush()
    own = Task(deliverable_id=deliverable.id, title="Borrador", assignee_id=people["member"].id)
    other = Task(
        deliverable_id=deliverable.id, title="Revisión", assignee_id=people["colleague"].id
    )
    db_session.add_all([own, other])
    db_session.commit()
    return {
        "people": people,
        "group": group,
        "deliverable": deliverable,
        "own": own,
        "other": other,
    }


# --- tokens --------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_only_its_hash_is_stored(app, client, login_as, db_session):
    user = login_as()
    response = client.post("/account/tokens", data={"name": "Hoja de cálculo", "scope": "read"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    value = re.search(r"coal_[A-Za-z0-9_-]{43}", response.get_data(as_text=True)).group(0)
    row = db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == token_digest(value) and row.scope == TokenScope.READ
    assert value not in str([getattr(row, c.name) for c in ApiToken.__table__.columns])
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Hoja de cálculo" in listing and value not in listing


def test_tokens_page_lists_only_your_own_and_needs_sign_in(client, make_user, login_as, app):
    other = make_user()
    _token_for(app, other)
    assert client.get("/account/tokens").status_code == 302
    login_as()
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "/account/password" in page and "/revoke" not in page


def test_a_revoked_token_gets_401(app, client, login_as, db_session):
    user = login_as()
    value = _token_for(app, user)
    other_client = app.test_client()
    assert other_client.get("/api/v1/groups", headers=bearer(value)).status_code == 200
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    response = other_client.get("/api/v1/groups", headers=bearer(value))
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_someone_else_cannot_revoke_your_token(app, client, make_user, login_as, db_session):
    owner = make_user()
    _token_for(app, owner)
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    login_as()
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).revoked_at is None


@pytest.mark.parametrize(
    "header", ["Bearer coal_unknown", "Bearer ", "Bearer not-even-ours", "Basic abc"]
)
def test_unknown_tokens_and_no_credentials_get_json_401(client, header):
    response = client.get("/api/v1/institutions", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.is_json and set(response.get_json()["error"]) >= {"status", "title", "message"}


def test_an_inactive_persons_token_stops_working(app, make_user, db_session):
    user = make_user()
    value = _token_for(app, user)
    db_session.get(User, user.id).is_active = False  # the request above closed the session
    db_session.commit()
    assert app.test_client().get("/api/v1/groups", headers=bearer(value)).status_code == 401


def test_last_used_is_recorded_and_no_cookie_is_set(app, make_user, db_session):
    user = make_user()
    value = _token_for(app, user)
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.last_used_at is None
    response = app.test_client().get("/api/v1/groups", headers=bearer(value))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).last_used_at is not None


def test_the_token_wins_over_a_session_cookie(app, client, login_as, make_user):
    login_as()  # the cookie of someone signed in
    other = make_user(full_name="Token Owner")
    value = _token_for(app, other)
    assert client.get("/api/v1/groups", headers=bearer(value)).status_code == 200
    revoked = client.get("/api/v1/groups", headers=bearer("coal_" + "x" * 43))
    assert revoked.status_code == 401  # a bad token is refused, whatever the cookie


def test_a_read_token_cannot_patch(app, world, db_session):
    value = _token_for(app, world["people"]["member"], TokenScope.READ)
    task = world["own"]
    response = app.test_client().patch(
        f"/api/v1/tasks/{task.id}",
        json={"version": task.version, "progress": 50},
        headers=bearer(value),
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["status"] == 403
    db_session.expire_all()
    assert db_session.get(Task, task.id).progress == 0


# --- institutions: filters and pagination ---------------------------------------------------


def test_institutions_filter_and_paginate_with_links(seeded_app):
    coordinator = seeded_app.extensions["database"].session.scalar(
        select(User).where(User.email == "coordinator@example.org")
    )
    client = seeded_app.test_client()
    headers = bearer(_token_for(seeded_app, coordinator))
    first = client.get("/api/v1/institutions?per_page=10", headers=headers).get_json()
    total = first["meta"]["total"]
    assert total > 20 and len(first["data"]) == 10
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    last_page = -(-total // 10)
    assert f"page={last_page}" in first["links"]["last"]
    second = client.get(first["links"]["next"], headers=headers).get_json()
    assert second["meta"]["page"] == 2 and "page=1" in second["links"]["prev"]
    assert {i["id"] for i in first["data"]}.isdisjoint(i["id"] for i in second["data"])
    end = client.get(first["links"]["last"], headers=headers).get_json()
    assert end["links"]["next"] is None and len(end["data"]) == total - 10 * (last_page - 1)

    academia = client.get(
        "/api/v1/institutions?sector=academia&status=active&per_page=100", headers=headers
    ).get_json()
    assert academia["data"] and all(
        i["sector"]["slug"] == "academia" and i["active"] for i in academia["data"]
    )
    assert "sector=academia" in academia["links"]["self"]
    founders = client.get("/api/v1/institutions?founder=yes", headers=headers).get_json()
    assert founders["data"] and all(i["is_founder"] for i in founders["data"])
    ordered = client.get("/api/v1/institutions?sort=joined_on&dir=desc", headers=headers)
    days = [i["joined_on"] for i in ordered.get_json()["data"]]
    assert days == sorted(days, reverse=True)


def test_institution_search_ignores_case_and_accents(client, login_as, make_institution):
    login_as()
    make_institution(name="Universidad Autónoma de Prueba")
    found = client.get("/api/v1/institutions?q=AUTONOMA").get_json()
    assert [i["name"] for i in found["data"]] == ["Universidad Autónoma de Prueba"]


@pytest.mark.parametrize(
    "query",
    [
        "per_page=101",
        "per_page=0",
        "page=0",
        "page=x",
        "sector=nope",
        "status=gone",
        "sort=size",
        "founder=maybe",
        "group=nope",
        "q=%00",
        "page=%C2%B2",  # a digit, but not one of 0-9 (was a 500)
        "per_page=1.5",
        "dir=",
    ],
)
def test_bad_filters_get_json_400(client, login_as, query):
    login_as()
    response = client.get(f"/api/v1/institutions?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400


def test_blank_filters_are_their_defaults(client, login_as):
    login_as()
    response = client.get("/api/v1/institutions?founder=&status=&sort=&page=&per_page=+")
    assert response.status_code == 200
    assert response.get_json()["meta"] == {"page": 1, "per_page": 25, "total": 1}


def test_filter_refusals_say_which_and_come_in_the_pages_order(client, login_as):
    login_as()
    cases = {
        "per_page=101": "per_page debe ser un número entero de 1 a 100.",
        "sector=nope": "Sector desconocido.",
        "sector=nope&page=0": "page debe ser un número entero de 1 a 9999999.",
        "state=XX&sort=size": "No se pudo entender la solicitud. Revísela e inténtelo de nuevo.",
        "q=%01&page=0": "No se admiten caracteres de control.",
    }
    for query, message in cases.items():
        error = client.get(f"/api/v1/institutions?{query}").get_json()["error"]
        assert (error["status"], error["message"]) == (400, message), query
    # Every refused parameter is listed, in the same order, one message each.
    error = client.get("/api/v1/institutions?sector=nope&page=0").get_json()["error"]
    assert [p["field"] for p in error["problems"]] == ["page", "sector"]
    assert [p["message"] for p in error["problems"]] == [error["message"], cases["sector=nope"]]


def test_one_institution_with_its_memberships(client, login_as, world):
    login_as()
    institution = world["group"].memberships[0].institution
    body = client.get(f"/api/v1/institutions/{institution.id}").get_json()
    assert body["id"] == institution.id
    assert body["memberships"][0]["group"]["slug"] == "grupo-a"


def test_groups_and_one_group(client, login_as, world):
    login_as()
    assert [g["slug"] for g in client.get("/api/v1/groups").get_json()["data"]] == ["grupo-a"]
    body = client.get("/api/v1/groups/grupo-a").get_json()
    assert {m["role"] for m in body["institutions"]} == {"lead", "member"}
    assert [d["title"] for d in body["deliverables"]] == ["Código de ética"]


# --- work: reading, the policy, conflicts --------------------------------------------------------


def test_deliverable_and_task_are_readable(client, world):
    sign_in(client, world["people"]["member"].email)
    body = client.get(f"/api/v1/deliverables/{world['deliverable'].id}").get_json()
    assert body["version"] == 1 and len(body["tasks"]) == 2
    task = client.get(f"/api/v1/tasks/{world['own'].id}").get_json()
    assert task["assignee"]["full_name"] == "Member A"
    assert task["deliverable"]["id"] == world["deliverable"].id


def test_assignee_records_progress_with_a_token(app, world, db_session):
    value = _token_for(app, world["people"]["member"])
    task = world["own"]
    response = app.test_client().patch(
        f"/api/v1/tasks/{task.id}",
        json={
            "version": 1,
            "status": "in_progress",
            "progress": 40,
            "note": "Primer borrador",
            "evidence_url": "https://example.org/borrador",
        },
        headers=bearer(value),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "in_progress" and body["progress"] == 40 and body["version"] == 2
    assert body["updated_by"]["full_name"] == "Member A"


def test_member_cannot_patch_someone_elses_task(app, world, db_session):
    value = _token_for(app, world["people"]["member"])
    task = world["other"]
    response = app.test_client().patch(
        f"/api/v1/tasks/{task.id}", json={"version": 1, "progress": 90}, headers=bearer(value)
    )
    assert response.status_code == 403
    db_session.expire_all()
    fresh = db_session.get(Task, task.id)
    assert (fresh.progress, fresh.version) == (0, 1)


def test_member_may_submit_but_not_approve_a_deliverable(app, world):
    client = app.test_client()
    headers = bearer(_token_for(app, world["people"]["member"]))
    url = f"/api/v1/deliverables/{world['deliverable'].id}"
    submitted = client.patch(url, json={"version": 1, "status": "in_review"}, headers=headers)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "in_review"
    approved = client.patch(url, json={"version": 2, "status": "done"}, headers=headers)
    assert approved.status_code == 403


def test_a_stale_version_gets_409_with_the_current_version(app, world, db_session):
    client = app.test_client()
    headers = bearer(_token_for(app, world["people"]["member"]))
    url = f"/api/v1/tasks/{world['own'].id}"
    assert (
        client.patch(url, json={"version": 1, "progress": 10}, headers=headers).status_code == 200
    )
    stale = client.patch(url, json={"version": 1, "progress": 20}, headers=headers)
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["status"] == 409 and error["current_version"] == 2
    db_session.expire_all()
    assert db_session.get(Task, world["own"].id).progress == 10


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"progress": 10}, "version"),
        ({"version": 1, "progress": 101}, "progress"),
        ({"version": 1, "status": "archived"}, "status"),
        ({"version": 1, "status": "in_review"}, "status"),  # tasks are not reviewed
        ({"version": 1, "evidence_url": "javascript:alert(1)", "note": "x"}, "evidence_url"),
        ({"version": 1, "colour": "red"}, "colour"),
        ({"version": 1}, None),  # nothing changed
    ],
)
def test_broken_rules_get_422_with_the_field(app, world, body, field):
    headers = bearer(_token_for(app, world["people"]["member"]))
    response = app.test_client().patch(
        f"/api/v1/tasks/{world['own'].id}", json=body, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_the_note_and_the_numbers_are_checked_as_the_document_says(app, world):
    headers = bearer(_token_for(app, world["people"]["member"]))
    url = f"/api/v1/tasks/{world['own'].id}"
    client = app.test_client()
    refused = [
        ({"version": 1, "note": "x" * 5001}, "note"),
        ({"version": 1, "note": None}, "note"),
        ({"version": "1", "note": "x"}, "version"),
        ({"version": True, "note": "x"}, "version"),
        ({"version": 1, "progress": 12.5}, "progress"),
        ({"version": 1, "evidence_url": "https://exa mple.org", "note": "x"}, "evidence_url"),
        ({"version": 1, "zeta": 1, "alpha": 2, "progress": 500}, "alpha"),  # unknown first
    ]
    for body, field in refused:
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["field"] == field, body
    accepted = client.patch(
        url, json={"version": 1.0, "progress": 20.0, "note": "x" * 5000}, headers=headers
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["progress"] == 20


def test_a_body_that_is_not_a_json_object_gets_400(app, world):
    headers = bearer(_token_for(app, world["people"]["member"]))
    response = app.test_client().patch(
        f"/api/v1/tasks/{world['own'].id}",
        data="[1]",
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tasks/999999",
        "/api/v1/deliverables/999999",
        "/api/v1/institutions/999999",
        "/api/v1/groups/nope",
        "/api/v1/groups/%00",
        "/api/v1/tasks/99999999999999999999",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_ids_get_json_404(client, login_as, path):
    login_as()
    response = client.get(path)
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["status"] == 404 and error["title"] and error["message"]


def test_archived_work_is_404_for_a_member(client, world, db_session):
    from models import utcnow

    world["own"].archived_at = utcnow()
    db_session.commit()
    sign_in(client, world["people"]["member"].email)
    assert client.get(f"/api/v1/tasks/{world['own'].id}").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("as_of=yesterday", "as_of debe ser una fecha escrita AAAA-MM-DD."),
        ("as_of=2017-12-31", "as_of debe ser un día del 2018-01-01 a hoy."),
    ],
)
def test_network_errors_are_the_apis_with_their_reason(client, login_as, query, message):
    login_as()
    response = client.get(f"/api/v1/network?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    problems = error.pop("problems", [])
    assert error == {"status": 400, "title": "Solicitud incorrecta", "message": message}
    assert all(p["message"] == message for p in problems[:1])


def test_wrong_method_gets_json_405(client, login_as):
    login_as()
    response = client.delete("/api/v1/groups")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405


# --- CSRF: right for both sessions and tokens ----------------------------------------------------


@pytest.fixture
def csrf_world(csrf_app):
    session = csrf_app.extensions["database"].session
    institution = Institution(name="CSRF U", sector_slug="academia", joined_on=date(2019, 1, 1))
    person = User(
        email="csrf@example.org",
        full_name="C",
        institution=institution,
        role=Role.COORDINATOR,
        password_hash=generate_password_hash(PASSWORD, FAST_HASH),
    )
    from models import GroupMembership, GroupRole, WorkingGroup

    group = WorkingGroup(slug="g", name_es="G", name_en="G")
    session.add_all(
        [
            person,
            group,
            GroupMembership(
                group=group, institution=institution, role=GroupRole.LEAD, since=date(2019, 1, 1)
            ),
        ]
    )
    session.flush()
    deliverable = Deliverable(group_id=group.id, title="D")
    session.add(deliverable)
    session.flush()
    task = Task(deliverable_id=deliverable.id, title="T", assignee_id=person.id)
    session.add(task)
    session.commit()
    return person, task


def _csrf_sign_in(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": "csrf@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get("/account/tokens").get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_session_patch_needs_the_csrf_header(csrf_app, csrf_world):
    _person, task = csrf_world
    client = csrf_app.test_client()
    csrf_token = _csrf_sign_in(client)
    url = f"/api/v1/tasks/{task.id}"
    refused = client.patch(url, json={"version": 1, "progress": 30})
    assert refused.status_code == 400 and refused.get_json()["error"]["status"] == 400
    assert client.get(url).get_json()["progress"] == 0
    accepted = client.patch(
        url, json={"version": 1, "progress": 30}, headers={"X-CSRFToken": csrf_token}
    )
    assert accepted.status_code == 200 and accepted.get_json()["progress"] == 30


def test_token_patch_needs_no_csrf_and_ignores_the_cookie(csrf_app, csrf_world):
    person, task = csrf_world
    value = _token_for(csrf_app, person)
    response = csrf_app.test_client().patch(
        f"/api/v1/tasks/{task.id}", json={"version": 1, "progress": 30}, headers=bearer(value)
    )
    assert response.status_code == 200, response.get_json()
    assert "Set-Cookie" not in response.headers


def test_creating_and_revoking_tokens_needs_the_csrf_token(csrf_app, csrf_world):
    client = csrf_app.test_client()
    csrf_token = _csrf_sign_in(client)
    assert client.post("/account/tokens", data={"name": "x", "scope": "read"}).status_code == 400
    created = client.post(
        "/account/tokens", data={"name": "x", "scope": "read", "csrf_token": csrf_token}
    )
    assert created.status_code == 201


def test_the_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")
