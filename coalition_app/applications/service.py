"""Use cases of applications to join: submit, confirm the e-mail, answer a request for more
information (the applicant); approve, ask for more information, decline (coordinators)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, case, cast, extract, func, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload
from werkzeug.exceptions import NotFound

from models import (
    Application,
    ApplicationMessage,
    ApplicationStatus,
    Basis,
    ConsentPurpose,
    GroupRole,
    Institution,
    Invitation,
    MessageKind,
    Role,
    Sector,
    State,
    User,
    WorkingGroup,
    comparison_key,
    token_digest,
)
from models.applications import OPEN_STATUSES

from ..audit import service as audit
from ..core import outbox
from ..core.db import session, use_case
from ..core.errors import DomainError, DomainErrors
from ..core.links import external_url
from ..core.privacy_notice import CURRENT_VERSION
from ..directory import service as directory
from ..groups import service as groups
from ..people import service as people
from ..privacy.service import record_consent

#: The statuses the queue filters by, in its order.
FILTERS = ("open", "pending", "more_info", "approved", "declined", "unconfirmed", "all")


@dataclass
class ApplicationData:
    institution_name: str
    sector_slug: str
    contact_name: str
    contact_email: str
    motivation: str
    acronym: str | None = None
    state_code: str | None = None
    website: str | None = None
    contact_title: str | None = None
    group_ids: list[int] = field(default_factory=list)
    principles_accepted: bool = False
    notice_accepted: bool = False


@dataclass
class Submitted:
    application: Application
    confirm_link: str
    status_link: str


def daily_cap() -> int:
    return int(current_app.config.get("APPLICATIONS_PER_EMAIL_PER_DAY", 3))


def _status_link(application: Application) -> str:
    """A fresh secret link to the status page (its digest replaces the earlier one's: each
    e-mail to the applicant carries the newest link)."""
    token = secrets.token_urlsafe(32)
    application.status_token_hash = token_digest(token)
    return external_url("applications.status", token=token)


def _check(data: ApplicationData) -> None:
    errors = []
    if session.get(Sector, data.sector_slug) is None:
        errors.append(DomainError(_l("Choose a sector from the list."), field="sector"))
    if data.state_code and session.get(State, data.state_code) is None:
        errors.append(DomainError(_l("Choose a state from the list."), field="state"))
    if data.website and not data.website.startswith(("http://", "https://")):
        errors.append(
            DomainError(_l("The website must start with http:// or https://."), field="website")
        )
    known = set(session.scalars(select(WorkingGroup.id).where(WorkingGroup.id.in_(data.group_ids))))
    if set(data.group_ids) - known:
        errors.append(DomainError(_l("Choose groups from the list."), field="groups"))
    if not data.principles_accepted:
        errors.append(
            DomainError(_l("Accept the coalition's principles to apply."), field="principles")
        )
    if not data.notice_accepted:
        errors.append(DomainError(_l("Accept the privacy notice to apply."), field="privacy"))
    if errors:
        raise DomainErrors(errors)


@use_case
def submit(data: ApplicationData, locale: str, ip: str | None, now: datetime) -> Submitted:
    """Record an application (unconfirmed: nobody sees it until the e-mail is confirmed), its
    consent to the privacy notice, and e-mail the confirmation link."""
    _check(data)
    email = data.contact_email.strip().lower()
    sent_today = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.contact_email == email, Application.submitted_at > now - timedelta(1))
    )
    if (sent_today or 0) >= daily_cap():
        raise DomainError(
            _l(
                "This e-mail address has reached the most applications allowed in 24 hours "
                "(%(num)s): try again tomorrow.",
                num=daily_cap(),
            ),
            field="contact_email",
        )
    confirm_token = secrets.token_urlsafe(32)
    application = Application(
        institution_name=" ".join(data.institution_name.split()),
        acronym=data.acronym or None,
        sector_slug=data.sector_slug,
        state_code=data.state_code or None,
        website=data.website or None,
        contact_name=" ".join(data.contact_name.split()),
        contact_title=data.contact_title or None,
        contact_email=email,
        group_ids=sorted(set(data.group_ids)),
        motivation=data.motivation.strip(),
        principles_accepted=True,
        notice_version=CURRENT_VERSION,
        locale=locale,
        confirm_token_hash=token_digest(confirm_token),
        status_token_hash="",
        submitted_at=now,
        ip=ip,
    )
    status_link = _status_link(application)
    session.add(application)
    session.flush()
    record_consent(ConsentPurpose.APPLICATION, application=application, now=now)
    audit.record(
        None,
        "application.submit",
        "application",
        application.id,
        institution=application.institution_name,
    )
    confirm_link = external_url("applications.confirm", token=confirm_token)
    outbox.queue(
        email,
        _("Confirm your application to the Coalition"),
        _(
            "Hello %(name)s,\n\nWe received the application of %(institution)s to join the "
            "Coalition. Open this link to confirm your e-mail address; only then will the "
            "coordination see it:\n\n%(confirm)s\n\nYou can follow its status here:\n\n"
            "%(status)s\n\nIf you did not apply, ignore this message.\n",
            name=application.contact_name,
            institution=application.institution_name,
            confirm=confirm_link,
            status=status_link,
        ),
    )
    return Submitted(application, confirm_link, status_link)


def _by_token(column: InstrumentedAttribute[str], token: str) -> Application:
    if not token or len(token) > 100:
        raise NotFound()
    application = session.scalar(select(Application).where(column == token_digest(token)))
    if application is None:
        raise NotFound()
    return application


def by_confirm_token(token: str) -> Application:
    return _by_token(Application.confirm_token_hash, token)


def by_status_token(token: str) -> Application:
    return _by_token(Application.status_token_hash, token)


@use_case
def confirm(application: Application, now: datetime) -> bool:
    """Confirm the e-mail: the application reaches the queue. False if it already had."""
    if application.status != ApplicationStatus.UNCONFIRMED:
        return False
    application.status = ApplicationStatus.PENDING
    application.confirmed_at = now
    audit.record(None, "application.confirm", "application", application.id)
    # It reaches the coordinators now, and only now.
    link = external_url("applications.review", application_id=application.id)
    for email in session.scalars(
        select(User.email).where(User.role == Role.COORDINATOR, User.is_active.is_(True))
    ):
        outbox.queue(
            email,
            _("New application to join: %(institution)s", institution=application.institution_name),
            _(
                "%(institution)s applied to join the Coalition and its contact confirmed their "
                "e-mail. Review it here:\n\n%(link)s\n",
                institution=application.institution_name,
                link=link,
            ),
        )
    session.flush()
    return True


@use_case
def answer(application: Application, body: str, now: datetime) -> None:
    """The applicant answers a request for more information: back to the queue."""
    if application.status != ApplicationStatus.MORE_INFO:
        raise DomainError(_l("No information was asked for."), field="body")
    if not body.strip():
        raise DomainError(_l("Write your answer."), field="body")
    session.add(
        ApplicationMessage(application=application, kind=MessageKind.ANSWER, body=body.strip())
    )
    application.status = ApplicationStatus.PENDING
    audit.record(None, "application.answer", "application", application.id)
    session.flush()


# --- the coordinators' queue -------------------------------------------------------------------


def website_domain(url: str | None) -> str | None:
    """The host of a website, without "www.": how two addresses of one institution compare.

    >>> website_domain("https://WWW.Example.org/about")
    'example.org'
    """
    if not url:
        return None
    host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    host = host.lower().removeprefix("www.")
    return host or None


class KnownInstitution(NamedTuple):
    """An existing institution as a likely duplicate names it."""

    id: int
    name: str


@dataclass(frozen=True)
class Duplicate:
    institution: KnownInstitution
    reasons: tuple[str, ...]  # "name", "acronym", "website"


# Pure functions of a text, remembered for the process: every institution's acronym and
# website were folded again on every review page (a third of its calls).
_folded = lru_cache(maxsize=8192)(comparison_key)
_domain = lru_cache(maxsize=8192)(website_domain)


def likely_duplicates(applications: Iterable[Application]) -> dict[int, list[Duplicate]]:
    """{application id: the existing institutions it may be}: same folded name
    (`comparison_key`, as the directory compares names), same acronym, or same website
    domain. One query whatever the number of applications (of the columns compared: every
    institution is read, so rows rather than objects with their sector and state)."""
    applications = list(applications)
    if not applications:
        return {}
    rows = session.execute(
        select(
            Institution.id,
            Institution.name,
            Institution.name_key,
            Institution.acronym,
            Institution.website,
        ).order_by(Institution.name_key)
    )
    by_name: dict[str, list[KnownInstitution]] = {}
    by_acronym: dict[str, list[KnownInstitution]] = {}
    by_domain: dict[str, list[KnownInstitution]] = {}
    for institution_id, name, name_key, acronym, website in rows:
        institution = KnownInstitution(institution_id, name)
        by_name.setdefault(name_key, []).append(institution)
        if acronym:
            by_acronym.setdefault(_folded(acronym), []).append(institution)
        domain = _domain(website)
        if domain:
            by_domain.setdefault(domain, []).append(institution)
    found: dict[int, list[Duplicate]] = {}
    for application in applications:
        reasons: dict[int, list[str]] = {}
        seen: dict[int, KnownInstitution] = {}
        candidates = [
            ("name", by_name.get(_folded(application.institution_name), [])),
            (
                "acronym",
                by_acronym.get(_folded(application.acronym), []) if application.acronym else [],
            ),
            ("website", by_domain.get(_domain(application.website) or "", [])),
        ]
        for reason, matches in candidates:
            for institution in matches:
                seen[institution.id] = institution
                reasons.setdefault(institution.id, []).append(reason)
        found[application.id] = [Duplicate(seen[i], tuple(r)) for i, r in reasons.items()]
    return found


def queue(status_filter: str) -> list[Application]:
    statement = select(Application).options(selectinload(Application.messages))
    if status_filter == "open":
        statement = statement.where(Application.status.in_(OPEN_STATUSES))
    elif status_filter != "all":
        statement = statement.where(Application.status == ApplicationStatus(status_filter))
    return list(session.scalars(statement.order_by(Application.submitted_at, Application.id)))


def counts() -> dict[str, int]:
    rows = dict(
        session.execute(select(Application.status, func.count()).group_by(Application.status)).all()
    )
    out = {status.value: int(rows.get(status, 0)) for status in ApplicationStatus}
    out["open"] = out["pending"] + out["more_info"]
    out["all"] = sum(int(n) for n in rows.values())
    return out


def load(application_id: int) -> Application:
    application = session.get(
        Application, application_id, options=[selectinload(Application.messages)]
    )
    if application is None:
        raise NotFound()
    return application


def groups_of(application: Application) -> list[WorkingGroup]:
    if not application.group_ids:
        return []
    return list(
        session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.id.in_(application.group_ids))
            .order_by(WorkingGroup.position)
        )
    )


def _must_be_open(application: Application) -> None:
    if application.status not in OPEN_STATUSES:
        raise DomainError(_l("This application is not waiting for a decision."))


def _tell(application: Application, subject: str, text: str) -> None:
    link = _status_link(application)
    outbox.queue(
        application.contact_email,
        subject,
        _(
            "Hello %(name)s,\n\n%(text)s\n\nSee the status of your application (this link "
            "replaces the ones in earlier e-mails):\n\n%(link)s\n",
            name=application.contact_name,
            text=text,
            link=link,
        ),
    )


@dataclass
class Approval:
    joined_on: date
    group_ids: list[int]
    sector_slug: str
    state_code: str | None
    message: str = ""


@use_case
def approve(
    application: Application, approval: Approval, by: User, today: date, now: datetime
) -> Institution:
    """The institution becomes a member from the joining date and joins the chosen groups;
    its contact is invited (no account is made for them) and becomes its focal point when
    they accept the invitation."""
    _must_be_open(application)
    data = directory.InstitutionData(
        name=application.institution_name,
        sector_slug=approval.sector_slug,
        joined_on=approval.joined_on,
        acronym=application.acronym,
        state_code=approval.state_code,
        website=application.website,
        basis=Basis.REPORTED,  # the institution's own account of itself, checked by a coordinator
        source=f"Application #{application.id} to join",
    )
    try:
        institution = directory.create_institution(data, by, today)
    except DomainErrors as errors:
        for error in errors.errors:
            error.field = {"name": "institution_name", "sector": "sector", "state": "state"}.get(
                error.field or "", error.field
            )
        raise
    chosen = list(
        session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(approval.group_ids)))
    )
    if len(chosen) != len(set(approval.group_ids)):
        raise DomainError(_l("Choose groups from the list."), field="groups")
    for group in chosen:
        groups.set_membership(
            group, institution.id, GroupRole.MEMBER, by, today, since=approval.joined_on
        )
    try:
        invited = people.invite(
            application.contact_email,
            application.contact_name,
            institution.id,
            Role.MEMBER,
            by,
            now,
        )
    except DomainError as error:
        error.field = None
        raise
    application.status = ApplicationStatus.APPROVED
    application.decided_at = now
    application.decided_by_id = by.id
    application.institution_id = institution.id
    application.invitation_id = invited.invitation.id
    if approval.message.strip():
        session.add(
            ApplicationMessage(
                application=application,
                kind=MessageKind.APPROVE,
                author_id=by.id,
                body=approval.message.strip(),
            )
        )
    audit.record(
        by,
        "application.approve",
        "application",
        application.id,
        institution_id=institution.id,
        institution=institution.name,
        groups=[g.slug for g in chosen],
        joined_on=approval.joined_on,
    )
    _tell(
        application,
        _("Your application to the Coalition was approved"),
        _(
            "Welcome: %(institution)s is a member of the Coalition from %(day)s. A separate "
            "e-mail brings your invitation to create your account.",
            institution=institution.name,
            day=approval.joined_on.isoformat(),
        )
        + (f"\n\n{approval.message.strip()}" if approval.message.strip() else ""),
    )
    session.flush()
    return institution


@use_case
def request_information(application: Application, body: str, by: User) -> None:
    _must_be_open(application)
    if not body.strip():
        raise DomainError(_l("Say what information is needed."), field="body")
    session.add(
        ApplicationMessage(
            application=application, kind=MessageKind.REQUEST, author_id=by.id, body=body.strip()
        )
    )
    application.status = ApplicationStatus.MORE_INFO
    audit.record(by, "application.request_info", "application", application.id)
    _tell(
        application,
        _("The Coalition asks for more information about your application"),
        _("The coordination asks:\n\n%(body)s\n\nAnswer from the status page.", body=body.strip()),
    )
    session.flush()


@use_case
def decline(application: Application, reason: str, by: User, now: datetime) -> None:
    """Decline with a reason; the applicant is told and nothing else changes."""
    _must_be_open(application)
    if not reason.strip():
        raise DomainError(_l("Give the reason, for the applicant."), field="reason")
    session.add(
        ApplicationMessage(
            application=application, kind=MessageKind.DECLINE, author_id=by.id, body=reason.strip()
        )
    )
    application.status = ApplicationStatus.DECLINED
    application.decline_reason = reason.strip()
    application.decided_at = now
    application.decided_by_id = by.id
    audit.record(by, "application.decline", "application", application.id)
    _tell(
        application,
        _("About your application to the Coalition"),
        _(
            "The coordination has declined the application of %(institution)s:\n\n%(reason)s",
            institution=application.institution_name,
            reason=reason.strip(),
        ),
    )
    session.flush()


def on_invitation_accepted(invitation: Invitation, user: User) -> None:
    """An approved application's contact accepted their invitation: they become the focal
    point of the institution (called by `people.service.accept_invitation`)."""
    application = session.scalar(
        select(Application).where(Application.invitation_id == invitation.id)
    )
    if application is None or application.institution_id is None:
        return
    institution = session.get(Institution, application.institution_id)
    if institution is not None and institution.focal_point_id is None:
        institution.focal_point_id = user.id
        audit.record(
            user,
            "institution.focal_point",
            "institution",
            institution.id,
            person_id=user.id,
            application=application.id,
        )


# --- the growth dashboard's series -------------------------------------------------------------


def per_quarter() -> list[tuple[str, int, int, int]]:
    """(quarter, received, approved, pending) of the applications received (confirmed) in
    each quarter: how many of them were approved, and how many still wait. One query."""
    rows = session.execute(_per_quarter_statement()).all()
    return [(f"{y}-Q{int(q)}", int(n), int(a or 0), int(p or 0)) for y, q, n, a, p in rows]


@cache
def _per_quarter_statement() -> Select[int, int, int, Any, Any]:
    # Built once (the growth page asks on every view; building it cost more than running it).
    year = cast(extract("year", Application.submitted_at), Integer)
    month = cast(extract("month", Application.submitted_at), Integer)
    quarter = (month - 1) // 3 + 1
    return (
        select(
            year,
            quarter,
            func.count(),
            func.sum(case((Application.status == ApplicationStatus.APPROVED, 1), else_=0)),
            func.sum(case((Application.status.in_(OPEN_STATUSES), 1), else_=0)),
        )
        .where(Application.status != ApplicationStatus.UNCONFIRMED)
        .group_by(year, quarter)
        .order_by(year, quarter)
    )
