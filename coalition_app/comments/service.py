"""Comments: write, edit (within the window), delete, hide and show again (moderation).

Use cases: the caller has asked the policy. They change objects and flush; the request
commits. Mentions: every "@Name" of a person who may see the subject (`queries.mentionable`)
is kept as a `CommentMention` and tells that person (inbox, and e-mail as they chose); a name
of someone who may not see the subject is left as plain text and tells nobody. A new comment
also tells those who follow its subject (a task's assignee, a deliverable's chairs, a
meeting's organiser), if they may see it and were not mentioned already.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from models import (
    Comment,
    CommentMention,
    Deliverable,
    NotificationKind,
    Recommendation,
    Task,
    User,
    utcnow,
)
from models.comments import BODY_MAX, REASON_MAX

from .. import policy
from ..audit import service as audit
from ..core import clock
from ..core.db import session, use_case
from ..core.errors import DomainError, EditConflict
from ..core.markdown import mention_pattern
from ..groups.queries import chairs_of
from ..notifications import service as notifications
from . import queries
from .subjects import Subject, kind_of, subject_keys, subject_path

#: How much of a comment a notification quotes.
EXCERPT = 140


# --- rules ----------------------------------------------------------------------------------


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write something before sending."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(
            _l("A comment has at most %(limit)s characters.", limit=format_number(BODY_MAX)),
            field="body",
        )
    return body


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the comment is hidden."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            _l("A reason has at most %(limit)s characters.", limit=REASON_MAX), field="reason"
        )
    return reason


def mentioned_in(body: str, candidates: Iterable[User]) -> list[User]:
    """The people among `candidates` whom `body` mentions ("@" and their full name)."""
    people = list(candidates)
    pattern = mention_pattern(person.full_name for person in people)
    if pattern is None:
        return []
    named = {match.group(1).casefold() for match in pattern.finditer(body)}
    return [person for person in people if person.full_name.casefold() in named]


# --- notifications ----------------------------------------------------------------------------


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _tell(person: User, kind: NotificationKind, comment: Comment, subject: Subject) -> None:
    notifications.notify(
        person.id,
        kind,
        {
            "by": comment.author.full_name,
            "title": subject.title,
            "subject": kind_of(subject),
            "excerpt": _excerpt(comment.body),
        },
        link=f"{subject_path(subject)}#comment-{comment.id}",
        task_id=subject.id if isinstance(subject, Task) else None,
        deliverable_id=subject.id if isinstance(subject, Deliverable) else None,
    )


def _followers(subject: Subject) -> list[User]:
    """Who follows a subject's discussion: a task's assignee, a deliverable's or a
    recommendation's chairs (who decide on it), a meeting's organiser (who created it)."""
    if isinstance(subject, Task):
        return [subject.assignee] if subject.assignee is not None else []
    if isinstance(subject, Deliverable | Recommendation):
        return chairs_of(session, subject.group, clock.today())
    return [subject.created_by] if subject.created_by is not None else []


def _may_see(person: User, subject: Subject) -> bool:
    return policy.can(person, policy.VIEW_ACTIONS[type(subject)], subject)


def _record_mentions(comment: Comment, subject: Subject, already: set[int]) -> list[User]:
    """Link the comment to the people it mentions now; the newly mentioned, to be told."""
    people = mentioned_in(comment.body, queries.mentionable(subject))
    wanted = {person.id for person in people}
    comment.mentions[:] = [m for m in comment.mentions if m.person_id in wanted]
    kept = {m.person_id for m in comment.mentions}
    for person in people:
        if person.id not in kept:
            comment.mentions.append(CommentMention(person_id=person.id))
    return [p for p in people if p.id not in already and p.id != comment.author_id]


# --- use cases --------------------------------------------------------------------------------


@use_case
def add_comment(subject: Subject, by: User, *, body: str) -> Comment:
    """A new comment on `subject`; its mentions and followers are told."""
    comment = Comment(author=by, body=_check_body(body), **subject_keys(subject))
    session.add(comment)
    session.flush()
    told = set()
    for person in _record_mentions(comment, subject, already=set()):
        _tell(person, NotificationKind.COMMENT_MENTION, comment, subject)
        told.add(person.id)
    for person in _followers(subject):
        if person.id in told or person.id == by.id or not person.is_active:
            continue
        if _may_see(person, subject):
            _tell(person, NotificationKind.COMMENT_ADDED, comment, subject)
            told.add(person.id)
    session.flush()
    return comment


@use_case
def edit_comment(comment: Comment, by: User, *, body: str, expected_version: int | None) -> None:
    """Its author changes the text (within the window, which the policy checked); people it
    now mentions for the first time are told."""
    if expected_version is not None and expected_version != comment.version:
        raise EditConflict(comment, comment.author.full_name, comment.edited_at)
    text = _check_body(body)
    if text == comment.body:
        return
    subject = comment.subject
    before = {m.person_id for m in comment.mentions}
    comment.body = text
    comment.edited_at = utcnow()
    for person in _record_mentions(comment, subject, already=before):
        _tell(person, NotificationKind.COMMENT_MENTION, comment, subject)
    session.flush()


@use_case
def delete_comment(comment: Comment, by: User) -> None:
    """Its author takes it back: no longer shown (the row stays, for the record)."""
    if comment.deleted_at is None:
        comment.deleted_at = utcnow()
        session.flush()


@use_case
def hide_comment(comment: Comment, by: User, *, reason: str) -> None:
    """A moderator hides it, saying why (in the audit trail); its text is kept."""
    reason = _check_reason(reason)
    if comment.hidden_at is not None:
        return
    comment.hidden_at = utcnow()
    comment.hidden_by = by
    comment.hidden_reason = reason
    _audit(comment, by, "comment.hide", reason=reason)
    session.flush()


@use_case
def unhide_comment(comment: Comment, by: User) -> None:
    """A moderator shows it again."""
    if comment.hidden_at is None:
        return
    reason = comment.hidden_reason
    comment.hidden_at = None
    comment.hidden_by = None
    comment.hidden_reason = None
    _audit(comment, by, "comment.unhide", reason=reason)
    session.flush()


def _audit(comment: Comment, by: User, action: str, **details: object) -> None:
    subject = comment.subject
    audit.record(
        by,
        action,
        "comment",
        comment.id,
        author_id=comment.author_id,
        author=comment.author.full_name,
        subject=kind_of(subject),
        subject_id=subject.id,
        title=subject.title,
        **details,
    )
