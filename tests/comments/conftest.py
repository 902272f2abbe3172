"""Fixtures of the comments' tests (built by tests/comments/helpers.py, shared with files)."""

from __future__ import annotations

import pytest

from tests.comments.helpers import clients_of, make_world


@pytest.fixture
def world(db_session, make_institution, make_group, make_user):
    return make_world(db_session, make_institution, make_group, make_user)


@pytest.fixture
def as_person(app, world):
    return clients_of(app, world)
