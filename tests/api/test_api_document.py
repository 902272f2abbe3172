"""The OpenAPI document says what is served: valid OpenAPI 3.1, the right credentials per
route, and every documented GET route's real answers valid against the document's own
response schemas (JSON Schema 2020-12, with jsonschema: the schemas as a generated client
reads them, not the pydantic models behind them)."""

from __future__ import annotations

import copy

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from coalition_app.account import tokens as api_tokens
from coalition_app.core.db import unit_of_work
from models import (
    Deliverable,
    Institution,
    Meeting,
    Position,
    Recommendation,
    Task,
    Tie,
    TokenScope,
    User,
    WorkingGroup,
)

DOCUMENT_URI = "urn:coalition:openapi"


@pytest.fixture
def served(seeded_app) -> dict:
    response = seeded_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200  # no token: the document is public
    return response.get_json()


@pytest.fixture
def coordinator_headers(seeded_app) -> dict[str, str]:
    with seeded_app.test_request_context(), unit_of_work():
        session = seeded_app.extensions["database"].session
        coordinator = session.scalar(select(User).where(User.email == "coordinator@example.org"))
        _row, value = api_tokens.create_token(coordinator, "document", TokenScope.READ)
    return {"Authorization": f"Bearer {value}"}


def _operations(served: dict):
    for path, item in served["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _validator(served: dict, schema: dict) -> Draft202012Validator:
    """A validator of `schema` whose `#/components/...` references resolve in the document."""
    resource = Resource.from_contents(served, default_specification=DRAFT202012)
    registry = Registry().with_resource(DOCUMENT_URI, resource)
    return Draft202012Validator({"$ref": DOCUMENT_URI + schema["$ref"]}, registry=registry)


def _response_schema(served: dict, path: str, method: str, status: int) -> dict:
    responses = served["paths"][path][method]["responses"]
    answer = responses.get(str(status), responses["default"])
    return answer["content"]["application/json"]["schema"]


def test_the_document_is_valid_openapi_3_1(served):
    assert served["openapi"].startswith("3.1")
    validate_openapi(served)  # raises on any departure from the OpenAPI 3.1 schema


def test_the_document_says_which_routes_need_a_token_and_the_gate_agrees(seeded_app, served):
    client = seeded_app.test_client()
    required = served["security"]
    assert required and all(set(option) <= {"bearer", "cookie"} for option in required)
    public = []
    for path, method, operation in _operations(served):
        security = operation.get("security", required)
        if method != "get":
            assert security, f"{method} {path} changes something: it needs credentials"
            continue
        concrete = path.replace("{task_id}", "1").replace("{deliverable_id}", "1")
        concrete = concrete.replace("{institution_id}", "1").replace("{slug}", "etica")
        concrete = concrete.replace("{position_id}", "1").replace("{recommendation_id}", "1")
        concrete = concrete.replace("{tie_id}", "1")
        concrete = concrete.replace("{meeting_id}", "1")
        status = client.get(concrete).status_code
        if security == []:
            public.append(path)
            assert "401" not in operation["responses"], path
            assert status == 200, f"{path} is documented public but answers {status}"
        else:
            assert "401" in operation["responses"], path
            assert status == 401, f"{path} is documented as needing a token but answers {status}"
    assert public == ["/api/v1/openapi.json"]


def _real_paths(app) -> dict[str, list[str]]:
    """Concrete requests for each documented GET path, aimed at real objects (and a few not)."""
    session = app.extensions["database"].session
    institution = session.scalars(select(Institution.id).order_by(Institution.id)).first()
    slug = session.scalars(select(WorkingGroup.slug).order_by(WorkingGroup.id)).first()
    deliverable = session.scalars(select(Deliverable.id).order_by(Deliverable.id)).first()
    task = session.scalars(select(Task.id).order_by(Task.id)).first()
    position = session.scalars(select(Position.id).order_by(Position.id)).first()
    recommendation = session.scalars(select(Recommendation.id).order_by(Recommendation.id)).first()
    tie = session.scalars(select(Tie.id).order_by(Tie.id)).first()
    meeting = session.scalars(select(Meeting.id).order_by(Meeting.id)).first() or 999999
    session.remove()
    return {
        "/api/v1/institutions": ["/api/v1/institutions", "/api/v1/institutions?sector=nope"],
        "/api/v1/institutions/{institution_id}": [
            f"/api/v1/institutions/{institution}",
            "/api/v1/institutions/999999",
        ],
        "/api/v1/groups": ["/api/v1/groups"],
        "/api/v1/groups/{slug}": [f"/api/v1/groups/{slug}", "/api/v1/groups/nope"],
        "/api/v1/deliverables/{deliverable_id}": [f"/api/v1/deliverables/{deliverable}"],
        "/api/v1/tasks/{task_id}": [f"/api/v1/tasks/{task}"],
        # Comments and files (issue 14); no meeting is seeded: a 404, as documented.
        "/api/v1/deliverables/{deliverable_id}/comments": [
            f"/api/v1/deliverables/{deliverable}/comments"
        ],
        "/api/v1/deliverables/{deliverable_id}/files": [
            f"/api/v1/deliverables/{deliverable}/files"
        ],
        "/api/v1/tasks/{task_id}/comments": [f"/api/v1/tasks/{task}/comments"],
        "/api/v1/tasks/{task_id}/files": [f"/api/v1/tasks/{task}/files"],
        "/api/v1/meetings/{meeting_id}/comments": ["/api/v1/meetings/999999/comments"],
        "/api/v1/meetings/{meeting_id}/files": ["/api/v1/meetings/999999/files"],
        "/api/v1/growth": ["/api/v1/growth"],
        "/api/v1/network": [
            "/api/v1/network",
            "/api/v1/network?as_of=2019-06-30",
            "/api/v1/network?as_of=yesterday",
        ],
        "/api/v1/openapi.json": ["/api/v1/openapi.json"],
        # The agenda (issue 16).
        "/api/v1/agenda": ["/api/v1/agenda"],
        "/api/v1/positions": ["/api/v1/positions"],
        "/api/v1/positions/{position_id}": [
            f"/api/v1/positions/{position}",
            "/api/v1/positions/999999",
        ],
        "/api/v1/recommendations/{recommendation_id}": [
            f"/api/v1/recommendations/{recommendation}",
            "/api/v1/recommendations/999999",
        ],
        "/api/v1/recommendations/{recommendation_id}/comments": [
            f"/api/v1/recommendations/{recommendation}/comments",
            "/api/v1/recommendations/999999/comments",
        ],
        "/api/v1/ties": ["/api/v1/ties", "/api/v1/ties?status=unconfirmed&kind=event"],
        "/api/v1/ties/{tie_id}": [f"/api/v1/ties/{tie}", "/api/v1/ties/999999"],
        "/api/v1/meetings": ["/api/v1/meetings", "/api/v1/meetings?when=past&page=2"],
        "/api/v1/groups/{slug}/meetings": [
            f"/api/v1/groups/{slug}/meetings?when=past",
            "/api/v1/groups/nope/meetings",
            "/api/v1/meetings?when=soon",
        ],
        "/api/v1/meetings/{meeting_id}": [
            f"/api/v1/meetings/{meeting}",
            "/api/v1/meetings/999999",
        ],
    }


def test_every_documented_get_answers_what_the_documents_schema_says(
    seeded_app, served, coordinator_headers
):
    requests = _real_paths(seeded_app)
    documented = {path for path, method, _ in _operations(served) if method == "get"}
    assert documented == set(requests), "a documented GET route has no request here"
    client = seeded_app.test_client()
    statuses = set()
    for path, concrete_paths in requests.items():
        for concrete in concrete_paths:
            response = client.get(concrete, headers=coordinator_headers)
            statuses.add(response.status_code)
            assert str(response.status_code) in served["paths"][path]["get"]["responses"], (
                f"{concrete}: {response.status_code} is not documented"
            )
            schema = _response_schema(served, path, "get", response.status_code)
            errors = list(_validator(served, schema).iter_errors(response.get_json()))
            assert not errors, f"{concrete}: {[e.message for e in errors[:5]]}"
    assert statuses >= {200, 400, 404}


@pytest.fixture
def network_answer(seeded_app, coordinator_headers) -> dict:
    response = seeded_app.test_client().get("/api/v1/network", headers=coordinator_headers)
    assert response.status_code == 200
    return response.get_json()


def test_the_network_schema_types_the_measures_weights_reasons_and_introductions(served):
    schemas = served["components"]["schemas"]
    node = schemas["NetworkNode"]["properties"]
    for measure in ("degree", "sectors_reached", "broker"):
        assert node[measure]["type"] == "integer", measure
    for measure in ("weighted_degree", "eigenvector", "broker_normalised"):
        assert node[measure]["type"] == "number", measure
    assert {"type": "number"} in node["betweenness"]["anyOf"]
    edge = schemas["NetworkEdge"]["properties"]
    assert edge["weight"]["type"] == "number"
    reasons = edge["reasons"]["items"]
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in reasons["oneOf"]} == {
        "TieReason",
        "MeetingsReason",  # co-attendance; shared groups are affiliation, not a link's reason
        "DeliverableReason",
    }
    network = schemas["Network"]
    assert network["additionalProperties"] is False
    assert {"coalition", "measures_info", "introductions", "over_time"} <= set(network["required"])
    assert schemas["Introduction"]["properties"]["score"]["type"] == "number"
    assert schemas["MeasuresInfo"]["properties"]["betweenness"]["enum"] == ["exact", "sampled"]


def _broken(answer: dict, how: str) -> dict:
    broken = copy.deepcopy(answer)
    if how == "measure as text":
        broken["nodes"][0]["betweenness"] = "high"
    elif how == "unknown reason":
        broken["edges"][0]["reasons"][0] = {"type": "rumour"}
    elif how == "weight missing":
        del broken["edges"][0]["weight"]
    elif how == "extra node field":
        broken["nodes"][0]["colour"] = "teal"
    elif how == "introduction without score":
        del broken["introductions"][0]["score"]
    elif how == "coalition missing":
        del broken["coalition"]
    elif how == "sampled spelled otherwise":
        broken["measures_info"]["betweenness"] = "approximate"
    return broken


@pytest.mark.parametrize(
    "how",
    [
        "measure as text",
        "unknown reason",
        "weight missing",
        "extra node field",
        "introduction without score",
        "coalition missing",
        "sampled spelled otherwise",
    ],
)
def test_the_network_schema_refuses_an_answer_that_departs_from_it(served, network_answer, how):
    validator = _validator(served, _response_schema(served, "/api/v1/network", "get", 200))
    validator.validate(network_answer)
    assert network_answer["introductions"] and network_answer["edges"]
    with pytest.raises(ValidationError):
        validator.validate(_broken(network_answer, how))
