"""The network tests' signed-in client: the demo member on the seeded coalition."""

from __future__ import annotations

import pytest

from tests.helpers import sign_in

DEMO_PASSWORD = "coalition-demo"


@pytest.fixture
def member_client(seeded_client):
    assert sign_in(seeded_client, "member@example.org", DEMO_PASSWORD).status_code == 302
    return seeded_client
