"""Access is checked where a request enters: every route's handler asks the policy, or is
declared `@public` or `@personal` (coalition_app/policy.py). This walks `app.url_map`, calls
every endpoint with real ids as a signed-in member, and fails for one that answers without
asking."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from coalition_app.policy import PERSONAL, PUBLIC, declared_access
from models import (
    Amendment,
    ApiToken,
    AuthorisedEndorser,
    Deliverable,
    GroupChair,
    Initiative,
    Institution,
    Invitation,
    Meeting,
    MeetingActionItem,
    Notification,
    Position,
    Recommendation,
    RecommendationEvidence,
    Task,
    Tie,
    User,
)
from tests.helpers import sign_in

DEMO_PASSWORD = "coalition-demo"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _samples(session) -> dict[str, object]:
    """A real value for each kind of route argument, from the seeded database."""
    member = session.scalar(select(User).where(User.email == "member@example.org"))
    return {
        "deliverable_id": session.scalar(select(Deliverable.id).order_by(Deliverable.id)),
        "task_id": session.scalar(select(Task.id).order_by(Task.id)),
        "institution_id": session.scalar(select(Institution.id).order_by(Institution.id)),
        "user_id": member.id,
        "notification_id": session.scalar(select(Notification.id)) or 1,
        "token_id": session.scalar(select(ApiToken.id)) or 1,
        "invitation_id": session.scalar(select(Invitation.id)) or 1,
        "chair_id": session.scalar(select(GroupChair.id).order_by(GroupChair.id)),
        "tie_id": session.scalar(select(Tie.id).order_by(Tie.id)),
        "slug": "etica",
        "series": "members",
        "fmt": "gexf",
        "part": "graph",  # the network page's documents (graph, details)
        "code": "en",
        "token": "not-a-real-token",
        "meeting_id": session.scalar(select(Meeting.id).order_by(Meeting.id)) or 1,
        "item_id": session.scalar(select(MeetingActionItem.id)) or 1,
        # The agenda (issue 16).
        "recommendation_id": session.scalar(select(Recommendation.id).order_by(Recommendation.id)),
        "evidence_id": session.scalar(select(RecommendationEvidence.id)) or 1,
        "amendment_id": session.scalar(select(Amendment.id)) or 1,
        "position_id": session.scalar(select(Position.id).order_by(Position.id)),
        "initiative_id": session.scalar(select(Initiative.id).order_by(Initiative.id)),
        "endorser_id": session.scalar(select(AuthorisedEndorser.id)) or 1,
        "number": 1,
        # Comments and files (issue 14): none are seeded; the loaders ask the policy anyway.
        "comment_id": 1,
        "file_id": 1,
        "application_id": 1,
        "request_id": 1,
        "action": "refuse",
        # The consultation's statements, questions and themes (of its slug above: none, 404).
        "statement_id": 1,
        "question_id": 1,
        "theme_id": 1,
        "first_id": session.scalar(select(Institution.id).order_by(Institution.id)),
        "second_id": session.scalar(select(Institution.id).order_by(Institution.id.desc())),
    }


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method


def test_every_route_is_declared_or_asks_the_policy(seeded_app):
    app = seeded_app
    asked: dict[str, bool] = {}

    @app.after_request
    def _record(response):
        asked["last"] = bool(g.get("_access_checked"))
        return response

    session = app.extensions["database"].session
    samples = _samples(session)
    client = app.test_client()
    assert sign_in(client, "member@example.org", DEMO_PASSWORD).status_code == 302
    silent, walked = [], 0
    for rule, method in _routes(app):
        access = declared_access(app.view_functions[rule.endpoint])
        if access in (PUBLIC, PERSONAL):
            continue
        missing = set(rule.arguments) - set(samples)
        assert not missing, f"no sample value for {missing} in {rule.rule}"
        path = rule.build({name: samples[name] for name in rule.arguments})[1]
        asked.clear()
        response = client.open(path, method=method, json={} if "/api/" in path else None)
        walked += 1
        if not asked.get("last"):
            silent.append(f"{method} {rule.rule} ({rule.endpoint}) -> {response.status_code}")
    assert walked > 40  # the walk really went through the app
    assert not silent, "handlers that neither ask the policy nor are declared:\n" + "\n".join(
        silent
    )


def test_declared_public_routes_are_reachable_signed_out_and_the_rest_are_not(app):
    client = app.test_client()
    for rule, method in _routes(app):
        if method != "GET" or rule.arguments:
            continue
        response = client.get(rule.rule)
        public = declared_access(app.view_functions[rule.endpoint]) == PUBLIC
        if public:
            assert response.status_code < 400 or response.status_code == 404, rule.rule
        else:
            assert response.status_code in (302, 401), rule.rule


@pytest.mark.parametrize("endpoint", ["account.login", "people.accept_invitation", "api.openapi"])
def test_public_declarations_are_on_the_handlers_themselves(app, endpoint):
    assert declared_access(app.view_functions[endpoint]) == PUBLIC
