"""The ties' API resources: a tie (with its two institutions and its answer), the list, and
the bodies that record, edit and answer one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field

from models import Tie as TieRow
from models import TieKind, TieStatus

from ..api.helpers import no_control_characters
from ..api.schemas import InstitutionRef, Key, PersonRef, Refusal, Schema, Timestamp
from ..core.url_patterns import row_url, url_pattern
from ..work.schemas import _web_address
from . import service

Title = Annotated[
    str,
    Field(min_length=1, max_length=service.TITLE_MAX, strict=True),
    AfterValidator(no_control_characters),
    Refusal(_l("The title is text of 1 to 200 characters.")),
]
Description = Annotated[
    str,
    Field(max_length=service.DESCRIPTION_MAX, strict=True),
    AfterValidator(no_control_characters),
    Refusal(_l("The description is text of at most 5,000 characters.")),
]
Evidence = Annotated[
    Annotated[
        str,
        Field(max_length=service.EVIDENCE_MAX, strict=True, json_schema_extra={"format": "uri"}),
        AfterValidator(_web_address),
    ]
    | None,
    Refusal(_l("Enter a full web address (https://…).")),
]


class Tie(Schema):
    """A collaboration between two institutions. status: unconfirmed until the institution
    that did not record it answers; declined ties are kept and never counted."""

    id: int
    institution_a: InstitutionRef
    institution_b: InstitutionRef
    kind: TieKind
    title: str | None
    since: date
    ends_on: date | None
    description: str
    evidence_url: str | None
    status: TieStatus
    recorded_for: InstitutionRef | None
    recorded_by: PersonRef | None
    recorded_at: Timestamp | None
    answered_by: PersonRef | None
    answered_at: Timestamp | None
    version: int
    url: str

    @classmethod
    def of(cls, tie: TieRow) -> Tie:
        a, b = InstitutionRef.of(tie.institution_a), InstitutionRef.of(tie.institution_b)
        assert a is not None and b is not None  # both sides always exist
        return cls(
            id=tie.id,
            institution_a=a,
            institution_b=b,
            kind=tie.kind,
            title=tie.title,
            since=tie.since,
            ends_on=tie.ends_on,
            description=tie.description or "",
            evidence_url=tie.evidence_url,
            status=tie.status,
            recorded_for=InstitutionRef.of(tie.recorded_for),
            recorded_by=PersonRef.of(tie.recorded_by),
            recorded_at=tie.recorded_at,
            answered_by=PersonRef.of(tie.answered_by),
            answered_at=tie.answered_at,
            version=tie.version,
            url=row_url("api.tie", "tie_id", tie.id),
        )

    @staticmethod
    def list_fields(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        """Each row of `queries.tie_api_page` as the fields `of` gives a Tie, to validate
        with the list in one call (a model per tie and per reference, and a link looked up
        per reference, were most of the list's cost)."""
        tie_url = url_pattern("api.tie", "tie_id")
        institution_url = url_pattern("api.institution", "institution_id")
        out = []
        for (
            tie_id, a_id, a_name, b_id, b_name, kind, title, since, ends_on, description,
            evidence_url, status, for_id, for_name, by_id, by_name, recorded_at, answerer_id,
            answerer_name, answered_at, version,
        ) in rows:  # fmt: skip
            out.append(
                {
                    "id": tie_id,
                    "institution_a": {"id": a_id, "name": a_name, "url": institution_url(a_id)},
                    "institution_b": {"id": b_id, "name": b_name, "url": institution_url(b_id)},
                    "kind": kind,
                    "title": title,
                    "since": since,
                    "ends_on": ends_on,
                    "description": description or "",
                    "evidence_url": evidence_url,
                    "status": status,
                    "recorded_for": None
                    if for_id is None
                    else {"id": for_id, "name": for_name, "url": institution_url(for_id)},
                    "recorded_by": None if by_id is None else {"id": by_id, "full_name": by_name},
                    "recorded_at": recorded_at,
                    "answered_by": None
                    if answerer_id is None
                    else {"id": answerer_id, "full_name": answerer_name},
                    "answered_at": answered_at,
                    "version": version,
                    "url": tie_url(tie_id),
                }
            )
        return out


class TieList(Schema):
    data: list[Tie]
    total: int
    page: int
    pages: int


class TieListQuery(Schema):
    """status: unconfirmed, confirmed, declined, current or ended; kind: a tie kind; page."""

    status: Annotated[
        str,
        Field(pattern="^(|unconfirmed|confirmed|declined|current|ended)$"),
        Refusal(_l("Unknown status.")),
    ] = ""
    kind: Annotated[TieKind | None, Refusal(_l("Unknown kind."))] = None
    page: Annotated[int, Field(ge=1, le=10_000_000), Refusal(_l("Unknown page."))] = 1


class NewTie(Schema):
    """recorded_for: the institution whose person records it (yours; any, for a
    coordinator); other: the other institution. Unconfirmed until the other side answers."""

    recorded_for: Annotated[Key, Refusal(_l("Give the id of the recording institution."))]
    other: Annotated[Key, Refusal(_l("Give the id of the other institution."))]
    kind: Annotated[TieKind, Refusal(_l("Unknown kind."))]
    title: Title
    since: Annotated[date, Refusal(_l("Give the start as YYYY-MM-DD."))]
    ends_on: Annotated[date | None, Refusal(_l("Give the end as YYYY-MM-DD."))] = None
    description: Description = ""
    evidence_url: Evidence = None


class TieEdit(Schema):
    """version: the version you read (a stale one is refused with 409); absent fields keep
    their value. A change of kind or start by one of the two sides asks the other again."""

    version: Annotated[Key, Refusal(_l("Give the version you read (a whole number)."))]
    kind: Annotated[TieKind | None, Refusal(_l("Unknown kind."))] = None
    title: Title | None = None
    since: Annotated[date | None, Refusal(_l("Give the start as YYYY-MM-DD."))] = None
    ends_on: Annotated[date | None, Refusal(_l("Give the end as YYYY-MM-DD."))] = None
    description: Description | None = None
    evidence_url: Evidence = None

    def data(self, tie: TieRow) -> service.TieData:
        given = self.model_fields_set
        return service.TieData(
            kind=self.kind if self.kind is not None else tie.kind,
            title=self.title if self.title is not None else (tie.title or ""),
            since=self.since if self.since is not None else tie.since,
            ends_on=self.ends_on if "ends_on" in given else tie.ends_on,
            description=self.description if self.description is not None else tie.description,
            evidence_url=self.evidence_url if "evidence_url" in given else tie.evidence_url,
        )


class TieAnswer(Schema):
    """reason: why it is declined (optional)."""

    reason: Description = ""
