"""Links built once per page for many rows (core/url_patterns.py) are exactly url_for's."""

from __future__ import annotations

import pytest
from flask import g, url_for

from coalition_app.core.url_patterns import row_url, url_pattern
from models.base import MAX_ID


@pytest.mark.parametrize(
    ("endpoint", "key", "values"),
    [
        ("directory.profile", "institution_id", {}),
        ("people.set_role", "user_id", {}),
        ("ties.detail", "tie_id", {}),
        ("api.institution", "institution_id", {}),
        # Other values of the route and the query string stay where url_for puts them.
        ("directory.profile", "institution_id", {"people": 3, "_anchor": "people-heading"}),
    ],
)
def test_a_pattern_gives_url_for_s_address_for_every_key(app, endpoint, key, values):
    with app.test_request_context("/", base_url="http://example.test/prefix"):
        address_of = url_pattern(endpoint, key, **values)
        for row_key in (1, 7, 42, 1000, 123456789, MAX_ID):
            assert address_of(row_key) == url_for(endpoint, **values, **{key: row_key})


def test_a_pattern_refuses_an_address_where_the_key_is_not_in_one_place(app):
    with app.test_request_context("/"), pytest.raises(ValueError, match="not in one place"):
        # Another value renders as the marker too: the key's place would be ambiguous.
        url_pattern("directory.profile", "institution_id", people=MAX_ID)


def test_row_url_keeps_one_pattern_per_route_for_the_request(app):
    with app.test_request_context("/"):
        first = row_url("ties.detail", "tie_id", 5)
        assert first == url_for("ties.detail", tie_id=5)
        assert row_url("ties.detail", "tie_id", 6) == url_for("ties.detail", tie_id=6)
        assert list(g._url_patterns) == [("ties.detail", "tie_id")]
    with app.test_request_context("/"):
        assert "_url_patterns" not in g
