"""The files' API resource: `File`, and the list of a subject's."""

from __future__ import annotations

from flask import url_for
from pydantic import Field

from models import Attachment

from ..api.schemas import PersonRef, Schema, Timestamp


class File(Schema):
    id: int
    name: str
    content_type: str = Field(description="The type found in its content")
    size: int = Field(ge=0, description="Bytes")
    uploaded_by: PersonRef
    uploaded_at: Timestamp
    download_url: str = Field(description="The download (the same session or token may fetch it)")

    @classmethod
    def of(cls, attachment: Attachment) -> File:
        return cls(
            id=attachment.id,
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            uploaded_by=PersonRef(
                id=attachment.uploaded_by.id, full_name=attachment.uploaded_by.full_name
            ),
            uploaded_at=attachment.uploaded_at,
            download_url=url_for("files.download", file_id=attachment.id),
        )


class FileList(Schema):
    """The files of a deliverable, a task or a meeting, oldest first."""

    data: list[File]
