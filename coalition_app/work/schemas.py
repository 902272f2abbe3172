"""The work's API resources: `Deliverable`, `Task`, and the `ProgressUpdate` a PATCH sends."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field

from models import Deliverable as DeliverableRow
from models import ProgressMode, WorkStatus
from models import Task as TaskRow

from ..api.helpers import CONTROL, no_control_characters
from ..api.schemas import (
    DeliverableRef,
    GroupRef,
    InstitutionRef,
    Key,
    Percent,
    PersonRef,
    Refusal,
    Schema,
    TaskRef,
    Timestamp,
    Whole,
    WorkRef,
)


class _Work(WorkRef):
    """What a deliverable and a task both show."""

    description: str
    version: Annotated[int, Field(ge=1)]
    archived: bool
    updated_at: Timestamp
    updated_by: PersonRef | None

    @classmethod
    def fields_of(cls, subject: DeliverableRow | TaskRow) -> dict[str, Any]:
        return {
            **super().fields_of(subject),
            "description": subject.description or "",
            "version": subject.version,
            "archived": subject.archived_at is not None,
            "updated_at": subject.updated_at,
            "updated_by": PersonRef.of(subject.updated_by),
        }


class Deliverable(_Work):
    """A deliverable, with the tasks you may see."""

    group: GroupRef
    owner_institution: InstitutionRef | None
    progress_mode: ProgressMode
    tasks: list[TaskRef]

    @classmethod
    def of(cls, deliverable: DeliverableRow, tasks: list[TaskRow]) -> Deliverable:
        return cls(
            **cls.fields_of(deliverable),
            group=GroupRef.of(deliverable.group),
            owner_institution=InstitutionRef.of(deliverable.owner_institution),
            progress_mode=deliverable.progress_mode,
            tasks=[TaskRef.of(t) for t in sorted(tasks, key=lambda t: t.id)],
        )


class Task(_Work):
    deliverable: DeliverableRef
    assignee: PersonRef | None

    @classmethod
    def of(cls, task: TaskRow) -> Task:
        return cls(
            **cls.fields_of(task),
            deliverable=DeliverableRef.of(task.deliverable),
            assignee=PersonRef.of(task.assignee),
        )


# --- the PATCH body ---------------------------------------------------------------------------


def _web_address(value: str) -> str:
    if CONTROL.search(value) or " " in value:
        raise ValueError("not a web address")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError("not a web address") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not a web address")
    return value


class ProgressUpdate(Schema):
    """version: the version you read (a stale one is refused with 409). status: the new
    status (default: unchanged; the workflow and your role decide which moves are allowed;
    a deliverable is done only through its review). progress: percent; on a deliverable it
    is a chair's or coordinator's override (403 for others) and needs a note, its reason; a
    done task is at 100. A note alone records a comment."""

    version: Annotated[Key, Refusal(_l("Give the version you read (a whole number)."))]
    status: Annotated[WorkStatus | None, Refusal(_l("Unknown status."))] = None
    progress: Annotated[
        Annotated[Percent, Whole] | None,
        Refusal(_l("Progress is a percentage from 0 to 100.")),
    ] = None
    note: Annotated[
        str,
        Field(max_length=5000, strict=True),
        AfterValidator(no_control_characters),
        Refusal(_l("The note is text of at most 5,000 characters.")),
    ] = ""
    evidence_url: Annotated[
        Annotated[
            str,
            Field(max_length=500, strict=True, json_schema_extra={"format": "uri"}),
            AfterValidator(_web_address),
        ]
        | None,
        Refusal(_l("Enter a full web address (https://…).")),
    ] = None

    def changes(self, subject: DeliverableRow | TaskRow) -> dict[str, Any]:
        """The use case's arguments for `subject` (an absent status leaves it unchanged)."""
        return {
            "expected_version": self.version,
            "status": self.status if self.status is not None else subject.status,
            "progress": self.progress,
            "note": self.note,
            "evidence_url": self.evidence_url or None,
        }
