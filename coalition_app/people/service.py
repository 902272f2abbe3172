"""People admin: invitations with one-time expiring links, deactivation and roles."""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, bindparam, func, or_, select, update
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.orm import joinedload, lazyload
from werkzeug.exceptions import BadRequest, Gone, NotFound
from werkzeug.security import generate_password_hash

from models import ConsentPurpose, Institution, Invitation, Role, User, token_digest, utcnow
from models.base import comparison_key

from ..account import tokens
from ..account.passwords import check_new_password
from ..audit import service as audit
from ..core import clock, outbox
from ..core.db import session, use_case
from ..core.errors import DomainError
from ..core.links import external_url
from ..core.paging import Paged, page_number

MIN_PASSWORD_LENGTH = 12


PAGE_SIZE = 50
ROLES = ("", Role.MEMBER.value, Role.COORDINATOR.value)
STATUSES = ("all", "active", "inactive")


@dataclass
class PeopleQuery:
    """What the people page was asked for; `from_args` refuses (400) values it does not know."""

    q: str = ""
    institution: int | None = None
    role: str = ""
    status: str = "all"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PeopleQuery:
        query = cls(
            q=" ".join(args.get("q", "").split())[:200],
            role=args.get("role", ""),
            status=args.get("status", "all") or "all",
            page=page_number(args.get("page")),
        )
        institution = args.get("institution", "")
        if institution:
            if not (institution.isascii() and institution.isdigit()) or len(institution) > 12:
                raise BadRequest()
            query.institution = int(institution)
        if query.role not in ROLES or query.status not in STATUSES:
            raise BadRequest()
        return query

    def args(self, **changes: object) -> dict[str, str]:
        """Query-string arguments for a link to this query with some values changed (the
        pager's links keep the search and the filters)."""
        values: dict[str, object] = {
            "q": self.q,
            "institution": self.institution,
            "role": self.role,
            "status": self.status,
            "page": self.page,
            **changes,
        }
        out = {
            "q": values["q"],
            "institution": values["institution"] or "",
            "role": values["role"],
            "status": "" if values["status"] == "all" else values["status"],
            "page": "" if values["page"] == 1 else values["page"],
        }
        return {key: str(value) for key, value in out.items() if value}

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.institution or self.role or self.status != "all")


@dataclass
class PeoplePage(Paged):
    page_size = PAGE_SIZE

    query: PeopleQuery
    people: list[Row[Any]]  # id, full_name, email, is_active, role, institution_id/_label
    total: int
    pages: int
    institutions: list[tuple[int, str]]


def people_page(query: PeopleQuery) -> PeoplePage:
    """One page of people matching the search, in three queries whatever their number."""
    conditions: list[ColumnElement[bool]] = []
    if query.q:
        text = query.q.lower()
        conditions.append(
            or_(
                # Accents and case ignored in names ("lopez" finds "López"), as the directory.
                User.name_key.contains(comparison_key(query.q), autoescape=True),
                func.lower(User.full_name).contains(text, autoescape=True),
                User.email.contains(text, autoescape=True),
            )
        )
    if query.institution is not None:
        conditions.append(User.institution_id == query.institution)
    if query.role:
        conditions.append(User.role == Role(query.role))
    if query.status != "all":
        conditions.append(User.is_active.is_(query.status == "active"))
    # The institutions someone works at: the filter's choices.
    institutions = [
        (row.id, row.name)
        for row in session.execute(
            select(Institution.id, Institution.name)
            .where(select(User.id).where(User.institution_id == Institution.id).exists())
            .order_by(Institution.name_key)
        )
    ]
    if query.institution is not None and query.institution not in {i for i, _n in institutions}:
        raise BadRequest()
    total = session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    query.page = min(query.page, pages)
    # Rows of what the table shows, not User objects (loading fifty of them, each with its
    # institution, cost more than the query).
    people = list(
        session.execute(
            select(
                User.id,
                User.full_name,
                User.email,
                User.is_active,
                User.role,
                User.institution_id,
                func.coalesce(func.nullif(Institution.acronym, ""), Institution.name).label(
                    "institution_label"
                ),
            )
            .join(Institution, User.institution_id == Institution.id)
            .where(*conditions)
            .order_by(User.is_active.desc(), User.full_name, User.id)
            .limit(PAGE_SIZE)
            .offset((query.page - 1) * PAGE_SIZE)
        )
    )
    return PeoplePage(query, people, total, pages, institutions)


def pending_invitations(now: datetime) -> list[Invitation]:
    """Invitations whose link still works (not used, withdrawn or expired), with who sent
    them, newest first."""
    return list(session.scalars(_PENDING_INVITATIONS, {"now": now}))


# Built once, the moment bound at each call (building it with its options cost more than
# running it).
_PENDING_INVITATIONS = (
    select(Invitation)
    .where(
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > bindparam("now"),
    )
    # Who sent each, by name; not the institution invited to (with its sector and state)
    # nor the sender's, which the list does not show.
    .options(
        lazyload(Invitation.institution),
        joinedload(Invitation.created_by).lazyload(User.institution),
    )
    .order_by(Invitation.created_at.desc(), Invitation.id.desc())
)


def load_invitation(invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound()
    return invitation


def load_person(user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


@dataclass
class NewInvitation:
    invitation: Invitation
    token: str  # shown once to the coordinator and e-mailed; never stored
    link: str
    email_queued: bool  # False when mail is off: the coordinator passes the link on


@use_case
def invite(
    email: str, full_name: str, institution_id: int, role: Role, by: User, now: datetime
) -> NewInvitation:
    email = email.strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(_l("Someone already has an account with this e-mail."), field="email")
    institution = session.get(Institution, institution_id)
    if institution is None or not institution.is_active_on(clock.today()):
        raise DomainError(_l("Choose a member institution."), field="institution_id")
    token = secrets.token_urlsafe(32)
    days = int(current_app.config.get("INVITATION_VALID_DAYS", 7))
    invitation = Invitation(
        email=email,
        full_name=" ".join(full_name.split()),
        institution_id=institution.id,
        role=role,
        token_hash=token_digest(token),
        expires_at=now + timedelta(days=days),
        created_by_id=by.id,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        by, "person.invite", "invitation", invitation.id, email=email, role=role, days=days
    )
    link = external_url("people.accept_invitation", token=token)
    queued = outbox.queue(
        invitation.email,
        _("Your invitation to the Coalition"),
        _(
            "Hello %(name)s,\n\nYou have been invited to the Coalition's workspace. Open this "
            "link to choose your password (it works once, until %(until)s):\n\n%(link)s\n",
            name=invitation.full_name,
            until=invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
            link=link,
        ),
    )
    return NewInvitation(invitation, token, link, email_queued=queued is not None)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class InvitationWithdrawn(Gone):
    """The invitation was withdrawn (a 410, like a used or expired one)."""


def usable_invitation(token: str, now: datetime) -> Invitation:
    """The invitation this token opens: 404 if unknown, 410 if used, expired or withdrawn."""
    if not token or len(token) > 100:
        raise NotFound()
    invitation = session.scalar(Invitation.by_token(token))
    if invitation is None:
        raise NotFound()
    if invitation.revoked_at is not None:
        raise InvitationWithdrawn()
    if invitation.used_at is not None or _aware(invitation.expires_at) <= now:
        raise Gone()
    return invitation


@use_case
def revoke_invitation(invitation: Invitation, by: User, now: datetime) -> None:
    """Withdraw a pending invitation: its link answers 410 from now on."""
    if invitation.used_at is not None:
        raise DomainError(_l("This invitation was already used: the account exists."))
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at = now
    invitation.revoked_by_id = by.id
    audit.record(
        by, "person.invitation_revoke", "invitation", invitation.id, email=invitation.email
    )
    session.flush()


def _revoke_invitations_sent_by(sender: User, by: User, now: datetime) -> int:
    """Withdraw every invitation still open that `sender` sent (they were deactivated: what
    they started on the coalition's behalf stops with them). Returns how many."""
    invitations = session.scalars(
        select(Invitation).where(
            Invitation.created_by_id == sender.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    ).all()
    for invitation in invitations:
        invitation.revoked_at = now
        invitation.revoked_by_id = by.id
        audit.record(
            by,
            "person.invitation_revoke",
            "invitation",
            invitation.id,
            email=invitation.email,
            reason="sender_deactivated",
        )
    return len(invitations)


@use_case
def accept_invitation(token: str, password: str, now: datetime) -> User:
    """Create the account and spend the token, once (a concurrent second use gets 410)."""
    invitation = usable_invitation(token, now)
    check_new_password(password, email=invitation.email, full_name=invitation.full_name)
    if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise DomainError(_l("Someone already has an account with this e-mail."), field="password")
    # An UPDATE's result is a CursorResult (Session.execute is typed as returning a Result).
    spent = cast(
        CursorResult[Any],
        session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if spent.rowcount != 1:
        raise Gone()  # another request spent (or a coordinator withdrew) it first
    user = User(
        email=invitation.email,
        full_name=invitation.full_name,
        institution_id=invitation.institution_id,
        role=invitation.role,
        password_hash=generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        ),
    )
    session.add(user)
    session.flush()
    audit.record(user, "person.accept_invitation", "user", user.id, invitation=invitation.id)
    # The account collects personal data: its consent to the notice in force (the form asks).
    from ..applications.service import on_invitation_accepted
    from ..privacy.service import record_consent

    record_consent(ConsentPurpose.ACCOUNT, user=user, now=now)
    on_invitation_accepted(invitation, user)
    return user


@dataclass
class Deactivation:
    """What a deactivation stopped besides the account (for the coordinator's message)."""

    tokens_revoked: int = 0
    invitations_revoked: int = 0


@use_case
def set_active(user: User, active: bool, by: User, now: datetime | None = None) -> Deactivation:
    """Deactivate (or reactivate) an account. Deactivation ends its sessions, revokes its
    personal API tokens and withdraws the invitations it sent that are still open, so that
    reactivating it later revives none of them."""
    if user.id == by.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."), field="active")
    outcome = Deactivation()
    if user.is_active == active:
        return outcome
    user.is_active = active
    audit.record(by, "person.activate" if active else "person.deactivate", "user", user.id)
    if not active:
        user.end_all_sessions()
        outcome.tokens_revoked = tokens.revoke_all(user, by=by, reason="deactivated")
        outcome.invitations_revoked = _revoke_invitations_sent_by(user, by, now or utcnow())
    session.flush()
    return outcome


@use_case
def set_role(user: User, role: Role, by: User) -> None:
    if user.id == by.id and role != Role.COORDINATOR:
        raise DomainError(_l("You cannot remove your own coordinator role."), field="role")
    if user.role == role:
        return
    before = user.role
    user.role = role
    audit.record(by, "person.role", "user", user.id, before=before, after=role)
    session.flush()
