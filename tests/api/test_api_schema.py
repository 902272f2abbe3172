"""The OpenAPI document: generated from the routes, and kept honest by schemathesis.

Schemathesis generates requests for every operation of the document served by the test app
(seeded, called as the demo coordinator with a read-write token) and fails on any 5xx, any
undocumented status or content type, and any response that does not match its schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Blueprint
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from coalition_app.account import tokens as api_tokens
from coalition_app.api.openapi import api_rules, document
from coalition_app.core.db import unit_of_work
from models import Deliverable, Institution, Task, TokenScope, User, WorkingGroup

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def coordinator_headers(seeded_app) -> dict[str, str]:
    with seeded_app.test_request_context(), unit_of_work():
        session = seeded_app.extensions["database"].session
        coordinator = session.scalar(select(User).where(User.email == "coordinator@example.org"))
        _row, value = api_tokens.create_token(coordinator, "schemathesis", TokenScope.READ_WRITE)
    return {"Authorization": f"Bearer {value}"}


def test_every_api_route_is_in_the_document(seeded_app, coordinator_headers):
    served = seeded_app.test_client().get("/api/v1/openapi.json", headers=coordinator_headers)
    assert served.status_code == 200
    paths = served.get_json()["paths"]
    rules = {
        r.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for r in api_rules(seeded_app)
    }
    assert set(paths) == rules
    assert "/api/v1/network" in paths  # served by the network blueprint, described here
    assert paths["/api/v1/tasks/{task_id}"]["patch"]["requestBody"]["required"] is True
    schemes = served.get_json()["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer" and schemes["cookie"]["in"] == "cookie"


def test_an_undescribed_api_route_is_refused(seeded_app):
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/api/v1/undescribed", "undescribed", lambda: "")
    seeded_app.register_blueprint(extra)
    with pytest.raises(LookupError, match="/api/v1/undescribed"):
        document(seeded_app)


def _real_ids(app) -> dict[str, list]:
    """Ids that exist in the seed, so that generated requests reach real objects too."""
    session = app.extensions["database"].session
    ids = {
        "task_id": list(session.scalars(select(Task.id).order_by(Task.id).limit(8))),
        "deliverable_id": list(
            session.scalars(select(Deliverable.id).order_by(Deliverable.id).limit(8))
        ),
        "institution_id": list(
            session.scalars(select(Institution.id).order_by(Institution.id).limit(8))
        ),
        "slug": list(session.scalars(select(WorkingGroup.slug))),
    }
    session.remove()
    assert all(ids.values())
    return ids


def _with_real_objects(operation, ids, client, headers):
    """Half the cases aim at a real object, and half of those send its current version."""

    def aim(drawn):
        case, real, current = drawn
        for name in list(case.path_parameters or {}):
            if real is not None and name in ids:
                case.path_parameters[name] = ids[name][real % len(ids[name])]
                if current and isinstance(case.body, dict) and operation.method == "patch":
                    read = client.get(case.formatted_path, headers=headers)
                    if read.status_code == 200:
                        case.body["version"] = read.get_json()["version"]
        return case

    return st.tuples(operation.as_strategy(), st.none() | st.integers(0, 7), st.booleans()).map(aim)


def test_the_api_conforms_to_its_openapi_document(seeded_app, coordinator_headers):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", seeded_app, headers=coordinator_headers
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    ids = _real_ids(seeded_app)
    client = seeded_app.test_client()
    failures = []
    for operation in operations:

        @given(case=_with_real_objects(operation, ids, client, coordinator_headers))
        @settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=coordinator_headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
