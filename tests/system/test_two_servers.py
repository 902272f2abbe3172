"""Two app servers against one PostgreSQL and one Redis behave as one app."""

from __future__ import annotations

import re

import pytest

from tests.system.helpers import Browserless, Server, first_task_of


@pytest.fixture(scope="module")
def servers(server_env):
    a, b = Server(server_env), Server(server_env)
    yield a, b
    a.stop()
    b.stop()


def test_a_session_started_on_one_server_is_valid_on_the_other(servers):
    a, b = servers
    client = Browserless(a.port)
    assert client.sign_in("member@example.org") == 302
    client.port = b.port
    status, page, _ = client.get("/")
    assert status == 200 and "Cerrar sesión" in page


def test_sign_out_on_one_server_ends_the_session_on_the_other(servers):
    a, b = servers
    client = Browserless(a.port)
    client.sign_in("chair@example.org")
    replay = dict(client.cookies)
    _, page, _ = client.get("/")
    client.post("/logout", {"csrf_token": client.csrf(page)})
    stolen = Browserless(b.port)
    stolen.cookies = replay
    assert stolen.get("/")[0] == 302


def test_the_sign_in_limit_counts_across_both_servers(servers):
    a, b = servers
    statuses = []
    for attempt in range(6):
        client = Browserless((a, b)[attempt % 2].port)
        statuses.append(client.sign_in("coordinator@example.org", "wrong password"))
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429


def test_a_change_through_one_server_is_seen_through_the_other_at_once(
    servers, system_database_url
):
    a, b = servers
    task_id = first_task_of(system_database_url, "member@example.org")
    writer, reader = Browserless(a.port), Browserless(b.port)
    writer.sign_in("member@example.org")
    reader.sign_in("chair@example.org")
    reader.get(f"/tasks/{task_id}")  # warm whatever the reader might cache
    _, page, _ = writer.get(f"/tasks/{task_id}")
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    status = re.search(r'<option selected value="([a-z_]+)"', page).group(1)
    note = "Visto desde el otro servidor"
    posted, _, _ = writer.post(
        f"/tasks/{task_id}/progress",
        {
            "csrf_token": writer.csrf(page),
            "version": version,
            "status": status,
            "progress": "77",
            "note": note,
        },
    )
    assert posted == 302
    _, seen, _ = reader.get(f"/tasks/{task_id}")
    assert note in seen and "77%" in seen
