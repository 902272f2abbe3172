"""The agenda's API resources: recommendations, the agenda, positions and their tallies, and
the endorsement a client sends."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field

from models import Answer, Chamber, EvidenceKind, PositionKind, PositionStatus, RecommendationStatus
from models import Initiative as InitiativeRow
from models import Position as PositionRow
from models import Recommendation as RecommendationRow

from ..api.helpers import no_control_characters
from ..api.schemas import GroupRef, InstitutionRef, Key, Refusal, Schema, Sector, Timestamp
from . import queries as q


class Evidence(Schema):
    kind: EvidenceKind
    ref_id: int
    #: None when what it cites is gone (or its consultation went back to draft).
    title: str | None
    #: A consultation statement's English text, where it has one.
    title_en: str | None = None
    #: agreement, group_consensus, sector_consensus (percent) and voters for a statement;
    #: answers for a theme; progress for a deliverable; date, hours, attended for a meeting.
    figures: dict[str, str]

    @classmethod
    def of(cls, item: q.EvidenceItem) -> Evidence:
        return cls(
            kind=item.kind,
            ref_id=item.ref_id,
            title=item.title,
            title_en=item.title_en,
            figures={k: str(v) for k, v in item.figures},
        )


class SectorAnswers(Schema):
    sector: Sector
    endorse: list[InstitutionRef]
    abstain: list[InstitutionRef]
    object: list[InstitutionRef]


class TallyOut(Schema):
    """Answers by sector; voz_unica: institutions of every sector endorse and none objects."""

    voz_unica: bool
    endorse: int
    abstain: int
    object: int
    sectors: list[SectorAnswers]

    @classmethod
    def of(cls, tally: q.Tally) -> TallyOut:
        def refs(s: q.SectorTally, a: Answer) -> list[InstitutionRef]:
            return [r for r in (InstitutionRef.of(e.institution) for e in s.of(a)) if r]

        return cls(
            voz_unica=tally.voz_unica,
            endorse=tally.count(Answer.ENDORSE),
            abstain=tally.count(Answer.ABSTAIN),
            object=tally.count(Answer.OBJECT),
            sectors=[
                SectorAnswers(
                    sector=Sector.of(s.sector),
                    endorse=refs(s, Answer.ENDORSE),
                    abstain=refs(s, Answer.ABSTAIN),
                    object=refs(s, Answer.OBJECT),
                )
                for s in tally.sectors
            ],
        )


class Recommendation(Schema):
    id: int
    group: GroupRef
    title: str
    text: str
    rationale: str
    status: RecommendationStatus
    version: int
    versions: int
    approved_at: Timestamp | None
    adopted_at: Timestamp | None
    evidence: list[Evidence]
    #: Only for an adopted recommendation (the agenda's).
    tally: TallyOut | None

    @classmethod
    def of(
        cls, rec: RecommendationRow, evidence: list[q.EvidenceItem], tally: q.Tally | None
    ) -> Recommendation:
        return cls(
            id=rec.id,
            group=GroupRef.of(rec.group),
            title=rec.title,
            text=rec.text,
            rationale=rec.rationale,
            status=rec.status,
            version=rec.version,
            versions=len(rec.versions),
            approved_at=rec.approved_at,
            adopted_at=rec.adopted_at,
            evidence=[Evidence.of(i) for i in evidence],
            tally=TallyOut.of(tally) if tally else None,
        )


class Edition(Schema):
    number: int
    published_on: date
    recommendations: int


class Agenda(Schema):
    """The adopted recommendations (with evidence and tallies) and the published editions."""

    recommendations: list[Recommendation]
    editions: list[Edition]


class Initiative(Schema):
    id: int
    chamber: Chamber
    state_code: str | None
    number: str
    title: str
    status: str
    presented_on: date | None
    url: str | None

    @classmethod
    def of(cls, i: InitiativeRow) -> Initiative:
        return cls(
            id=i.id,
            chamber=i.chamber,
            state_code=i.state_code,
            number=i.number,
            title=i.title,
            status=i.status,
            presented_on=i.presented_on,
            url=i.url,
        )


class Position(Schema):
    id: int
    kind: PositionKind
    title: str
    text: str
    status: PositionStatus
    published_at: Timestamp | None
    initiatives: list[Initiative]
    tally: TallyOut

    @classmethod
    def of(cls, p: PositionRow, tally: q.Tally) -> Position:
        return cls(
            id=p.id,
            kind=p.kind,
            title=p.title,
            text=p.text,
            status=p.status,
            published_at=p.published_at,
            initiatives=[Initiative.of(i) for i in p.initiatives],
            tally=TallyOut.of(tally),
        )


class PositionList(Schema):
    data: list[Position]


class EndorsementIn(Schema):
    """institution_id: the institution you answer for (its focal point or a person it
    authorised). answer: endorse, abstain or object; note: optional."""

    institution_id: Annotated[Key, Refusal(_l("Give the institution's id."))]
    answer: Annotated[Answer, Refusal(_l("The answer is endorse, abstain or object."))]
    note: Annotated[
        str,
        Field(max_length=2000, strict=True),
        AfterValidator(no_control_characters),
        Refusal(_l("The note is text of at most 2,000 characters.")),
    ] = ""
