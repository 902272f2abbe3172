"""Reading files for pages and the API: one file (with the policy), a subject's files."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from models import Attachment, User

from .. import policy
from ..comments.subjects import Subject, subject_filter
from ..core.db import session


def load_attachment(attachment_id: int, user: User) -> Attachment:
    """A file, 404 unless `user` may see its object (as `require_visible` answers for the
    object itself); a deleted file is gone. The policy is asked even when there is none."""
    attachment = session.scalar(
        select(Attachment)
        .where(Attachment.id == attachment_id)
        .options(joinedload(Attachment.uploaded_by))
    )
    if attachment is None:
        policy.require_visible(user, "view_attachment", None)
        raise NotFound()  # never reached: nothing is visible
    policy.require_visible(user, "view_attachment", attachment)
    return attachment


def files_of(subject: Subject) -> list[Attachment]:
    """A subject's files, oldest first, with who uploaded them (one query)."""
    return list(
        session.scalars(
            select(Attachment)
            .where(subject_filter(Attachment, subject), Attachment.deleted_at.is_(None))
            .options(joinedload(Attachment.uploaded_by))
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )
