"""The read side of the agenda: loaders, the endorsement tally and its one definition of
"voz única", the evidence in figures, the coverage of what no recommendation answers yet, and
the word-level diff between two versions of a text."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload
from werkzeug.exceptions import NotFound

from models import (
    PAGES,
    SECTORS_IN_ORDER,
    AgendaEdition,
    Amendment,
    Answer,
    AuthorisedEndorser,
    Consultation,
    ConsultationAnswer,
    ConsultationStatement,
    ConsultationStatus,
    ConsultationTheme,
    ConsultationVote,
    DataVersion,
    Deliverable,
    Endorsement,
    EvidenceKind,
    Initiative,
    Institution,
    Meeting,
    MeetingAttendance,
    Position,
    PositionStatus,
    PositionVersion,
    Recommendation,
    RecommendationEvidence,
    RecommendationStatus,
    RecommendationVersion,
    Sector,
    User,
    WorkingGroup,
)
from models.base import MAX_ID
from models.versions import stamp_text

from ..consultation import queries as consultation_queries
from ..consultation.results import fingerprint_text
from ..core.db import session

# --- who answers for an institution ---------------------------------------------------------


def is_authorised_endorser(user: User, institution: Institution) -> bool:
    return (
        session.scalar(
            select(AuthorisedEndorser.id).where(
                AuthorisedEndorser.institution_id == institution.id,
                AuthorisedEndorser.person_id == user.id,
                AuthorisedEndorser.revoked_at.is_(None),
            )
        )
        is not None
    )


def endorsers_of(institution: Institution) -> list[AuthorisedEndorser]:
    """The institution's current authorised endorsers, by name."""
    return list(
        session.scalars(
            select(AuthorisedEndorser)
            .join(User, User.id == AuthorisedEndorser.person_id)
            .where(
                AuthorisedEndorser.institution_id == institution.id,
                AuthorisedEndorser.revoked_at.is_(None),
            )
            .options(joinedload(AuthorisedEndorser.person))
            .order_by(User.full_name, User.id)
        )
    )


def institutions_answered_by(user: User) -> list[Institution]:
    """The institutions this person answers for (focal point or authorised), active today."""
    from ..policy import endorses_for

    candidates = session.scalars(_answering_query(), {"user_id": user.id}).all()
    return [i for i in candidates if endorses_for(user, i)]


@cache
def _answering_query() -> Select[Institution]:
    """`institutions_answered_by`'s statement, built once (bound per call; building a
    statement with its options costs more than running it)."""
    person: Any = bindparam("user_id")
    return (
        select(Institution)
        .where(
            (Institution.focal_point_id == person)
            | Institution.id.in_(
                select(AuthorisedEndorser.institution_id).where(
                    AuthorisedEndorser.person_id == person,
                    AuthorisedEndorser.revoked_at.is_(None),
                )
            )
        )
        .options(lazyload(Institution.sector), lazyload(Institution.state))
        .order_by(Institution.name_key)
    )


# --- loaders -------------------------------------------------------------------------------


def _id_or_404(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def load_recommendation(recommendation_id: int) -> Recommendation:
    rec = session.scalar(_recommendation_query(), {"id": _id_or_404(recommendation_id)})
    if rec is None:
        raise NotFound()
    return rec


@cache
def _recommendation_query() -> Select[Recommendation]:
    """`load_recommendation`'s statement, built once (bound per call)."""
    return (
        select(Recommendation)
        .where(Recommendation.id == bindparam("id"))
        .options(
            joinedload(Recommendation.group),
            # Authors are shown by name: not their institution (joined by default).
            selectinload(Recommendation.versions)
            .joinedload(RecommendationVersion.author)
            .lazyload(User.institution),
            selectinload(Recommendation.evidence),
            selectinload(Recommendation.amendments)
            .joinedload(Amendment.author)
            .lazyload(User.institution),
        )
    )


def load_amendment(amendment_id: int) -> Amendment:
    amendment = session.get(Amendment, _id_or_404(amendment_id))
    if amendment is None:
        raise NotFound()
    return amendment


# `load_position`'s statement, built once (bound per call).
_POSITION = (
    select(Position)
    .where(Position.id == bindparam("id"))
    .options(
        selectinload(Position.initiatives),
        selectinload(Position.versions)
        .joinedload(PositionVersion.author)
        .lazyload(User.institution),
    )
)


def load_position(position_id: int) -> Position:
    position = session.scalar(_POSITION, {"id": _id_or_404(position_id)})
    if position is None:
        raise NotFound()
    return position


def load_initiative(initiative_id: int) -> Initiative:
    initiative = session.get(Initiative, _id_or_404(initiative_id))
    if initiative is None:
        raise NotFound()
    return initiative


def load_edition(edition_id: int) -> AgendaEdition:
    edition = session.get(AgendaEdition, _id_or_404(edition_id))
    if edition is None:
        raise NotFound()
    return edition


def recommendations_of(group: WorkingGroup) -> list[Recommendation]:
    return list(
        session.scalars(
            select(Recommendation)
            .where(Recommendation.group_id == group.id)
            .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
        )
    )


def adopted_recommendations() -> list[Recommendation]:
    """The agenda: adopted recommendations, by group and adoption (a fixed number of queries)."""
    return list(
        session.scalars(
            select(Recommendation)
            .join(Recommendation.group)
            .where(Recommendation.status == RecommendationStatus.ADOPTED)
            .options(
                joinedload(Recommendation.group),
                selectinload(Recommendation.evidence),
                selectinload(Recommendation.versions),
            )
            .order_by(WorkingGroup.position, Recommendation.adopted_at, Recommendation.id)
        )
    )


def positions(include_drafts: bool) -> list[Position]:
    statement = select(Position).options(selectinload(Position.initiatives))
    if not include_drafts:
        statement = statement.where(Position.status != PositionStatus.DRAFT)
    return list(session.scalars(statement.order_by(Position.created_at.desc(), Position.id.desc())))


def initiatives() -> list[Initiative]:
    return list(
        session.scalars(
            select(Initiative)
            .options(selectinload(Initiative.positions))
            .order_by(Initiative.presented_on.desc(), Initiative.id.desc())
        )
    )


def initiative_names() -> list[Any]:
    """Rows (id, number, title) of the initiatives, in `initiatives`' order: a form's
    choices (without the positions each one has)."""
    return list(
        session.execute(
            select(Initiative.id, Initiative.number, Initiative.title).order_by(
                Initiative.presented_on.desc(), Initiative.id.desc()
            )
        )
    )


def editions() -> list[AgendaEdition]:
    return list(session.scalars(select(AgendaEdition).order_by(AgendaEdition.number.desc())))


def latest_edition() -> AgendaEdition | None:
    return session.scalar(select(AgendaEdition).order_by(AgendaEdition.number.desc()).limit(1))


# --- the tally and "voz única" ---------------------------------------------------------------


@dataclass
class SectorTally:
    sector: Sector
    answers: dict[Answer, list[Endorsement]] = field(default_factory=dict)

    def of(self, answer: Answer) -> list[Endorsement]:
        return self.answers.get(answer, [])


@dataclass
class Tally:
    """Answers by sector (every sector listed, in its order) and the verdict."""

    sectors: list[SectorTally]
    voz_unica: bool

    def count(self, answer: Answer) -> int:
        return sum(len(s.of(answer)) for s in self.sectors)

    @property
    def endorsers(self) -> list[Institution]:
        return [e.institution for s in self.sectors for e in s.of(Answer.ENDORSE)]


def voz_unica(answers: Iterable[tuple[str, Answer]], sector_slugs: Iterable[str]) -> bool:
    """The one definition of "voz única": institutions of every sector endorse, and none
    objects. `answers` are (sector slug, answer) of the current answers.

    >>> voz_unica([("a", Answer.ENDORSE), ("b", Answer.ENDORSE)], ["a", "b"])
    True
    >>> voz_unica([("a", Answer.ENDORSE), ("b", Answer.ABSTAIN)], ["a", "b"])
    False
    >>> voz_unica([("a", Answer.ENDORSE), ("b", Answer.ENDORSE), ("b", Answer.OBJECT)], ["a", "b"])
    False
    """
    answers = list(answers)
    sectors = set(sector_slugs)
    if not sectors or any(answer == Answer.OBJECT for _, answer in answers):
        return False
    return sectors <= {slug for slug, answer in answers if answer == Answer.ENDORSE}


def _sectors() -> list[Sector]:
    return list(session.scalars(SECTORS_IN_ORDER))


def _tally_of(endorsements: list[Endorsement], sectors: list[Sector]) -> Tally:
    by_sector = {s.slug: SectorTally(s) for s in sectors}
    for e in sorted(endorsements, key=lambda e: e.institution.name_key):
        by_sector[e.institution.sector_slug].answers.setdefault(e.answer, []).append(e)
    verdict = voz_unica(
        ((e.institution.sector_slug, e.answer) for e in endorsements), by_sector.keys()
    )
    return Tally(list(by_sector.values()), verdict)


def tally_position(position: Position) -> Tally:
    return tallies(positions=[position])[("position", position.id)]


def tallies(
    positions: Iterable[Position] = (), recommendations: Iterable[Recommendation] = ()
) -> dict[tuple[str, int], Tally]:
    """{("position"|"recommendation", id): Tally} in two queries, whatever the numbers."""
    position_ids = [p.id for p in positions]
    rec_ids = [r.id for r in recommendations]
    sectors = _sectors()
    rows: list[Endorsement] = []
    if position_ids or rec_ids:
        rows = list(
            session.scalars(_endorsements_query(), {"positions": position_ids, "recs": rec_ids})
        )
    result: dict[tuple[str, int], Tally] = {}
    for kind, ids in (("position", position_ids), ("recommendation", rec_ids)):
        for subject_id in ids:
            attribute = "position_id" if kind == "position" else "recommendation_id"
            mine = [e for e in rows if getattr(e, attribute) == subject_id]
            result[(kind, subject_id)] = _tally_of(mine, sectors)
    return result


@cache
def _endorsements_query() -> Select[Endorsement]:
    """`tallies`' statement, built once (bound per call)."""
    return (
        select(Endorsement)
        .where(
            Endorsement.position_id.in_(bindparam("positions", expanding=True))
            | Endorsement.recommendation_id.in_(bindparam("recs", expanding=True))
        )
        .options(
            # The institution's name and sector slug: not its sector and state rows (joined by
            # default; the sectors are read once).
            joinedload(Endorsement.institution).options(
                lazyload(Institution.sector), lazyload(Institution.state)
            )
        )
    )


def answer_of(institution: Institution, subject: Position | Recommendation) -> Endorsement | None:
    column = (
        Endorsement.position_id if isinstance(subject, Position) else Endorsement.recommendation_id
    )
    return session.scalar(
        select(Endorsement)
        .where(column == subject.id, Endorsement.institution_id == institution.id)
        .options(selectinload(Endorsement.changes))
    )


# --- evidence in figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceItem:
    evidence_id: int
    kind: EvidenceKind
    ref_id: int
    #: What it is ("Mapa de casos de uso"); None when what it cites is gone or not public.
    title: str | None
    #: Its figures, as (label key, value): percent done, hours, people who attended; a
    #: statement's agreement and consensus with the participants they rest on.
    figures: tuple[tuple[str, object], ...] = ()
    #: A consultation statement's English text, where it has one.
    title_en: str | None = None


# Evidence's deliverables (titles and progress: plain rows, not objects) and meetings with
# how many attended: built once, the ids bound as expanding lists.
_EVIDENCE_DELIVERABLES = select(Deliverable.id, Deliverable.title, Deliverable.progress).where(
    Deliverable.id.in_(bindparam("ids", expanding=True))
)
_ATTENDED = (
    select(MeetingAttendance.meeting_id, func.count().label("n"))
    .where(MeetingAttendance.attended.is_(True))
    .group_by(MeetingAttendance.meeting_id)
    .subquery()
)
_EVIDENCE_MEETINGS = (
    select(Meeting, func.coalesce(_ATTENDED.c.n, 0))
    .outerjoin(_ATTENDED, _ATTENDED.c.meeting_id == Meeting.id)
    .where(Meeting.id.in_(bindparam("ids", expanding=True)))
)


def evidence_items(recs: Iterable[Recommendation]) -> dict[int, list[EvidenceItem]]:
    """{recommendation id: its evidence with figures}, in at most four queries (and the
    consultation results cache's, once per consultation cited)."""
    recs = list(recs)
    rows = [e for r in recs for e in r.evidence]
    statements = consultation_queries.statement_figures(
        session, {e.ref_id for e in rows if e.kind == EvidenceKind.CONSULTATION_STATEMENT}
    )
    themes = consultation_queries.theme_figures(
        session, {e.ref_id for e in rows if e.kind == EvidenceKind.CONSULTATION_THEME}
    )
    deliverable_ids = {e.ref_id for e in rows if e.kind == EvidenceKind.DELIVERABLE}
    meeting_ids = {e.ref_id for e in rows if e.kind == EvidenceKind.MEETING}
    # Their titles and progress: plain rows, not deliverables built as objects.
    deliverables = (
        {d.id: d for d in session.execute(_EVIDENCE_DELIVERABLES, {"ids": list(deliverable_ids)})}
        if deliverable_ids
        else {}
    )
    meetings: dict[int, tuple[Meeting, int]] = {}
    if meeting_ids:
        for meeting, count in session.execute(_EVIDENCE_MEETINGS, {"ids": list(meeting_ids)}):
            meetings[meeting.id] = (meeting, int(count))
    result: dict[int, list[EvidenceItem]] = {}
    for rec in recs:
        items = []
        for e in sorted(rec.evidence, key=lambda e: (e.kind.value, e.ref_id)):
            if e.kind == EvidenceKind.DELIVERABLE and e.ref_id in deliverables:
                d = deliverables[e.ref_id]
                items.append(
                    EvidenceItem(e.id, e.kind, e.ref_id, d.title, (("progress", d.progress),))
                )
            elif e.kind == EvidenceKind.MEETING and e.ref_id in meetings:
                m, count = meetings[e.ref_id]
                items.append(
                    EvidenceItem(
                        e.id,
                        e.kind,
                        e.ref_id,
                        m.title,
                        (
                            ("date", m.starts_at.date()),
                            ("hours", round(m.hours, 1)),
                            ("attended", count),
                        ),
                    )
                )
            elif e.kind in (EvidenceKind.CONSULTATION_STATEMENT, EvidenceKind.CONSULTATION_THEME):
                found = statements if e.kind == EvidenceKind.CONSULTATION_STATEMENT else themes
                cited = found.get(e.ref_id)
                if cited is None:  # its consultation went back to draft, or it was removed
                    items.append(EvidenceItem(e.id, e.kind, e.ref_id, None))
                else:
                    items.append(
                        EvidenceItem(
                            e.id, e.kind, e.ref_id, cited.title_es, cited.figures, cited.title_en
                        )
                    )
        result[rec.id] = items
    return result


@dataclass
class Candidates:
    """What a recommendation of a group may cite now."""

    deliverables: list[Deliverable]
    meetings: list[Meeting]
    statements: list[ConsultationStatement]
    themes: list[ConsultationTheme]


def evidence_candidates(group: WorkingGroup) -> Candidates:
    """What a recommendation of the group can cite now: its live deliverables and its meetings
    (and the coalition's events), and the statements and themes of the consultations that have
    opened, the group's own first."""
    deliverables = session.scalars(
        select(Deliverable)
        .where(Deliverable.group_id == group.id, Deliverable.archived_at.is_(None))
        .order_by(Deliverable.title)
    ).all()
    meetings = session.scalars(
        select(Meeting)
        .where((Meeting.group_id == group.id) | Meeting.group_id.is_(None))
        .where(Meeting.cancelled_at.is_(None))
        .order_by(Meeting.starts_at.desc())
    ).all()

    def own_first(item: ConsultationStatement | ConsultationTheme) -> bool:
        return item.group_id != group.id

    return Candidates(
        list(deliverables),
        list(meetings),
        sorted(consultation_queries.citable_statements(session), key=own_first),
        sorted(consultation_queries.citable_themes(session), key=own_first),
    )


def unanswered(kind: EvidenceKind, ids: Iterable[int]) -> list[int]:
    """Coverage: of these consultation statements or themes (ids), those that no
    recommendation cites yet, in the given order. The consultation feature passes its ids."""
    ids = list(ids)
    cited = set(
        session.scalars(
            select(RecommendationEvidence.ref_id).where(
                RecommendationEvidence.kind == kind, RecommendationEvidence.ref_id.in_(ids)
            )
        )
    )
    return [i for i in ids if i not in cited]


@dataclass
class CoverageItem:
    kind: EvidenceKind
    ref_id: int
    title: str
    title_en: str | None
    figures: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class GroupName:
    """A working group as the coverage shows it (plain values: the coverage is kept)."""

    slug: str
    name_es: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es


@dataclass
class CoverageGroup:
    """The unanswered items of one working group (None: not assigned to a group yet)."""

    group: GroupName | None
    items: list[CoverageItem]


def coverage() -> list[CoverageGroup]:
    """What no recommendation answers yet: the consultations' consensus statements and their
    themes (`consultation.queries.agenda_items`) that no recommendation cites, with their
    figures, by the working group they are assigned to (the groups in order, the unassigned
    last). A fixed number of queries whatever the numbers of items and recommendations (the
    results cache's, once per consultation that has opened)."""
    items = consultation_queries.agenda_items(session)
    statement_ids = [i for kind, i, _text in items if kind == "statement"]
    theme_ids = [i for kind, i, _text in items if kind == "theme"]
    open_statements = unanswered(EvidenceKind.CONSULTATION_STATEMENT, statement_ids)
    open_themes = unanswered(EvidenceKind.CONSULTATION_THEME, theme_ids)
    found = [
        (EvidenceKind.CONSULTATION_STATEMENT, i, cited)
        for i, cited in _in_order(
            open_statements, consultation_queries.statement_figures(session, set(open_statements))
        )
    ] + [
        (EvidenceKind.CONSULTATION_THEME, i, cited)
        for i, cited in _in_order(
            open_themes, consultation_queries.theme_figures(session, set(open_themes))
        )
    ]
    group_ids = {cited.group_id for _kind, _i, cited in found if cited.group_id is not None}
    groups = (
        list(
            session.scalars(
                select(WorkingGroup)
                .where(WorkingGroup.id.in_(group_ids))
                .order_by(WorkingGroup.position, WorkingGroup.id)
            )
        )
        if group_ids
        else []
    )
    by_group: dict[int | None, list[CoverageItem]] = {g.id: [] for g in groups}
    by_group[None] = []
    for kind, ref_id, cited in found:
        by_group[cited.group_id].append(
            CoverageItem(kind, ref_id, cited.title_es, cited.title_en, cited.figures)
        )
    result = [
        CoverageGroup(GroupName(g.slug, g.name_es, g.name_en), by_group[g.id]) for g in groups
    ]
    if by_group[None]:
        result.append(CoverageGroup(None, by_group[None]))
    return result


def _in_order(ids: list[int], found: dict[int, Any]) -> list[tuple[int, Any]]:
    return [(i, found[i]) for i in ids if i in found]


# --- what the live agenda and the coverage are built from ---------------------------------------


def _adopted_evidence(kind: EvidenceKind) -> Select[int]:
    """The ids that adopted recommendations cite as evidence of this kind."""
    return (
        select(RecommendationEvidence.ref_id)
        .join(Recommendation, Recommendation.id == RecommendationEvidence.recommendation_id)
        .where(
            RecommendationEvidence.kind == kind,
            Recommendation.status == RecommendationStatus.ADOPTED,
        )
    )


def _key_query(consultations: Any, themed_answers: Any) -> Select[Any]:
    """One row per consultation whose figures count (a single row with NULLs when none):
    the PAGES data version (every table but votes and answers), how many answers the
    counted themes group, and each consultation's results fingerprint (its `data_version`,
    last vote id and last vote time: index look-ups)."""
    votes = ConsultationVote.__table__.c
    of_consultation = votes.consultation_id == Consultation.id
    themed = (
        select(func.count()).select_from(ConsultationAnswer).where(themed_answers).scalar_subquery()
    )
    return (
        select(
            DataVersion.version,
            DataVersion.changed_at,
            themed,
            Consultation.id,
            Consultation.data_version,
            select(func.max(votes.id))
            .where(of_consultation)
            .correlate(Consultation)
            .scalar_subquery(),
            select(func.max(votes.voted_at))
            .where(of_consultation)
            .correlate(Consultation)
            .scalar_subquery(),
        )
        .select_from(DataVersion)
        .outerjoin(Consultation, consultations)
        .where(DataVersion.name == PAGES)
        .order_by(Consultation.id)
    )


@cache
def _live_agenda_key_query() -> Select[Any]:
    # Statement figures come from the results of the consultations cited; a theme's figure
    # is how many answers it groups (answers are not under PAGES: counted here; between two
    # PAGES changes an answer can only leave a theme, so the count moves with it).
    cited = (
        select(ConsultationStatement.consultation_id)
        .where(ConsultationStatement.id.in_(_adopted_evidence(EvidenceKind.CONSULTATION_STATEMENT)))
        .distinct()
    )
    return _key_query(
        Consultation.id.in_(cited),
        ConsultationAnswer.theme_id.in_(_adopted_evidence(EvidenceKind.CONSULTATION_THEME)),
    )


@cache
def _coverage_key_query() -> Select[Any]:
    # Every consultation that has opened: which statements reach consensus is in its results.
    return _key_query(
        Consultation.status != ConsultationStatus.DRAFT,
        ConsultationAnswer.theme_id.is_not(None),
    )


def _key(statement: Select[Any]) -> str | None:
    rows = session.execute(statement).all()
    if not rows or rows[0][1] is None:
        return None  # no PAGES version yet: nothing to key on
    first = rows[0]
    parts = [stamp_text(first[0], first[1]), f"a{first[2]}"]
    parts += [f"{row[3]}:{fingerprint_text(row[4], row[5], row[6])}" for row in rows if row[3]]
    return "|".join(parts)


def live_agenda_key() -> str | None:
    """What the live agenda (`service.snapshot_now`) is built from, in one statement: the
    same key, the same agenda (None: cannot tell)."""
    return _key(_live_agenda_key_query())


def coverage_key() -> str | None:
    """What `coverage` is built from, in one statement (None: cannot tell)."""
    return _key(_coverage_key_query())


# --- the diff ----------------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> Markup:
    """A readable word-level diff: removed words in <del>, added words in <ins>.

    >>> str(word_diff("a b c", "a x c"))
    'a <del>b</del><ins>x</ins> c'
    """
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))


def version_diffs(
    versions: Iterable[RecommendationVersion | PositionVersion], fields: tuple[str, ...]
) -> dict[int, dict[str, Markup]]:
    """{version number: {field: word diff with the version before}} for the fields that
    changed (the text always), from version 2 on: what each version changed, readably."""
    ordered = sorted(versions, key=lambda v: v.number)
    return {
        v.number: {
            name: word_diff(getattr(prev, name) or "", getattr(v, name) or "")
            for name in fields
            if name == "text" or getattr(prev, name) != getattr(v, name)
        }
        for prev, v in zip(ordered, ordered[1:], strict=False)
    }
