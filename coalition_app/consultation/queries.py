"""The consultation's read side: loaders and select() builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    cast,
    func,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased, load_only, selectinload
from werkzeug.exceptions import NotFound

from models import (
    Consultation,
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationStatement,
    ConsultationStatus,
    ConsultationTheme,
    ConsultationVote,
    StatementStatus,
    User,
    WorkingGroup,
)

from ..policy import authorize, require_visible


def consultation_by_slug(session: Session, slug: str) -> Consultation | None:
    return session.scalar(_BY_SLUG, {"slug": slug})


# Built once: every consultation page starts with it.
_BY_SLUG = select(Consultation).where(Consultation.slug == bindparam("slug"))


def load_consultation(session: Session, user: User | None, slug: str) -> Consultation:
    """The consultation, or 404 (also for a draft the person may not see). Whether the person
    may see consultations at all is asked first (403 before any lookup)."""
    authorize(user, "view_consultation", None)
    consultation = consultation_by_slug(session, slug)
    if consultation is None:
        raise NotFound()
    require_visible(user, "view_consultation", consultation)
    return consultation


def public_consultation(session: Session, slug: str) -> Consultation:
    """A consultation as the public sees it: never a draft."""
    return _public(consultation_by_slug(session, slug))


def listed(session: Session, include_drafts: bool) -> list[Row[Any]]:
    """Consultations with their statement and participant counts (one statement)."""
    return list(session.execute(_listed_query(include_drafts)).all())


@cache
def _listed_query(include_drafts: bool) -> Select[Any]:
    """`listed`'s statement, built once for each audience (building it cost more than
    running it)."""
    statements = (
        select(func.count())
        .where(
            ConsultationStatement.consultation_id == Consultation.id,
            ConsultationStatement.status == StatementStatus.APPROVED,
        )
        .correlate(Consultation)
        .scalar_subquery()
    )
    pending = (
        select(func.count())
        .where(
            ConsultationStatement.consultation_id == Consultation.id,
            ConsultationStatement.status == StatementStatus.PENDING,
        )
        .correlate(Consultation)
        .scalar_subquery()
    )
    participants = (
        select(func.count())
        .where(ConsultationParticipant.consultation_id == Consultation.id)
        .correlate(Consultation)
        .scalar_subquery()
    )
    query = select(
        Consultation,
        statements.label("statements"),
        pending.label("pending"),
        participants.label("participants"),
    ).order_by(Consultation.opens_on.desc(), Consultation.id.desc())
    if not include_drafts:
        query = query.where(Consultation.status != ConsultationStatus.DRAFT)
    return query


@cache
def _statement_rows_query() -> Any:
    """`statement_rows`' statement, built once (bound per call)."""
    return (
        select(
            ConsultationStatement.id,
            ConsultationStatement.text_es,
            ConsultationStatement.text_en,
            ConsultationStatement.proposed_by_id,
            WorkingGroup.name_es.label("group_es"),
            WorkingGroup.name_en.label("group_en"),
        )
        .outerjoin(WorkingGroup, WorkingGroup.id == ConsultationStatement.group_id)
        .where(
            ConsultationStatement.consultation_id == bindparam("consultation_id"),
            ConsultationStatement.status == StatementStatus.APPROVED,
        )
        .order_by(ConsultationStatement.id)
    )


def statement_rows(session: Session, consultation: Consultation) -> list[Row[Any]]:
    """The approved statements as rows (id, texts, proposed_by_id, their group's names:
    `group_es`, `group_en`), by id: the coordinators' table."""
    return list(session.execute(_statement_rows_query(), {"consultation_id": consultation.id}))


def pending_count(session: Session, consultation: Consultation) -> int:
    return int(session.scalar(_PENDING_COUNT, {"consultation_id": consultation.id}) or 0)


def pending_statements(session: Session, consultation: Consultation) -> list[ConsultationStatement]:
    return list(session.scalars(_PENDING, {"consultation_id": consultation.id}))


def flagged_participants(session: Session, consultation: Consultation) -> list[Row[Any]]:
    """Flagged participants with the votes they cast (left out of the figures)."""
    return list(session.execute(_FLAGGED, {"consultation_id": consultation.id}).all())


# The moderation and management pages' statements: built once, the consultation bound.
_IS_PENDING = (
    ConsultationStatement.consultation_id == bindparam("consultation_id"),
    ConsultationStatement.status == StatementStatus.PENDING,
)
_PENDING_COUNT = select(func.count()).where(*_IS_PENDING)
_PENDING = (
    select(ConsultationStatement)
    .where(*_IS_PENDING)
    .order_by(ConsultationStatement.created_at, ConsultationStatement.id)
)
_VOTES_CAST = (
    select(func.count())
    .where(ConsultationVote.participant_id == ConsultationParticipant.id)
    .correlate(ConsultationParticipant)
    .scalar_subquery()
)
_FLAGGED = (
    select(ConsultationParticipant, _VOTES_CAST.label("votes"))
    .where(
        ConsultationParticipant.consultation_id == bindparam("consultation_id"),
        ConsultationParticipant.flagged_at.is_not(None),
    )
    .order_by(ConsultationParticipant.flagged_at.desc())
)


def participant(
    session: Session, consultation: Consultation, participant_id: int | None
) -> ConsultationParticipant | None:
    if participant_id is None:
        return None
    found = session.get(ConsultationParticipant, participant_id)
    if found is None or found.consultation_id != consultation.id:
        return None
    return found


@dataclass
class Progress:
    done: int
    total: int


# The participant's requests run these statements hundreds of times a second: each is built
# once (building an SQLAlchemy statement costs more than running it), values bound per call.


@cache
def _consultation_and_participant_query() -> Select[Consultation, ConsultationParticipant]:
    participant = aliased(ConsultationParticipant)
    return (
        select(Consultation, participant)
        .outerjoin(
            participant,
            and_(
                participant.id == bindparam("participant_id"),
                participant.consultation_id == Consultation.id,
            ),
        )
        .where(Consultation.slug == bindparam("slug"))
    )


class _Published(Protocol):
    @property
    def status(self) -> ConsultationStatus: ...


_Shown = TypeVar("_Shown", bound=_Published)


def _public(consultation: _Shown | None) -> _Shown:
    """A consultation as the public sees it: never a draft (a 404)."""
    if consultation is None or consultation.status == ConsultationStatus.DRAFT:
        raise NotFound()
    return consultation


def consultation_and_participant(
    session: Session, slug: str, participant_id: int | None
) -> tuple[Consultation, ConsultationParticipant | None]:
    """`public_consultation` and the participant the cookie names (None if not one of its
    own), in one statement: what every participant's request loads first."""
    row = session.execute(
        _consultation_and_participant_query(),
        {"slug": slug, "participant_id": participant_id or 0},
    ).first()
    return _public(row[0] if row is not None else None), row[1] if row is not None else None


def _mix(participant_id: BindParameter[int]) -> ColumnElement[int]:
    """The participant's order of the statements: a fixed arithmetic mix of the two ids, so
    every statement gets votes early, as Polis does. In 64 bits: on PostgreSQL, 32-bit
    integers overflow once participant ids pass 20,505 (a consultation of 100,000 people),
    and the page would fail."""
    return (
        cast(ConsultationStatement.id, BigInteger) * 7919
        + cast(participant_id, BigInteger) * 104729
    ) % 10007


@cache
def _queue_query() -> Select[int, int, ConsultationStatement]:
    participant_id: BindParameter[int] = bindparam("participant_id")
    approved = (
        ConsultationStatement.consultation_id == bindparam("consultation_id"),
        ConsultationStatement.status == StatementStatus.APPROVED,
    )
    voted = select(ConsultationVote.statement_id).where(
        ConsultationVote.participant_id == participant_id
    )
    total = select(func.count()).where(*approved).scalar_subquery()
    done = (
        select(func.count())
        .select_from(ConsultationVote)
        .join(ConsultationStatement)
        .where(ConsultationVote.participant_id == participant_id, *approved)
        .scalar_subquery()
    )
    mix = _mix(participant_id)
    following = (
        select(ConsultationStatement.id.label("id"), mix.label("rank"))
        .where(*approved, ConsultationStatement.id.not_in(voted))
        .order_by(mix, ConsultationStatement.id)
        .limit(bindparam("size"))
        .subquery()
    )
    card = aliased(ConsultationStatement)
    # The consultation's row outer-joined to the queue: one row (with no statement) when
    # none is left, so the counts come back either way.
    return (
        select(total, done, card)
        .select_from(Consultation)
        .outerjoin(following, true())
        .outerjoin(card, card.id == following.c.id)
        .where(Consultation.id == bindparam("consultation_id"))
        .order_by(following.c.rank, following.c.id)
        # Only what a card shows (fewer columns to describe and load).
        .options(load_only(card.id, card.text_es, card.text_en, raiseload=True))
    )


def next_statements(
    session: Session, consultation_id: int, participant_id: int, size: int
) -> tuple[list[ConsultationStatement], Progress]:
    """The next `size` statements the participant has not voted on, in their order, and how
    far they are, in one statement: the page's card and the queue its script votes through
    (then the batch it asks for when the queue runs low)."""
    rows = session.execute(
        _queue_query(),
        {"consultation_id": consultation_id, "participant_id": participant_id, "size": size},
    ).all()
    if not rows:
        return [], Progress(done=0, total=0)
    statements = [row[2] for row in rows if row[2] is not None]
    return statements, Progress(done=int(rows[0][1]), total=int(rows[0][0]))


@dataclass(frozen=True)
class Ballot:
    """What a vote reads before its upsert: the consultation's id and the columns its
    open-on rule reads, and whether the cookie names one of its participants."""

    id: int
    status: ConsultationStatus
    opens_on: date
    closes_on: date
    participant_id: int | None

    def is_open_on(self, day: date) -> bool:
        # The model's one rule, on these columns (it reads only status and the two days).
        return Consultation.is_open_on(self, day)  # type: ignore[arg-type]


@cache
def _ballot_query() -> Select[int, ConsultationStatus, date, date, int]:
    consultations = Consultation.__table__.c
    participants = ConsultationParticipant.__table__.c
    return (
        select(
            consultations.id,
            consultations.status,
            consultations.opens_on,
            consultations.closes_on,
            participants.id,
        )
        .select_from(Consultation.__table__)
        .outerjoin(
            ConsultationParticipant.__table__,
            and_(
                participants.id == bindparam("participant_id"),
                participants.consultation_id == consultations.id,
            ),
        )
        .where(consultations.slug == bindparam("slug"))
    )


def ballot(session: Session, slug: str, participant_id: int | None) -> Ballot:
    """A vote's one read, in Core (no ORM objects: the vote runs hundreds of times a
    second): the public consultation `slug` names (a 404 for none or a draft) and whether
    the cookie's participant is one of its own."""
    row = (
        session.connection()
        .execute(_ballot_query(), {"slug": slug, "participant_id": participant_id or 0})
        .first()
    )
    if row is None:
        raise NotFound()
    return _public(
        Ballot(id=row[0], status=row[1], opens_on=row[2], closes_on=row[3], participant_id=row[4])
    )


def questions_with_answers(
    session: Session, consultation: Consultation, participant: ConsultationParticipant | None
) -> list[tuple[ConsultationQuestion, str]]:
    """The open questions with the participant's answer to each ("" when none)."""
    questions = list(
        session.scalars(
            select(ConsultationQuestion)
            .where(ConsultationQuestion.consultation_id == consultation.id)
            .order_by(ConsultationQuestion.position, ConsultationQuestion.id)
        )
    )
    answers: dict[int, str] = {}
    if participant is not None and questions:
        answers = {
            a.question_id: a.text
            for a in session.scalars(
                select(ConsultationAnswer).where(
                    ConsultationAnswer.participant_id == participant.id,
                    ConsultationAnswer.question_id.in_([q.id for q in questions]),
                )
            )
        }
    return [(q, answers.get(q.id, "")) for q in questions]


@dataclass
class ThemeRow:
    theme: ConsultationTheme
    answers: int
    examples: list[str]


def themes_of(
    session: Session, consultation: Consultation, examples: int = 3
) -> dict[int, list[ThemeRow]]:
    """{question id: its themes with how many answers each rests on, and a few answers}
    (three statements, whatever the size)."""
    themes = list(
        session.scalars(
            select(ConsultationTheme)
            .join(ConsultationQuestion)
            .where(ConsultationQuestion.consultation_id == consultation.id)
            .options(selectinload(ConsultationTheme.group))
            .order_by(ConsultationTheme.question_id, ConsultationTheme.position)
        )
    )
    if not themes:
        return {}
    ids = [t.id for t in themes]
    counts = dict(
        session.execute(
            select(ConsultationAnswer.theme_id, func.count())
            .where(ConsultationAnswer.theme_id.in_(ids))
            .group_by(ConsultationAnswer.theme_id)
        ).all()
    )
    ranked = (
        select(
            ConsultationAnswer.theme_id,
            ConsultationAnswer.text,
            func.row_number()
            .over(partition_by=ConsultationAnswer.theme_id, order_by=ConsultationAnswer.id)
            .label("rank"),
        )
        .where(ConsultationAnswer.theme_id.in_(ids))
        .subquery()
    )
    samples: dict[int, list[str]] = {}
    for theme_id, text in session.execute(
        select(ranked.c.theme_id, ranked.c.text).where(ranked.c.rank <= examples)
    ):
        samples.setdefault(theme_id, []).append(text)
    result: dict[int, list[ThemeRow]] = {}
    for theme in themes:
        result.setdefault(theme.question_id, []).append(
            ThemeRow(theme, int(counts.get(theme.id, 0)), samples.get(theme.id, []))
        )
    return result


def answer_counts(session: Session, consultation: Consultation) -> dict[int, int]:
    return dict(
        session.execute(
            select(ConsultationAnswer.question_id, func.count())
            .join(ConsultationQuestion)
            .where(ConsultationQuestion.consultation_id == consultation.id)
            .group_by(ConsultationAnswer.question_id)
        ).all()
    )


def themes_query(consultation_id: int) -> Select[int, str]:
    return (
        select(ConsultationTheme.id, ConsultationTheme.name)
        .join(ConsultationQuestion)
        .where(ConsultationQuestion.consultation_id == consultation_id)
        .order_by(ConsultationTheme.question_id, ConsultationTheme.position)
    )


def consensus_items(
    session: Session, threshold: float, summary: dict[str, Any] | None, consultation_id: int
) -> list[tuple[str, int, str]]:
    """For the agenda's coverage page: the statements whose group-informed consensus is at
    least `threshold`, then the consultation's themes, as (kind, id, text) with kind
    "statement" or "theme". `summary` is the consultation's analysis (`results.get_cache()
    .get(id).summary`); statements need it, themes do not."""
    items: list[tuple[str, int, str]] = []
    if summary is not None:
        for statement in summary["statements"]:
            value = statement.get("group_consensus")
            if value is not None and value >= threshold:
                items.append(("statement", int(statement["id"]), str(statement["text_es"])))
    items += [("theme", row.id, row.name) for row in session.execute(themes_query(consultation_id))]
    return items


def agenda_items(session: Session, threshold: float = 0.25) -> list[tuple[str, int, str]]:
    """`consensus_items` of every consultation that has opened, newest first: what the
    agenda's coverage page lists (statements most groups support, and the answers' themes).
    The figures come from the results cache (computed now if small, else the last ones)."""
    from .results import get_cache

    items: list[tuple[str, int, str]] = []
    for row in listed(session, include_drafts=False):
        consultation = row[0]
        result = get_cache().get(consultation.id)
        summary = result.summary if result is not None else None
        items += consensus_items(session, threshold, summary, consultation.id)
    return items


# --- what the agenda cites (a recommendation's evidence, the coverage page) -------------------


def _opened() -> Any:
    return Consultation.status != ConsultationStatus.DRAFT


def citable_statements_query() -> Select[ConsultationStatement]:
    """The approved statements of every consultation that has opened: what a recommendation
    may cite, by consultation and id."""
    return (
        select(ConsultationStatement)
        .join(Consultation)
        .where(_opened(), ConsultationStatement.status == StatementStatus.APPROVED)
        .order_by(Consultation.opens_on.desc(), ConsultationStatement.id)
    )


def citable_themes_query() -> Select[ConsultationTheme]:
    """The themes of every consultation that has opened."""
    return (
        select(ConsultationTheme)
        .join(ConsultationQuestion)
        .join(Consultation)
        .where(_opened())
        .order_by(
            Consultation.opens_on.desc(), ConsultationTheme.question_id, ConsultationTheme.position
        )
    )


def citable_statements(session: Session) -> list[ConsultationStatement]:
    return list(session.scalars(citable_statements_query()))


def citable_themes(session: Session) -> list[ConsultationTheme]:
    return list(session.scalars(citable_themes_query()))


def is_citable(session: Session, kind: str, item_id: int) -> bool:
    """Whether a statement (`kind` "statement") or a theme may be cited now."""
    query: Select[Any]
    if kind == "statement":
        query = citable_statements_query().where(ConsultationStatement.id == item_id)
    else:
        query = citable_themes_query().where(ConsultationTheme.id == item_id)
    return session.scalar(query.limit(1)) is not None


def summaries(consultation_ids: set[int]) -> dict[int, dict[str, Any]]:
    """{consultation id: its analysis summary} from the results cache (one fingerprint query
    per consultation; computed now if small, else the last result; absent while none)."""
    from .results import get_cache

    found: dict[int, dict[str, Any]] = {}
    for consultation_id in sorted(consultation_ids):
        result = get_cache().get(consultation_id)
        if result is not None:
            found[consultation_id] = result.summary
    return found


@dataclass(frozen=True)
class CitedFigures:
    """A cited statement or theme as the agenda shows it: its text and its figures, each
    with how many participants it rests on."""

    title_es: str
    title_en: str | None
    consultation_id: int
    group_id: int | None
    #: (label key, value): agreement and both consensus measures in percent, participants.
    figures: tuple[tuple[str, object], ...]


def _percent(value: float | None) -> int | None:
    return None if value is None else round(100 * value)


@cache
def _cited_statements_query() -> Select[ConsultationStatement]:
    """`statement_figures`' statement, built once (bound per call)."""
    return citable_statements_query().where(
        ConsultationStatement.id.in_(bindparam("ids", expanding=True))
    )


def statement_figures(session: Session, statement_ids: set[int]) -> dict[int, CitedFigures]:
    """{statement id: text and figures} of approved statements of opened consultations (one
    statement, plus the results cache per consultation)."""
    if not statement_ids:
        return {}
    rows = session.scalars(_cited_statements_query(), {"ids": sorted(statement_ids)}).all()
    figures_of = summaries({row.consultation_id for row in rows})
    by_id: dict[int, dict[str, Any]] = {
        int(s["id"]): s for summary in figures_of.values() for s in summary["statements"]
    }
    result: dict[int, CitedFigures] = {}
    for row in rows:
        measured = by_id.get(row.id)
        figures: tuple[tuple[str, object], ...] = ()
        if measured is not None:
            pairs = (
                ("agreement", _percent(measured["overall"]["share"])),
                ("group_consensus", _percent(measured.get("group_consensus"))),
                ("sector_consensus", _percent(measured.get("sector_consensus"))),
                ("voters", measured["overall"]["n"]),
            )
            figures = tuple((key, value) for key, value in pairs if value is not None)
        result[row.id] = CitedFigures(
            row.text_es, row.text_en, row.consultation_id, row.group_id, figures
        )
    return result


def theme_figures(session: Session, theme_ids: set[int]) -> dict[int, CitedFigures]:
    """{theme id: name and how many participants' answers it groups} (one statement)."""
    if not theme_ids:
        return {}
    answers = (
        select(ConsultationAnswer.theme_id, func.count().label("n"))
        .where(ConsultationAnswer.theme_id.in_(theme_ids))
        .group_by(ConsultationAnswer.theme_id)
        .subquery()
    )
    rows = session.execute(
        select(ConsultationTheme, ConsultationQuestion.consultation_id, answers.c.n)
        .join(ConsultationQuestion)
        .join(Consultation)
        .outerjoin(answers, answers.c.theme_id == ConsultationTheme.id)
        .where(ConsultationTheme.id.in_(theme_ids), _opened())
    ).all()
    return {
        theme.id: CitedFigures(
            theme.name, None, consultation_id, theme.group_id, (("answers", int(n or 0)),)
        )
        for theme, consultation_id, n in rows
    }
