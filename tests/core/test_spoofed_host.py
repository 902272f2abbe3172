"""Issue 12: no way in through a Host header. Every link that leaves the app (reset,
invitation, "no account" note, notification e-mail, reminders, digests) is built from one
base (BASE_URL, or in development the address the development server listens on), never
from the request's Host header; production answers only its own host names."""

from __future__ import annotations

import http.client
import json
import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from coalition_app.core import links
from coalition_app.core.clock import today
from coalition_app.core.db import unit_of_work
from coalition_app.core.mail import sent_messages
from models import (
    AuditEvent,
    Deliverable,
    Notification,
    OutboxMessage,
    ProgressUpdate,
    Role,
    WorkStatus,
    utcnow,
)
from tests.helpers import sign_in

ATTACKER = "attacker.example"
SPOOFED_HEADERS = {"Host": f"{ATTACKER}:8443", "X-Forwarded-Host": ATTACKER}
URL = re.compile(r"https?://[^\s\"'<>)]+")

# How each server fills the WSGI environ: werkzeug's development server names the socket it
# bound; gunicorn copies the Host header into SERVER_NAME (so it is never trusted).
MODES = {
    "BASE_URL set, behind gunicorn": (
        "https://coalition.example",
        {"SERVER_SOFTWARE": "gunicorn/23.0.0", "SERVER_NAME": ATTACKER, "SERVER_PORT": "8443"},
        "https://coalition.example",
    ),
    "development, flask run --port 5101": (
        None,
        {"SERVER_SOFTWARE": "Werkzeug/3.1.9", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5101"},
        "http://127.0.0.1:5101",
    ),
    "development, BASE_URL unset, another server": (
        None,
        {"SERVER_SOFTWARE": "gunicorn/23.0.0", "SERVER_NAME": ATTACKER, "SERVER_PORT": "8443"},
        links.DEFAULT_BASE_URL,
    ),
}


class SpoofingClient(FlaskClient):
    """Every request carries the attacker's Host (and X-Forwarded-Host) header."""

    environ: dict[str, str] = {}  # set per client: how the server fills the environ

    def open(self, *args, **kwargs):
        kwargs["headers"] = {**dict(kwargs.get("headers") or {}), **SPOOFED_HEADERS}
        kwargs["environ_overrides"] = {**self.environ, **(kwargs.get("environ_overrides") or {})}
        return super().open(*args, **kwargs)


@pytest.fixture
def scene(db_session, make_institution, make_group, make_user):
    lead, member = make_institution(acronym="LD"), make_institution(acronym="MB")
    group = make_group(leads=[lead], members=[member], slug="datos")
    coordinator = make_user(role=Role.COORDINATOR, institution=lead, full_name="Coordinadora")
    person = make_user(institution=member, full_name="Persona", email="persona@example.org")
    deliverable = Deliverable(
        group_id=group.id,
        title="Inventario",
        status=WorkStatus.IN_PROGRESS,
        created_at=utcnow() - timedelta(weeks=6),
    )
    db_session.add(deliverable)
    db_session.commit()
    db_session.add(
        ProgressUpdate(
            deliverable_id=deliverable.id,
            changes={},
            note="Avance de la semana",
            author_id=person.id,
            created_at=utcnow() - timedelta(days=1),
        )
    )
    db_session.commit()
    return {"coordinator": coordinator, "person": person, "deliverable": deliverable}


def _everything_written_or_sent(app, db_session) -> list[str]:
    db_session.expire_all()
    texts = []
    for message in db_session.scalars(select(OutboxMessage)):
        texts += [message.recipient, message.subject, message.body, json.dumps(message.attachments)]
    for notification in db_session.scalars(select(Notification)):
        texts += [notification.link or "", json.dumps(notification.params)]
    for event in db_session.scalars(select(AuditEvent)):
        texts.append(json.dumps(event.details))
    with app.app_context():
        texts += [message.as_string() for message in sent_messages()]
    return texts


@pytest.mark.parametrize("mode", list(MODES))
def test_a_spoofed_host_never_appears_in_any_stored_or_sent_message(app, db_session, scene, mode):
    configured, environ, expected_base = MODES[mode]
    app.config["BASE_URL"] = configured
    app.test_client_class = SpoofingClient
    coordinator, person = app.test_client(), app.test_client()
    coordinator.environ = person.environ = environ

    # An invitation (its e-mail, and the link shown to the coordinator).
    assert sign_in(coordinator, scene["coordinator"].email).status_code == 302
    invited = coordinator.post(
        "/people/invite",
        data={
            "full_name": "Nueva Persona",
            "email": "nueva@example.org",
            "institution_id": scene["person"].institution_id,
            "role": "member",
        },
    )
    assert invited.status_code == 200
    shown = re.search(r'id="invitation-link"[^>]*>([^<]+)<', invited.get_data(as_text=True))
    assert shown.group(1).startswith(expected_base + "/invitations/")
    # A task assigned: a notification and its e-mail copy.
    assigned = coordinator.post(
        f"/deliverables/{scene['deliverable'].id}/tasks/new",
        data={
            "title": "Revisar fuentes",
            "assignee_id": scene["person"].id,
            "due_on": (today() - timedelta(days=1)).isoformat(),
        },
    )
    assert assigned.status_code == 302
    # Password resets: an account, an unknown address.
    for address in (scene["person"].email, "nadie@example.org"):
        assert person.post("/password/forgot", data={"email": address}).status_code == 302
    # Reminders and digests, run while a spoofed request is being served.
    from coalition_app.notifications.service import send_digests, send_reminders

    with app.test_request_context(headers=SPOOFED_HEADERS, environ_overrides=environ):
        with unit_of_work():
            assert send_reminders(today())["overdue"] == 1
        with unit_of_work():
            assert send_digests(today()) == {"datos": 2}

    texts = _everything_written_or_sent(app, db_session)
    assert not [text for text in texts if ATTACKER in text]
    bodies = [m.body for m in db_session.scalars(select(OutboxMessage))]
    found = [url for body in bodies for url in URL.findall(body)]
    assert {url.split(expected_base, 1)[1].split("/")[1] for url in found} == {
        "invitations",  # the invitation
        "tasks",  # assigned, overdue
        "password",  # the reset link (the unknown address gets nothing)
        "groups",  # the digest
    }
    assert all(url.startswith(expected_base + "/") for url in found), found
    with app.app_context():
        assert len(sent_messages()) == len(bodies) >= 6


def test_a_real_development_server_gives_links_to_the_port_it_serves(app):
    """`flask run --port N` (werkzeug's server) links to port N, whatever Host is sent."""
    tiny = Flask("tiny")
    tiny.config["BASE_URL"] = None
    tiny.add_url_rule("/link", "link", lambda: links.absolute("/tasks/7"))
    server = make_server("127.0.0.1", 0, tiny)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request("GET", "/link", headers={"Host": ATTACKER})
        body = connection.getresponse().read().decode()
    finally:
        server.shutdown()
    assert body == f"http://127.0.0.1:{server.port}/tasks/7"


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5000"}, "http://127.0.0.1:5000"),
        ({"SERVER_NAME": "0.0.0.0", "SERVER_PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"SERVER_NAME": "::", "SERVER_PORT": "5101"}, "http://[::1]:5101"),
        (
            {"SERVER_NAME": "127.0.0.1", "SERVER_PORT": "443", "wsgi.url_scheme": "https"},
            "https://127.0.0.1",
        ),
    ],
)
def test_the_development_address_comes_from_the_bound_socket(environ, expected):
    assert links.served_address({"SERVER_SOFTWARE": "Werkzeug/3.1.9", **environ}) == expected
    assert links.served_address({"SERVER_SOFTWARE": "gunicorn/23.0.0", **environ}) is None


def test_an_unknown_host_gets_the_styled_400_and_sends_nothing(app, db_session, make_user):
    """Production's TRUSTED_HOSTS (BASE_URL's host and the listed names): any other Host
    is refused before anything runs, with the app's own 400 page."""
    user = make_user()
    app.config["TRUSTED_HOSTS"] = ["coalition.example", "www.coalition.example"]
    app.config["BASE_URL"] = "https://coalition.example"
    client = app.test_client()
    refused = client.post(
        "/password/forgot", data={"email": user.email}, headers={"Host": ATTACKER}
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Este sitio no responde a esa dirección" in page
    assert 'href="/static/' in page  # the styled page, with its stylesheet
    assert db_session.scalars(select(OutboxMessage)).all() == []
    for host in ("coalition.example", "www.coalition.example:443"):
        assert client.get("/login", headers={"Host": host}).status_code == 200
