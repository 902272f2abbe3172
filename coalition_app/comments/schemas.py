"""The comments' API resources: `Comment`, the list of a subject's, and the `NewComment` a
POST sends."""

from __future__ import annotations

from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field

from models import Comment as CommentRow
from models.comments import BODY_MAX

from ..api.helpers import no_control_characters
from ..api.schemas import PersonRef, Refusal, Schema, Timestamp
from ..core.markdown import render_markdown
from . import queries


class Comment(Schema):
    """A comment. A hidden one keeps its place but not its text (`body` and `html` are null)."""

    id: int
    author: PersonRef
    body: str | None = Field(description="The Markdown typed (null when hidden)")
    html: str | None = Field(description="The text rendered and sanitised (null when hidden)")
    created_at: Timestamp
    edited_at: Timestamp | None
    hidden: bool
    mentions: list[PersonRef]

    @classmethod
    def of(cls, comment: CommentRow) -> Comment:
        hidden = comment.hidden_at is not None
        return cls(
            id=comment.id,
            author=PersonRef(id=comment.author.id, full_name=comment.author.full_name),
            body=None if hidden else comment.body,
            html=None
            if hidden
            else str(render_markdown(comment.body, queries.mention_links(comment))),
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            hidden=hidden,
            mentions=[
                PersonRef(id=m.person.id, full_name=m.person.full_name) for m in comment.mentions
            ],
        )


class CommentList(Schema):
    """The comments of a deliverable, a task or a meeting, oldest first."""

    data: list[Comment]


class NewComment(Schema):
    """body: Markdown, at most 5,000 characters; "@" and a person's full name mentions them
    (if they may see the object: they are told)."""

    body: Annotated[
        str,
        Field(min_length=1, max_length=BODY_MAX, strict=True),
        AfterValidator(no_control_characters),
        Refusal(_l("The comment is text of 1 to 5,000 characters.")),
    ]
