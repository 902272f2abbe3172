"""The app's GET routes and real values for their arguments, from a seeded database.

Shared by the walks that must reach every page without anyone listing them: the width walk
(tests/browser/test_every_width.py), the statement-count walk
(tests/core/test_every_page_queries.py) and the load benchmark (bench/bench_load.py). A new
page is walked the day it lands, or must be declared here as not a page, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from coalition_app.core.clock import today
from models import (
    Application,
    ConsultationQuestion,
    ConsultationStatement,
    Deliverable,
    Initiative,
    Institution,
    Invitation,
    Meeting,
    Position,
    PrivacyRequest,
    Recommendation,
    RightKind,
    Task,
    Tie,
    User,
    WorkingGroup,
    utcnow,
)
from models.people import token_digest

COORDINATOR = "coordinator@example.org"
MEMBER = "member@example.org"
GROUP = "etica"
CONSULTATION = "consulta-nacional-ia2030"
# Tokens of the links the sample rows below answer to (their pages are public).
INVITATION_TOKEN = "sample-invitation-token"
APPLICATION_CONFIRM_TOKEN = "sample-application-confirm"
APPLICATION_STATUS_TOKEN = "sample-application-status"

# GET routes that do not answer a page (files, feeds, probes), each with why it is left out.
NOT_PAGES: dict[str, str] = {
    "static": "static files (the browser side's benchmark measures them)",
    "health.healthz": "the probe: the load benchmark's baseline",
    "health.readyz": "a probe that asks the database and the queue",
    "audit.export": "a CSV download",
    "groups.leadership_csv": "a CSV download",
    "growth.series_csv": "a CSV download",
    "directory.export": "a CSV download",
    "ties.export": "a CSV download",
    "network.network_export": "a GEXF/GraphML download",
    "network.network_json": "the network page's data file (the page cache's snapshot)",
    "network.page_document": "the network page's two data files (derived from the snapshot)",
    "account.two_factor_qr_code": "an SVG image of the enrolment QR code",
    "meetings.feed": "an iCalendar feed",
    "meetings.meeting_ics": "an iCalendar file",
    "meetings.figures_csv": "a CSV download",
    "agenda.public_agenda_pdf": "a PDF (WeasyPrint), built once per edition",
    "agenda.public_edition_pdf": "a PDF (WeasyPrint), built once per edition",
    "agenda.public_position_pdf": "a PDF (WeasyPrint)",
    "public.data_csv": "an open-data CSV download",
    "public.data_json": "an open-data JSON download",
    "public.sitemap": "an XML sitemap",
    "public.robots": "robots.txt",
    "files.download": "a file attached to a deliverable, a task or a meeting",
    "privacy.download": "the person's data as a JSON file",
    "consultation.results_csv": "a CSV download",
    "agenda.coverage_csv": "a CSV download",
    "api.openapi": "the API's description, a document built once per process",
}
NOT_HTML = frozenset(NOT_PAGES)

# Pages reached signed out; every other page is opened signed in.
PUBLIC = frozenset(
    {
        "account.login",
        "account.forgot_password",
        "account.reset_password",
        "account.two_factor_login",
        "people.accept_invitation",
        "agenda.public_agenda",
        "agenda.public_position",
        "public.landing",
        "public.members",
        "public.group",
        "public.events",
        "public.event",
        "public.data",
        "applications.apply",
        "applications.apply_en",
        "applications.confirm",
        "applications.status",
        "privacy.notice",
        "privacy.notice_en",
        "consultation.participate",
        "consultation.propose",
        "consultation.questions",
        "consultation.profile",
        "consultation.email",
        "consultation.confirm_email",
    }
)


@dataclass(frozen=True)
class Page:
    endpoint: str
    rule: str
    path: str

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def is_public(self) -> bool:
        return self.endpoint in PUBLIC


def add_samples(session: Session) -> None:
    """Rows the seed has none of but some pages show one of: an application to join, a
    privacy request (the coordinator's) and an invitation, with known link tokens. Flushes;
    the caller commits."""
    coordinator = session.scalars(select(User).where(User.email == COORDINATOR)).one()
    institution_id = session.scalars(select(Institution.id).order_by(Institution.id)).first()
    session.add_all(
        [
            Application(
                institution_name="Institución De Muestra",
                sector_slug="academia",
                contact_name="Persona Solicitante",
                contact_email="sample-applicant@example.org",
                motivation="Para colaborar.",
                principles_accepted=True,
                notice_version="sample",
                confirm_token_hash=token_digest(APPLICATION_CONFIRM_TOKEN),
                status_token_hash=token_digest(APPLICATION_STATUS_TOKEN),
            ),
            PrivacyRequest(
                user_id=coordinator.id,
                kind=RightKind.OPPOSITION,
                details="No quiero recibir correos.",
                received_on=today(),
                due_on=today() + timedelta(days=28),
            ),
            Invitation(
                email="sample-invitee@example.org",
                full_name="Persona Invitada",
                institution_id=institution_id,
                token_hash=token_digest(INVITATION_TOKEN),
                expires_at=utcnow() + timedelta(days=7),
                created_by_id=coordinator.id,
            ),
        ]
    )
    session.flush()


def sample_arguments(session: Session) -> dict[str, object]:
    """A real value for each kind of route argument (after `add_samples`), chosen where the
    pages have the most to show: the group's first deliverable, its first task, and so on."""
    group_id = session.scalars(select(WorkingGroup.id).where(WorkingGroup.slug == GROUP)).one()
    deliverable_id = session.scalars(
        select(Deliverable.id).where(Deliverable.group_id == group_id).order_by(Deliverable.id)
    ).first()
    institutions = session.scalars(select(Institution.id).order_by(Institution.id)).all()

    def first(column, *where):
        return session.scalars(select(column).where(*where).order_by(column)).first()

    return {
        "slug": GROUP,
        "deliverable_id": deliverable_id,
        "task_id": first(Task.id, Task.deliverable_id == deliverable_id) or first(Task.id),
        "institution_id": institutions[0],
        "first_id": institutions[0],
        "second_id": institutions[1],
        "meeting_id": first(Meeting.id, Meeting.is_public.is_(True)) or first(Meeting.id),
        "tie_id": first(Tie.id),
        "recommendation_id": first(Recommendation.id),
        "position_id": first(Position.id),
        "initiative_id": first(Initiative.id),
        "application_id": first(Application.id),
        "request_id": first(PrivacyRequest.id),
        "statement_id": first(ConsultationStatement.id),
        "question_id": first(ConsultationQuestion.id),
        "series": "members",
        "number": 1,
    }


# Arguments whose value depends on the route: the consultation's slug is not a group's, and
# each token is the one its own kind of link answers to.
_BY_ENDPOINT: dict[str, dict[str, object]] = {
    "people.accept_invitation": {"token": INVITATION_TOKEN},
    "account.reset_password": {"token": "no-such-reset-token"},  # the stale link's page
    "applications.confirm": {"token": APPLICATION_CONFIRM_TOKEN},
    "applications.status": {"token": APPLICATION_STATUS_TOKEN},
    "consultation.confirm_email": {"token": "no-such-confirmation"},
}


def pages(app: Flask, samples: dict[str, object]) -> list[Page]:
    """Every GET page and API resource of the app, its arguments filled from `samples`."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
            continue
        values = dict(samples)
        if rule.endpoint.startswith("consultation."):
            values["slug"] = CONSULTATION
        values.update(_BY_ENDPOINT.get(rule.endpoint, {}))
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.rule}: no sample value for {missing} (tests/routes.py)"
        found.append(Page(rule.endpoint, rule.rule, _build(rule, values)))
    return sorted(found, key=lambda page: page.path)


def only(found: list[Page], wanted: str) -> list[Page]:
    """The pages whose path or endpoint is one of the comma-separated `wanted` (the benchmarks'
    BENCH_PAGES); all of them when it is empty."""
    names = {name.strip() for name in wanted.split(",") if name.strip()}
    return [page for page in found if not names or {page.path, page.endpoint} & names]


def _build(rule: Rule, values: dict[str, object]) -> str:
    return rule.build({name: values[name] for name in rule.arguments})[1]
