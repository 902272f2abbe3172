"""What every API resource is made of: the base model, field types, the error and page
envelopes, and the short forms ("refs") by which one resource points at another.

Each resource is one pydantic model. The model is the whole definition: its fields validate
what a client sends (request models), its `of(...)` builds the answer from the domain object
(response models: the view returns `answer(Model.of(...))`, so nothing is serialised
around it), and `api/openapi.py` puts its `model_json_schema()` in `/api/v1/openapi.json`.
A field is added once, on the model (and in its `of`).

The features' own resources live next to their routes (`directory/schemas.py`,
`groups/schemas.py`, `work/schemas.py`, `growth/schemas.py`, `network/schemas.py`); the refs
are here because every feature points at the others (an institution lists its groups and
deliverables, a deliverable names its group and institution, ...).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from flask import current_app, url_for
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from models import Deliverable as DeliverableRow
from models import DueState, WorkingGroup, WorkStatus, due_state
from models import Institution as InstitutionRow
from models import Task as TaskRow
from models.base import MAX_ID

from ..core import clock
from ..core.url_patterns import row_url


class Schema(BaseModel):
    """Base of every API model: no property beyond those declared (both ways)."""

    model_config = ConfigDict(extra="forbid")


class Refusal:
    """Annotated metadata: the message (gettext) a client gets when this field is refused.

    `api.helpers` answers a refused body field with 422 and this message, a refused query
    parameter with 400. A field without one gets the message of the `Refused` its
    validator raised, or else the status's generic message.
    """

    def __init__(self, message: Any) -> None:
        self.message = message


class Refused(ValueError):
    """Raised by a validator whose message is for the client (as `Refusal`, but chosen by
    the validator, e.g. a date that is well written but out of range)."""


# --- field types ---------------------------------------------------------------------------


def _whole_number(value: Any) -> Any:
    """JSON numbers only (no strings, no booleans); 5.0 counts as the whole number 5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    return value


def _as_utc(moment: datetime) -> datetime:
    """SQLite gives naive values back: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: For a number a client sends: a whole JSON number (5 or 5.0; never "5" or true).
Whole = BeforeValidator(_whole_number)
#: A database key sent by a client.
Key = Annotated[int, Field(ge=1, le=MAX_ID), Whole]
Percent = Annotated[int, Field(ge=0, le=100)]
#: RFC 3339 with its offset, as `datetime.isoformat()` writes it.
Timestamp = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# --- errors ----------------------------------------------------------------------------------


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Problem(Schema):
    """One broken rule of a refused request."""

    field: str | None
    message: str


class ErrorDetail(Schema):
    status: int
    title: str
    message: str
    field: Annotated[
        str | None,
        Field(description="422 only: the field refused (null: the update as a whole)"),
    ] = None
    current_version: Annotated[
        int | None,
        WithJsonSchema({"type": "integer"}),
        Field(description="409 only: the version to read again", json_schema_extra=_no_default),
    ] = None
    problems: Annotated[
        list[Problem] | None,
        Field(
            description="422 (and a refused query's 400): every rule the request broke, the "
            "first being `field` and `message`",
            json_schema_extra=_no_default,
        ),
    ] = None


class Error(Schema):
    """Every error, whatever its status. `title` and `message` are in the person's language;
    `status`, `field` (422) and `current_version` (409) are not: program against those."""

    error: ErrorDetail


# --- pages -----------------------------------------------------------------------------------

Item = TypeVar("Item")


class Links(Schema):
    self: str
    first: str
    last: str
    next: str | None
    prev: str | None


class Meta(Schema):
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=100)]
    total: Annotated[int, Field(ge=0)]


class Page(Schema, Generic[Item]):
    """One page of a list: follow `links.next` until it is null to read everything."""

    data: list[Item]
    links: Links
    meta: Meta


# --- refs ------------------------------------------------------------------------------------


class Sector(Schema):
    slug: str
    name_es: str
    name_en: str

    @classmethod
    def of(cls, sector) -> Sector:
        return cls(slug=sector.slug, name_es=sector.name_es, name_en=sector.name_en)


class State(Schema):
    code: str
    name_es: str
    name_en: str
    abbreviation: str

    @classmethod
    def of(cls, state) -> State | None:
        if state is None:
            return None
        return cls(
            code=state.code,
            name_es=state.name_es,
            name_en=state.name_en,
            abbreviation=state.abbreviation,
        )


class InstitutionRef(Schema):
    id: int
    name: str
    url: str

    @classmethod
    def of(cls, institution: InstitutionRow | None) -> InstitutionRef | None:
        if institution is None:
            return None
        return cls(
            id=institution.id,
            name=institution.name,
            url=row_url("api.institution", "institution_id", institution.id),
        )


class GroupRef(Schema):
    slug: str
    name_es: str
    name_en: str
    url: str

    @classmethod
    def of(cls, group: WorkingGroup) -> GroupRef:
        return cls(
            slug=group.slug,
            name_es=group.name_es,
            name_en=group.name_en,
            url=url_for("api.group", slug=group.slug),
        )


class PersonRef(Schema):
    id: int
    full_name: str

    @classmethod
    def of(cls, user) -> PersonRef | None:
        return None if user is None else cls(id=user.id, full_name=user.full_name)


class WorkRef(Schema):
    """What a deliverable and a task both show when another resource points at them."""

    id: int
    title: str
    status: WorkStatus
    progress: Percent
    due_on: date | None
    due_state: DueState | None = Field(
        description="overdue (past its due date, not done), due_soon (due within "
        "DUE_SOON_DAYS, not done) or null: the same rule as the home page and My work"
    )
    url: str

    @classmethod
    def fields_of(cls, subject: DeliverableRow | TaskRow) -> dict[str, Any]:

        endpoint, key = (
            ("api.deliverable", "deliverable_id")
            if isinstance(subject, DeliverableRow)
            else ("api.task", "task_id")
        )
        return {
            "id": subject.id,
            "title": subject.title,
            "status": subject.status,
            "progress": subject.progress,
            "due_on": subject.due_on,
            "due_state": due_state(
                subject.due_on,
                clock.today(),
                current_app.config["DUE_SOON_DAYS"],
                done=subject.status == WorkStatus.DONE,
            ),
            "url": url_for(endpoint, **{key: subject.id}),
        }


class DeliverableRef(WorkRef):
    @classmethod
    def of(cls, deliverable: DeliverableRow) -> DeliverableRef:
        return cls(**cls.fields_of(deliverable))


class TaskRef(WorkRef):
    assignee: PersonRef | None

    @classmethod
    def of(cls, task: TaskRow) -> TaskRef:
        return cls(**cls.fields_of(task), assignee=PersonRef.of(task.assignee))
