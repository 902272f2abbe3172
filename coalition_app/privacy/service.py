"""Privacy use cases: consents, the download of everything about a person, rights requests
and acting on them (rectify, oppose, cancel = anonymise)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BindParameter,
    Boolean,
    Column,
    CompoundSelect,
    Date,
    DateTime,
    Integer,
    Row,
    String,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.orm import joinedload
from sqlalchemy.types import TypeEngine
from werkzeug.exceptions import NotFound

from models import (
    Application,
    AuditEvent,
    Base,
    Consent,
    ConsentPurpose,
    DigestPreference,
    EmailChoice,
    GroupMembership,
    Institution,
    Invitation,
    NotificationKind,
    PrivacyRequest,
    RecoveryCode,
    RequestStatus,
    RightKind,
    User,
    WorkingGroup,
)
from models.privacy import ANONYMISED_EMAIL_DOMAIN, ANONYMISED_NAME

from ..account import tokens
from ..audit import service as audit
from ..core import outbox
from ..core.db import session, use_case
from ..core.errors import DomainError
from ..core.labels import translated_texts
from ..core.privacy_notice import CURRENT_VERSION
from .deadlines import add_working_days

# --- consents -----------------------------------------------------------------------------------


def record_consent(
    purpose: ConsentPurpose,
    *,
    user: User | None = None,
    application: Application | None = None,
    participant: str | None = None,
    now: datetime | None = None,
    version: str = CURRENT_VERSION,
) -> Consent:
    """Record consent to the notice of `version` (the one in force unless said), with its date,
    for `purpose`; called inside the use case that collects the data."""
    consent = Consent(
        user_id=user.id if user is not None else None,
        application_id=application.id if application is not None else None,
        participant=participant,
        purpose=purpose,
        notice_version=version,
    )
    if now is not None:
        consent.given_at = now
    session.add(consent)
    return consent


# --- the download of everything about a person ------------------------------------------------

#: Columns never shown, not even to the person: secrets and their digests.
SECRET_COLUMNS = frozenset(
    {
        "password_hash",
        "token_hash",
        "code_hash",
        "totp_secret",
        "confirm_token_hash",
        "status_token_hash",
    }
)


#: Every table with a key to `users`, by the name its section has on the readable page.
_SECTION_TITLES = {
    "users": _l("Your account"),
    "api_tokens": _l("Personal API tokens"),
    "recovery_codes": _l("Two-factor recovery codes"),
    "site_settings": _l("Site settings you changed"),
    "audit_events": _l("What you did (audit trail)"),
    "institutions": _l("Institutions where you are the focal point"),
    "group_chairs": _l("Groups you chair or chaired"),
    "meetings": _l("Meetings you created"),
    "meeting_attendances": _l("Meetings you were invited to or attended"),
    "notifications": _l("Your notifications"),
    "digest_preferences": _l("Your digest choices"),
    "email_choices": _l("Your e-mail choices"),
    "invitations": _l("Invitations you sent or withdrew"),
    "ties": _l("Ties you recorded or answered"),
    "deliverables": _l("Deliverables you created or last changed"),
    "tasks": _l("Tasks assigned to you, created or last changed by you"),
    "progress_updates": _l("Progress you recorded"),
    "applications": _l("Applications you decided"),
    "application_messages": _l("Messages you wrote on applications"),
    "consents": _l("Your consents to the privacy notice"),
    "privacy_requests": _l("Your privacy requests (and those you answered)"),
    # Issues 14 and 16: what people write and decide in the coalition's work.
    "tie_updates": _l("Changes you made to ties"),
    "calendar_feeds": _l("Your calendar feeds"),
    "meeting_action_items": _l("Action items of meetings assigned to you or written by you"),
    "comments": _l("Your comments"),
    "comment_mentions": _l("Comments that mention you"),
    "attachments": _l("Files you attached"),
    "introductions": _l("Introductions you made"),
    "recommendations": _l("Recommendations you drafted or moved"),
    "recommendation_versions": _l("Versions of recommendations you wrote"),
    "recommendation_evidence": _l("Evidence you cited in recommendations"),
    "amendments": _l("Amendments you proposed or decided"),
    "agenda_editions": _l("Agenda editions you published"),
    "positions": _l("Positions you wrote"),
    "position_versions": _l("Versions of positions you wrote"),
    "authorised_endorsers": _l("Your authorisations to answer endorsements"),
    "endorsements": _l("Endorsements you answered"),
    "endorsement_changes": _l("Changes to endorsements you made"),
    "consultations": _l("Consultations you created or changed"),
    "consultation_statements": _l("Consultation statements you moderated"),
    "consultation_participants": _l("Consultation participants you flagged"),
}


def section_titles() -> dict[str, str]:
    """Every table with a key to `users`, by the name its section has on the readable page
    (translated once per language: some sixty messages, a tenth of the page's calls; not to
    be changed). `tests/privacy/test_download.py` fails on a table with such a key that is
    not here."""
    return translated_texts(_SECTION_TITLES)


def tables_with_user_keys() -> list[Table]:
    """Every table of the model with a foreign key to `users` (the users table itself first)."""
    found = [Base.metadata.tables["users"]]
    for table in Base.metadata.sorted_tables:
        if table.name != "users" and any(
            fk.column.table.name == "users" for fk in table.foreign_keys
        ):
            found.append(table)
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


@dataclass
class PersonalData:
    """What the app holds about one person: each table's rows (secrets left out), and the
    context that is not theirs but explains it (their institution and its groups)."""

    person: User
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_for": self.person.id,
            "privacy_notice": CURRENT_VERSION,
            "tables": self.sections,
            "context": self.context,
        }


#: The union's typed columns ("slots"): every table's column goes into a slot of its kind,
#: so that the tables, each with its own columns, come back in one statement.
_SLOT_TYPES: dict[str, TypeEngine[Any]] = {
    "int": Integer(),
    "text": Text(),
    "bool": Boolean(),
    "date": Date(),
    "datetime": DateTime(timezone=True),
    "json": JSON(),
}


def _slot_kind(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, String):  # Enum (stored as its value), String and Text
        return "text"
    raise TypeError(f"{column} has no slot in the personal data statement")


@dataclass(frozen=True)
class _PersonalDataQuery:
    """One statement for every table's rows about a person, and where each column lands."""

    statement: CompoundSelect[Any]
    #: Per table, in order: its name and its shown columns as (name, position in the row).
    layout: list[tuple[str, list[tuple[str, int]]]]
    #: The positions of the date and datetime slots (shown as ISO text; the others as read).
    moments: frozenset[int]


@cache
def _personal_data_query() -> _PersonalDataQuery:
    """Built once: a UNION ALL of one SELECT per table (secrets left out), each column in a
    slot of its kind, the rest typed NULLs; the person's key and e-mail are bound per call."""
    person_id: BindParameter[int] = bindparam("person_id")
    email: BindParameter[str] = bindparam("email")
    tables = tables_with_user_keys()
    shown = [[c for c in table.columns if c.name not in SECRET_COLUMNS] for table in tables]
    widths = {
        kind: max(sum(_slot_kind(c) == kind for c in columns) for columns in shown)
        for kind in _SLOT_TYPES
    }
    first_slot, position = {}, 2  # after the table's index and the row's rank in it
    for kind, width in widths.items():
        first_slot[kind] = position
        position += width
    branches, layout = [], []
    for index, (table, columns) in enumerate(zip(tables, shown, strict=True)):
        if table.name == "users":
            condition = table.c.id == person_id
        else:
            keys = [fk.parent for fk in table.foreign_keys if fk.column.table.name == "users"]
            condition = or_(*(column == person_id for column in keys))
        if table.name == "invitations":
            condition = or_(condition, table.c.email == email)
        if table.name == "applications":
            condition = or_(condition, table.c.contact_email == email)
        slots: list[Any] = [None] * position
        used = dict.fromkeys(_SLOT_TYPES, 0)
        placed = []
        for column in columns:
            kind = _slot_kind(column)
            at = first_slot[kind] + used[kind]
            used[kind] += 1
            slots[at] = type_coerce(column, _SLOT_TYPES[kind]).label(f"s{at}")
            placed.append((column.name, at))
        for kind, start in first_slot.items():
            for at in range(start + used[kind], start + widths[kind]):
                slots[at] = cast(null(), _SLOT_TYPES[kind]).label(f"s{at}")
        rank = func.row_number().over(order_by=list(table.primary_key.columns))
        slots[0] = literal_column(str(index), Integer).label("s0")
        slots[1] = rank.label("s1")
        branches.append(select(*slots).where(condition))
        layout.append((table.name, placed))
    statement = union_all(*branches)
    moments = frozenset(
        at
        for kind in ("date", "datetime")
        for at in range(first_slot[kind], first_slot[kind] + widths[kind])
    )
    return _PersonalDataQuery(
        statement.order_by(literal_column("s0"), literal_column("s1")), layout, moments
    )


def personal_data(person: User) -> PersonalData:
    """Every row with a key to this person, table by table (one statement for all the
    tables), plus invitations and applications addressed to their e-mail."""
    data = PersonalData(person)
    query = _personal_data_query()
    found: dict[int, list[Row[Any]]] = {}
    for row in session.execute(query.statement, {"person_id": person.id, "email": person.email}):
        found.setdefault(row[0], []).append(row)
    moments = query.moments
    for index, (name, placed) in enumerate(query.layout):
        # `_plain` inlined by slot (the text slots hold enums' values already): a call per
        # value was a sixth of the page.
        data.sections[name] = [
            {
                key: (
                    value.isoformat() if (value := row[at]) is not None and at in moments else value
                )
                for key, at in placed
            }
            for row in found.get(index, [])
        ]
    institution = person.institution
    memberships = session.execute(
        select(
            WorkingGroup.slug, GroupMembership.role, GroupMembership.since, GroupMembership.until
        )
        .join(WorkingGroup, GroupMembership.group_id == WorkingGroup.id)
        .where(GroupMembership.institution_id == institution.id)
        .order_by(GroupMembership.since, WorkingGroup.slug)
    )
    data.context = {
        "institution": {
            "id": institution.id,
            "name": institution.name,
            "acronym": institution.acronym,
            "joined_on": institution.joined_on.isoformat(),
        },
        "institution_group_memberships": [
            {"group": slug, "role": _plain(role), "since": _plain(since), "until": _plain(until)}
            for slug, role, since, until in memberships
        ],
    }
    return data


# --- rights requests --------------------------------------------------------------------------


def kind_labels() -> dict[RightKind, str]:
    return {
        RightKind.RECTIFICATION: _("Rectification"),
        RightKind.CANCELLATION: _("Cancellation"),
        RightKind.OPPOSITION: _("Opposition"),
    }


def status_labels() -> dict[RequestStatus, str]:
    return {
        RequestStatus.OPEN: _("Open"),
        RequestStatus.DONE: _("Done"),
        RequestStatus.REFUSED: _("Refused"),
    }


@use_case
def file_request(person: User, kind: RightKind, details: str, today: date) -> PrivacyRequest:
    details = details.strip()
    if kind != RightKind.CANCELLATION and not details:
        raise DomainError(
            _l("Say what should be corrected, or which use of your data you oppose."),
            field="details",
        )
    if session.scalar(
        select(PrivacyRequest.id).where(
            PrivacyRequest.user_id == person.id,
            PrivacyRequest.kind == kind,
            PrivacyRequest.status == RequestStatus.OPEN,
        )
    ):
        raise DomainError(
            _l("You already have an open request of this kind: the coordination is on it."),
            field="kind",
        )
    request = PrivacyRequest(
        user_id=person.id,
        kind=kind,
        details=details,
        received_on=today,
        due_on=add_working_days(today),
    )
    session.add(request)
    session.flush()
    audit.record(person, "privacy.request", "privacy_request", request.id, kind=kind)
    return request


def open_requests_first() -> list[PrivacyRequest]:
    """Every request, the open ones first by deadline, then the answered ones, newest first,
    with the person who asked."""
    return list(
        session.scalars(
            select(PrivacyRequest)
            # The list names who asked; not their institution (with its sector and state)
            # nor who answered, which it does not show.
            .options(joinedload(PrivacyRequest.user).lazyload(User.institution))
            .order_by(
                (PrivacyRequest.status != RequestStatus.OPEN),
                PrivacyRequest.due_on,
                PrivacyRequest.id.desc(),
            )
        )
    )


def my_requests(person: User) -> list[PrivacyRequest]:
    return list(
        session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.user_id == person.id)
            .order_by(PrivacyRequest.id.desc())
        )
    )


def load_request(request_id: int) -> PrivacyRequest:
    request = session.get(PrivacyRequest, request_id)
    if request is None:
        raise NotFound()
    return request


def _close(
    request: PrivacyRequest, status: RequestStatus, answer: str, by: User, now: datetime
) -> None:
    if request.status != RequestStatus.OPEN:
        raise DomainError(_l("This request was already answered."), field="answer")
    request.status = status
    request.answer = answer.strip() or None
    request.answered_at = now
    request.answered_by_id = by.id


def _tell(person: User, request: PrivacyRequest) -> None:
    outbox.queue(
        person.email,
        _("Your privacy request"),
        _(
            "Hello %(name)s,\n\nYour request (%(kind)s) received on %(day)s has been answered: "
            "%(status)s.\n\n%(answer)s\n",
            name=person.full_name,
            kind=kind_labels()[request.kind].lower(),
            day=request.received_on.isoformat(),
            status=status_labels()[request.status].lower(),
            answer=request.answer or "",
        ),
    )


@dataclass
class Rectification:
    full_name: str
    title: str | None
    phone: str | None


@use_case
def rectify(
    request: PrivacyRequest, fields: Rectification, answer: str, by: User, now: datetime
) -> None:
    person = request.user
    if not fields.full_name.strip():
        raise DomainError(_l("Give the person's name."), field="full_name")
    _close(request, RequestStatus.DONE, answer, by, now)
    changes = {}
    for key, value in (
        ("full_name", " ".join(fields.full_name.split())),
        ("title", fields.title or None),
        ("phone", fields.phone or None),
    ):
        if getattr(person, key) != value:
            changes[key] = [getattr(person, key), value]
            setattr(person, key, value)
    if changes:
        person.profile_version = (person.profile_version or 1) + 1
    audit.record(
        by, "privacy.rectify", "user", person.id, request=request.id, fields=sorted(changes)
    )
    _tell(person, request)
    session.flush()


@use_case
def oppose_emails(request: PrivacyRequest, answer: str, by: User, now: datetime) -> None:
    """Opposition to being e-mailed: every notification's e-mail and every digest off (the
    inbox keeps its entries: the work itself still needs them)."""
    person = request.user
    _close(request, RequestStatus.DONE, answer, by, now)
    for kind in NotificationKind:
        choice = session.get(EmailChoice, (person.id, kind))
        if choice is None:
            session.add(EmailChoice(user_id=person.id, kind=kind, wanted=False))
        else:
            choice.wanted = False
    for group_id in session.scalars(select(WorkingGroup.id)):
        preference = session.get(DigestPreference, (person.id, group_id))
        if preference is None:
            session.add(DigestPreference(user_id=person.id, group_id=group_id, subscribed=False))
        else:
            preference.subscribed = False
    audit.record(by, "privacy.oppose", "user", person.id, request=request.id, purpose="email")
    _tell(person, request)
    session.flush()


@use_case
def refuse(request: PrivacyRequest, answer: str, by: User, now: datetime) -> None:
    if not answer.strip():
        raise DomainError(_l("Give the reason, for the person."), field="answer")
    _close(request, RequestStatus.REFUSED, answer, by, now)
    audit.record(by, "privacy.refuse", "privacy_request", request.id, kind=request.kind)
    _tell(request.user, request)
    session.flush()


def anonymised_email(person: User) -> str:
    return f"persona-{person.id}@{ANONYMISED_EMAIL_DOMAIN}"


def _scrub(replacements: Iterable[tuple[str, str]], value: Any) -> Any:
    """`value` (JSON details) with every (old, new) text replaced."""
    if isinstance(value, dict):
        return {k: _scrub(replacements, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(replacements, v) for v in value]
    if isinstance(value, str):
        for old, new in replacements:
            if old:
                value = value.replace(old, new)
        return value
    return value


@use_case
def cancel(request: PrivacyRequest, answer: str, by: User, now: datetime) -> None:
    """Cancellation: the person is anonymised (`anonymise`) and told, at their old address,
    before it is removed."""
    person = request.user
    _close(request, RequestStatus.DONE, answer, by, now)
    _tell(person, request)
    anonymise(person, by, now)
    session.flush()


@use_case
def anonymise(person: User, by: User, now: datetime) -> None:
    """The person's name becomes "Persona dada de baja", their e-mail an unroutable
    placeholder; title, phone, password, two-factor, recovery codes and tokens removed, their
    sessions ended and the account deactivated. Their rows (progress, tasks, audit) stay,
    so the coalition's history keeps reading: "Persona dada de baja actualizó…"."""
    if person.id == by.id:
        raise DomainError(_l("You cannot cancel your own account's data yourself."))
    old_email, old_name = person.email, person.full_name
    placeholder = anonymised_email(person)
    person.full_name = ANONYMISED_NAME
    person.email = placeholder
    person.title = None
    person.phone = None
    person.password_hash = None
    person.totp_secret = None
    person.totp_enabled_at = None
    person.totp_last_step = None
    person.locale = None
    person.is_active = False
    person.end_all_sessions()
    person.profile_version = (person.profile_version or 1) + 1
    tokens.revoke_all(person, by=by, reason="anonymised")
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == person.id))
    session.execute(
        update(Invitation)
        .where(Invitation.email == old_email)
        .values(email=placeholder, full_name=ANONYMISED_NAME)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Application)
        .where(Application.contact_email == old_email)
        .values(
            contact_email=placeholder,
            contact_name=ANONYMISED_NAME,
            contact_title=None,
            ip=None,
            version=Application.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Institution)
        .where(Institution.focal_point_id == person.id)
        .values(focal_point_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Consent)
        .where(Consent.user_id == person.id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    # The audit trail keeps the events, without the e-mail and name written in their details.
    for event in session.scalars(
        select(AuditEvent).where(
            or_(
                func.lower(cast(AuditEvent.details, String)).contains(old_email),
                cast(AuditEvent.details, String).contains(old_name),
            )
        )
    ):
        event.details = _scrub(
            [(old_email, placeholder), (old_name, ANONYMISED_NAME)], event.details
        )
    audit.record(by, "privacy.anonymise", "user", person.id)
    session.flush()
