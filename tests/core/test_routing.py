"""Ids in addresses are database keys: any number outside their range is a 404, never a 500."""

from __future__ import annotations

import re

import pytest

from models import Role
from models.base import MAX_ID

INT_PART = re.compile(r"<int:[a-z_]+>")


def _addresses(app, number: int) -> list[str]:
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and "<int:" in r.rule]
    assert len(rules) >= 8  # deliverables, tasks, institutions, the API...
    return [INT_PART.sub(str(number), rule.rule) for rule in rules]


@pytest.mark.parametrize("number", [MAX_ID + 1, 10**25, 0])
def test_an_id_beyond_the_keys_range_is_not_found(app, client, login_as, number):
    login_as(role=Role.COORDINATOR)
    for address in _addresses(app, number):
        assert client.get(address).status_code == 404, address


def test_the_largest_key_is_still_routed(app, client, login_as):
    login_as(role=Role.COORDINATOR)
    # Routed to the view, which finds nothing: the same 404, from the database this time.
    assert client.get(f"/deliverables/{MAX_ID}").status_code == 404
    assert client.get(f"/api/v1/deliverables/{MAX_ID}").json["error"]["status"] == 404
