"""Ties recorded by the people who have them: record, confirm or decline, edit, end.

Every public function is one use case: it checks the rules, changes the tie, appends a
`TieUpdate` with before/after values (the tie's history, as deliverables keep theirs),
writes the audit event, queues the notifications, and flushes; the request commits. The
caller has already asked the policy. Every change of a tie bumps the network's data version
through the flush hook (`models.versions`: `Tie` is watched), so the network recomputes.

Decisions the pages state:

- The start is not after today: a tie records a collaboration that exists (the network shows
  what is); a planned one is recorded when it begins. The end may be later than today (an
  agreement's agreed end), never before the start.
- A change of kind or start date made by one of the two institutions puts a confirmed (or
  declined) tie back to unconfirmed: the other institution confirms the corrected facts. A
  change of title, description, evidence or end keeps the answer, and so does a correction
  by a coordinator who belongs to neither institution.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (
    Basis,
    Institution,
    NotificationKind,
    Tie,
    TieKind,
    TieStatus,
    TieUpdate,
    User,
    utcnow,
)

from ..audit import service as audit
from ..core.db import session, use_case
from ..core.errors import DomainError, DomainErrors, EditConflict
from ..core.labels import label
from ..notifications import service as notifications

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
EVIDENCE_MAX = 500
REASON_MAX = 1000
#: The fields whose change, by one of the two sides, asks the other side again.
ASKS_AGAIN = ("kind", "since")


@dataclass
class TieData:
    """What a person records of a tie (the form's or the API's or an imported row's)."""

    kind: TieKind
    title: str
    since: date
    ends_on: date | None = None
    description: str = ""
    evidence_url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class DuplicateTie(DomainError):
    """The same pair, kind and start are already recorded; `existing` is that tie."""

    def __init__(self, existing: Tie) -> None:
        super().__init__(
            _l("This tie is already recorded (same institutions, kind and start date)."),
            field="since",
        )
        self.existing = existing


def rule_errors(data: TieData, today: date) -> list[DomainError]:
    """Every rule the data breaks, but uniqueness (which needs the database)."""
    errors: list[DomainError] = []
    if not data.title.strip():
        errors.append(DomainError(_l("Give the collaboration a title."), field="title"))
    elif len(data.title) > TITLE_MAX:
        errors.append(DomainError(_l("The title is too long."), field="title"))
    if data.since > today:
        errors.append(
            DomainError(
                _l("The start cannot be after today: record a collaboration once it has begun."),
                field="since",
            )
        )
    if data.ends_on is not None and data.ends_on < data.since:
        errors.append(DomainError(_l("The end cannot be before the start."), field="ends_on"))
    if data.evidence_url and not data.evidence_url.startswith(("http://", "https://")):
        errors.append(
            DomainError(
                _l("The evidence link must start with http:// or https://."),
                field="evidence_url",
            )
        )
    if data.evidence_url and len(data.evidence_url) > EVIDENCE_MAX:
        errors.append(DomainError(_l("The evidence link is too long."), field="evidence_url"))
    if len(data.description) > DESCRIPTION_MAX:
        errors.append(DomainError(_l("The description is too long."), field="description"))
    return errors


def duplicate_of(
    first_id: int, second_id: int, kind: TieKind, since: date, except_id: int | None = None
) -> Tie | None:
    a, b = sorted((first_id, second_id))
    statement = select(Tie).where(
        Tie.institution_a_id == a, Tie.institution_b_id == b, Tie.kind == kind, Tie.since == since
    )
    if except_id is not None:
        statement = statement.where(Tie.id != except_id)
    return session.scalar(statement)


def _check_pair(recording: Institution, other: Institution | None, today: date) -> Institution:
    if other is None:
        raise DomainError(_l("Choose the other institution from the list."), field="other")
    if other.id == recording.id:
        raise DomainError(
            _l("A tie joins two different institutions: choose the other one."), field="other"
        )
    if not other.is_active_on(today):
        raise DomainError(
            _l("“%(name)s” is not a member of the coalition today.", name=other.name),
            field="other",
        )
    return other


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _stored(key: str, value: Any) -> Any:
    """A value as the history keeps it (JSON: dates as ISO, kinds by value)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, TieKind | TieStatus):
        return value.value
    return value


def _history(tie: Tie, by: User | None, changes: dict[str, list[Any]], note: str = "") -> None:
    session.add(TieUpdate(tie=tie, author_id=by.id if by else None, changes=changes, note=note))


def _people_of(institution_id: int | None) -> list[User]:
    if institution_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(User.institution_id == institution_id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def _link(tie: Tie) -> str:
    return url_for("ties.detail", tie_id=tie.id)


def _ask_other_side(tie: Tie, by: User) -> None:
    """Tell the other institution's people: confirm or decline, from the tie's page."""
    recording = tie.recorded_for
    params = {
        "by": by.full_name,
        "institution": recording.name if recording else "",
        "title": tie.title or "",
        "kind": tie.kind.value,
    }
    for person in _people_of(tie.answering_institution_id):
        if person.id != by.id:
            notifications.notify(person.id, NotificationKind.TIE_RECORDED, params, link=_link(tie))


def _tell_recorder(tie: Tie, by: User, reason: str) -> None:
    recorder = tie.recorded_by
    if recorder is None or recorder.id == by.id:
        return
    answering = session.get(Institution, tie.answering_institution_id)
    notifications.notify(
        recorder.id,
        NotificationKind.TIE_ANSWERED,
        {
            "by": by.full_name,
            "institution": answering.name if answering else "",
            "title": tie.title or "",
            "answer": tie.status.value,
            "reason": reason,
        },
        link=_link(tie),
    )


def _check_version(tie: Tie, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != tie.version:
        last = session.scalars(
            select(TieUpdate)
            .where(TieUpdate.tie_id == tie.id)
            .order_by(TieUpdate.created_at.desc(), TieUpdate.id.desc())
            .limit(1)
        ).first()
        raise EditConflict(
            tie,
            last.author.full_name if last and last.author else None,
            last.created_at if last else None,
        )


def _changed(tie: Tie) -> None:
    tie.version += 1


@use_case
def record_tie(
    recording: Institution, other: Institution | None, data: TieData, by: User, today: date
) -> Tie:
    """`recording`'s person (or a coordinator) records a tie with `other`: unconfirmed until
    the other institution's people answer."""
    errors = rule_errors(data, today)
    try:
        other = _check_pair(recording, other, today)
    except DomainError as error:
        errors.insert(0, error)
        other = None
    if other is not None and not errors:
        existing = duplicate_of(recording.id, other.id, data.kind, data.since)
        if existing is not None:
            errors.append(DuplicateTie(existing))
    if errors:
        raise DomainErrors(errors)
    assert other is not None  # no error: the pair was checked
    tie = Tie.between(
        recording,
        other,
        kind=data.kind,
        title=data.title.strip(),
        since=data.since,
        ends_on=data.ends_on,
        description=data.description,
        evidence_url=data.evidence_url or None,
        status=TieStatus.UNCONFIRMED,
        recorded_for=recording,
        recorded_for_id=recording.id,
        recorded_by=by,
        recorded_at=utcnow(),
        basis=Basis.REPORTED,
    )
    session.add(tie)
    session.flush()
    _history(
        tie,
        by,
        {"status": [None, TieStatus.UNCONFIRMED.value]}
        | {k: [None, _stored(k, v)] for k, v in data.as_dict().items() if v not in (None, "")},
    )
    _ask_other_side(tie, by)
    audit.record(
        by,
        "tie.record",
        "tie",
        tie.id,
        recorded_for=recording.id,
        other=other.id,
        kind=data.kind.value,
        title=tie.title,
    )
    session.flush()
    return tie


@use_case
def answer_tie(tie: Tie, by: User, *, confirm: bool, reason: str = "") -> Tie:
    """The other institution's person confirms the tie, or declines it (with a reason)."""
    if tie.status != TieStatus.UNCONFIRMED:
        raise DomainError(_l("This tie has already been answered."), field="answer")
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise DomainError(_l("The reason is too long."), field="reason")
    before = tie.status
    tie.status = TieStatus.CONFIRMED if confirm else TieStatus.DECLINED
    tie.answered_by = by
    tie.answered_by_id = by.id
    tie.answered_at = utcnow()
    _changed(tie)
    _history(tie, by, {"status": [before.value, tie.status.value]}, note="" if confirm else reason)
    _tell_recorder(tie, by, reason)
    audit.record(
        by,
        "tie.confirm" if confirm else "tie.decline",
        "tie",
        tie.id,
        title=tie.title,
        reason=reason,
    )
    session.flush()
    return tie


@use_case
def edit_tie(
    tie: Tie, data: TieData, by: User, today: date, *, expected_version: int | None
) -> Tie:
    _check_version(tie, expected_version)
    errors = rule_errors(data, today)
    if data.since == tie.since:
        # "Not after today" is a rule for a start being written, not for one kept as it was.
        errors = [e for e in errors if e.field != "since"]
    if not errors and (data.kind, data.since) != (tie.kind, tie.since):
        existing = duplicate_of(
            tie.institution_a_id, tie.institution_b_id, data.kind, data.since, except_id=tie.id
        )
        if existing is not None:
            errors.append(DuplicateTie(existing))
    if errors:
        raise DomainErrors(errors)
    changes: dict[str, list[Any]] = {}
    values = data.as_dict()
    values["title"] = data.title.strip()
    values["evidence_url"] = data.evidence_url or None
    for key, value in values.items():
        before = getattr(tie, key)
        if before != value and not (before in (None, "") and value in (None, "")):
            changes[key] = [_stored(key, before), _stored(key, value)]
            setattr(tie, key, value)
    if not changes:
        return tie
    side = by.institution_id if by.institution_id in tie_pair(tie) else None
    ask_again = (
        side is not None
        and tie.status != TieStatus.UNCONFIRMED
        and any(key in changes for key in ASKS_AGAIN)
    )
    if ask_again:
        changes["status"] = [tie.status.value, TieStatus.UNCONFIRMED.value]
        tie.status = TieStatus.UNCONFIRMED
        tie.answered_by = None
        tie.answered_by_id = None
        tie.answered_at = None
        # The side that changed the facts is now the one that recorded them.
        tie.recorded_for_id = side
        tie.recorded_for = session.get(Institution, side)
        tie.recorded_by = by
    _changed(tie)
    _history(tie, by, changes)
    if ask_again:
        _ask_other_side(tie, by)
    audit.record(by, "tie.edit", "tie", tie.id, title=tie.title, changes=changes)
    session.flush()
    return tie


def tie_pair(tie: Tie) -> tuple[int, int]:
    return (tie.institution_a_id, tie.institution_b_id)


@use_case
def end_tie(tie: Tie, ends_on: date, by: User, today: date, *, expected_version: int | None) -> Tie:
    """The collaboration ended on `ends_on` (not after today, not before its start)."""
    _check_version(tie, expected_version)
    if tie.ends_on is not None:
        raise DomainError(_l("This tie has already ended."), field="ends_on")
    if ends_on < tie.since:
        raise DomainError(_l("The end cannot be before the start."), field="ends_on")
    if ends_on > today:
        raise DomainError(
            _l("The end cannot be after today: end it on the day it ends."), field="ends_on"
        )
    tie.ends_on = ends_on
    _changed(tie)
    _history(tie, by, {"ends_on": [None, ends_on.isoformat()]})
    audit.record(by, "tie.end", "tie", tie.id, title=tie.title, ends_on=ends_on)
    session.flush()
    return tie


def kind_name(kind: TieKind) -> str:
    return label(kind)
