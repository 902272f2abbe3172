"""Files: attach one to a deliverable, a task or a meeting, and delete it.

The caller has asked the policy. The type is judged from the content (`types.sniff`) against
UPLOAD_TYPES, the size against MAX_UPLOAD_BYTES, and the name must agree with the content
(a PNG named "report.pdf" is refused: whoever downloads it would be misled). The bytes are
written under STORAGE_DIR before the row; a file deleted is no longer served at once and its
bytes are removed once the deletion is committed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from flask import current_app
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from models import Attachment, User, utcnow
from models.files import NAME_MAX

from ..audit import service as audit
from ..comments.subjects import Subject, kind_of, subject_keys
from ..core.db import after_commit, session, use_case
from ..core.errors import DomainError
from . import storage
from .types import TYPES, FileType, sniff

#: Characters never kept in a name: folders, the characters Windows refuses, controls.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*]')


def size_text(size: int) -> str:
    """A size as people read it: "820 KB", "10 MB" (1 MB = 1024 × 1024 bytes)."""
    if size >= 1024 * 1024:
        megabytes = size / (1024 * 1024)
        shown = format_number(round(megabytes, 1) if megabytes < 10 else round(megabytes))
        return f"{shown} MB"
    if size >= 1024:
        return f"{format_number(round(size / 1024))} KB"
    return f"{format_number(size)} B"


def allowed_types() -> list[FileType]:
    return [TYPES[code] for code in current_app.config["UPLOAD_TYPES"] if code in TYPES]


def allowed_labels() -> str:
    return ", ".join(t.label for t in allowed_types())


def safe_name(name: str) -> str:
    """The name without folders, control or reserved characters, leading dots or runs of
    spaces, in composed Unicode (accents kept), at most NAME_MAX characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: NAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_MAX]
    return name


def _named_as(name: str, kind: FileType) -> str:
    """The name, with the type's extension added if it has none; refused if it has another."""
    if not name:
        return "file" + kind.extensions[0]
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return name[: NAME_MAX - len(kind.extensions[0])] + kind.extensions[0]
    if "." + extension.lower() in kind.extensions:
        return name
    raise DomainError(
        _l(
            "This file is named “%(name)s” but its content is %(type)s: rename it with its "
            "right ending (%(extension)s) or choose the file you meant.",
            name=name,
            type=kind.label,
            extension=kind.extensions[0],
        ),
        field="file",
    )


@use_case
def attach(subject: Subject, by: User, *, filename: str, data: bytes) -> Attachment:
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if not data:
        raise DomainError(_l("This file is empty."), field="file")
    if len(data) > limit:
        raise DomainError(
            _l(
                "Files may be at most %(limit)s: this one has %(size)s.",
                limit=size_text(limit),
                size=size_text(len(data)),
            ),
            field="file",
        )
    name = safe_name(filename)
    code = sniff(data, name)
    if code is None or code not in current_app.config["UPLOAD_TYPES"]:
        raise DomainError(
            _l(
                "This file's content is not one of the accepted types (%(types)s). The type "
                "is read from the content, not from the name.",
                types=allowed_labels(),
            ),
            field="file",
        )
    kind = TYPES[code]
    name = _named_as(name, kind)
    key = storage.new_key()
    storage.save(key, data)
    attachment = Attachment(
        name=name,
        content_type=kind.mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by=by,
        **subject_keys(subject),
    )
    session.add(attachment)
    session.flush()
    return attachment


@use_case
def delete(attachment: Attachment, by: User) -> None:
    """No longer listed nor served; its bytes go once this is committed. In the audit trail."""
    if attachment.deleted_at is not None:
        return
    attachment.deleted_at = utcnow()
    attachment.deleted_by = by
    subject = attachment.subject
    audit.record(
        by,
        "file.delete",
        "attachment",
        attachment.id,
        name=attachment.name,
        uploaded_by_id=attachment.uploaded_by_id,
        subject=kind_of(subject),
        subject_id=subject.id,
        title=subject.title,
    )
    session.flush()
    key = attachment.storage_key
    after_commit(lambda: storage.remove(key))
