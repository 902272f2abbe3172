"""Reading files for pages and the API: one file (with the policy), a subject's files."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from models import Attachment, User

from .. import policy
from ..comments.subjects import ATTACHMENT_KINDS, Subject, kind_of, subject_column
from ..core.db import session


def load_attachment(attachment_id: int, user: User) -> Attachment:
    """A file, 404 unless `user` may see its object (as `require_visible` answers for the
    object itself); a deleted file is gone. The policy is asked even when there is none."""
    attachment = session.scalar(
        select(Attachment)
        .where(Attachment.id == attachment_id)
        .options(joinedload(Attachment.uploaded_by).lazyload(User.institution))
    )
    if attachment is None:
        policy.require_visible(user, "view_attachment", None)
        raise NotFound()  # never reached: nothing is visible
    policy.require_visible(user, "view_attachment", attachment)
    return attachment


# Built once per kind of subject (building a statement cost more than running it). Who
# uploaded each file is shown by name: not their institution with its sector and state, which
# a User otherwise joins (four objects more for each file).
_FILES = {
    kind: select(Attachment)
    .where(
        subject_column(Attachment, kind) == bindparam("subject_id"),
        Attachment.deleted_at.is_(None),
    )
    .options(joinedload(Attachment.uploaded_by).lazyload(User.institution))
    .order_by(Attachment.uploaded_at, Attachment.id)
    for kind in ATTACHMENT_KINDS
}


def files_of(subject: Subject) -> list[Attachment]:
    """A subject's files, oldest first, with who uploaded them (one query)."""
    return list(session.scalars(_FILES[kind_of(subject)], {"subject_id": subject.id}))
