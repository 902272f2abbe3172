"""Reading comments for pages and the API: a subject's thread, whom a comment may mention."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload
from werkzeug.exceptions import NotFound

from models import Comment, CommentMention, Institution, Role, User

from .. import policy
from ..core.db import session
from ..core.html import escape_each
from ..groups.queries import WITHOUT_PLACE
from .subjects import KINDS, Subject, kind_of, subject_column


def load_comment(comment_id: int, user: User) -> Comment:
    """A comment, 404 unless `user` may see it (its subject's rule; a deleted one is gone).

    The policy is asked even when there is no such comment, so that every answer of a
    comment's routes comes from it."""
    comment = session.scalar(
        select(Comment)
        .where(Comment.id == comment_id)
        .options(joinedload(Comment.author), selectinload(Comment.mentions))
    )
    if comment is None:
        policy.require_visible(user, "view_comment", None)
        raise NotFound()  # never reached: nothing is visible
    policy.require_visible(user, "view_comment", comment)
    return comment


# Every page of a deliverable, a task or a meeting runs these: built once per kind of subject
# (building a statement with its loader options cost more than running it), its id bound.
_THREADS = {
    kind: select(Comment)
    .where(subject_column(Comment, kind) == bindparam("subject_id"), Comment.deleted_at.is_(None))
    .options(
        # Names and acronyms: not the sector and state every Institution joins by default.
        joinedload(Comment.author).joinedload(User.institution).options(*WITHOUT_PLACE),
        joinedload(Comment.hidden_by).lazyload(User.institution),
        selectinload(Comment.mentions)
        .joinedload(CommentMention.person)
        .joinedload(User.institution)
        .options(*WITHOUT_PLACE),
    )
    .order_by(Comment.created_at, Comment.id)
    for kind in KINDS
}
# Every active person, with what the mention picker shows (their name, their institution's
# acronym or name) and what the policy's view rules read (their role, institution, and its
# dates): no sector, state or password hash for each of them.
_ACTIVE_PEOPLE = (
    select(User)
    .where(User.is_active.is_(True))
    .options(
        load_only(User.id, User.full_name, User.institution_id, User.is_active, User.role),
        joinedload(User.institution).options(
            load_only(
                Institution.id,
                Institution.name,
                Institution.acronym,
                Institution.joined_on,
                Institution.left_on,
            ),
            lazyload(Institution.sector),
            lazyload(Institution.state),
        ),
    )
    .order_by(User.full_name, User.id)
)


def thread(subject: Subject) -> list[Comment]:
    """The comments of a subject, oldest first, with their authors and mentions (two
    queries, whatever their number). Deleted comments are not part of it; hidden ones are
    (shown as hidden)."""
    statement = _THREADS[kind_of(subject)]
    return list(session.scalars(statement, {"subject_id": subject.id}).unique())


def mentionable(subject: Subject) -> list[User]:
    """The people a comment on `subject` may mention: the active people who may see it (the
    policy's rule for the subject, asked of each), by name. One query."""
    action = policy.VIEW_ACTIONS[type(subject)]
    people = session.scalars(_ACTIVE_PEOPLE)
    return [person for person in people if policy.can(person, action, subject)]


# The mention picker's rows: what the subjects' view rules read of a person (`policy.can` with
# "view_deliverable", "view_task", "view_meeting", "view_recommendation": their id, role and
# institution) and what the picker shows (name, acronym or name). Plain rows: fifty people
# built as User and Institution objects cost more than the rest of the comment thread.
_PICKER_ROWS = (
    select(
        User.id,
        User.role,
        User.institution_id,
        User.full_name,
        Institution.acronym,
        Institution.name,
    )
    .join(Institution, User.institution_id == Institution.id)
    .where(User.is_active.is_(True))
    .order_by(User.full_name, User.id)
)


class _Reader:
    """An active person as the subjects' view rules read them (`policy.can` asks
    `is_authenticated` and `is_active`, the rules `id`, `institution_id`, `is_coordinator`)."""

    __slots__ = ("id", "institution_id", "role")
    is_authenticated = True
    is_active = True

    def __init__(self, person_id: int, role: Role, institution_id: int) -> None:
        self.id, self.role, self.institution_id = person_id, role, institution_id

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR


def mention_options(subject: Subject) -> Markup:
    """The mention picker's `<option>`s: the people `mentionable(subject)` gives (the same
    rule, asked of each), with their institution's acronym or name, as one string (the
    thread's new-comment form and each edit form show it). One query, plain rows; the rule
    asked directly (every reader is signed in and active: `policy.can`'s own checks), and the
    names escaped in one call (two calls a person were a third of the picker)."""
    rule = policy.RULES[policy.VIEW_ACTIONS[type(subject)]]
    shown = [
        (name, acronym or institution)
        for person_id, role, institution_id, name, acronym, institution in session.execute(
            _PICKER_ROWS
        )
        if rule(cast(User, _Reader(person_id, role, institution_id)), subject)
    ]
    texts = escape_each(text for person in shown for text in person)
    return Markup(
        "".join(
            f'<option value="{name}">{label}</option>'
            for name, label in zip(texts[::2], texts[1::2], strict=True)
        )
    )


def mention_links(comment: Comment) -> Mapping[str, str]:
    """{name: page} of the people a comment mentions (their institution's profile, where the
    directory lists its people)."""
    return {
        mention.person.full_name: f"/institutions/{mention.person.institution_id}"
        for mention in comment.mentions
    }
