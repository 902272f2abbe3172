"""Use cases of the consultation: coordinators prepare and moderate it, anonymous participants
join, vote, answer, propose, give a profile and confirm an e-mail.

They change objects and flush, never commit, never check access (the views do) and send mail
only through the outbox. Coordinators' changes go to the audit trail; participants' do not
(they are anonymous, and their votes are the consultation's data).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, Protocol, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models import (
    Consultation,
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationStatement,
    ConsultationStatus,
    ConsultationTheme,
    ConsultationVote,
    Sector,
    State,
    StatementStatus,
    User,
    WorkingGroup,
    token_digest,
    utcnow,
)
from models.consultation import AGE_RANGES, GENDERS, Vote, statement_key

from ..audit import service as audit
from ..core import outbox
from ..core.db import one_statement_use_case, session, use_case
from ..core.errors import DomainError, EditConflict
from ..core.links import external_url
from ..core.privacy_notice import CURRENT_VERSION
from . import analysis

#: The audit trail's target type of every event of a consultation.
TARGET = "consultation"
#: A participant may have this many proposals waiting for moderation at once.
MAX_PENDING_PROPOSALS = 3
#: Near-duplicate threshold: TF-IDF cosine similarity (analysis.near_duplicates).
SIMILARITY_THRESHOLD = 0.8

#: The folded text of a statement (duplicates are found by it).
fold = statement_key


def bump(consultation: Consultation) -> None:
    """A change the figures depend on (besides votes): part of the analysis cache's key.
    An UPDATE statement, so the edit form's optimistic lock (`version`) is untouched."""
    session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id)
        .values(data_version=Consultation.data_version + 1)
        .execution_options(synchronize_session=False)
    )


# --- coordinators: the consultation ----------------------------------------------------------


@dataclass
class ConsultationData:
    title: str
    introduction: str
    opens_on: date
    closes_on: date
    status: ConsultationStatus
    slug: str | None = None


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slug_of(title: str) -> str:
    """A readable address from a title: "Consulta Nacional IA2030" → consulta-nacional-ia2030."""
    return "-".join(fold(title).replace("_", " ").split())[:80].strip("-") or "consulta"


def _check_dates(data: ConsultationData) -> None:
    if data.closes_on < data.opens_on:
        raise DomainError(_l("The closing date cannot be before the opening date."), "closes_on")


@use_case
def create_consultation(data: ConsultationData, by: User) -> Consultation:
    _check_dates(data)
    slug = data.slug or slug_of(data.title)
    if not _SLUG.match(slug):
        raise DomainError(
            _l("Use lowercase letters, digits and hyphens only (as in ia-2027)."), "slug"
        )
    if session.scalar(select(Consultation.id).where(Consultation.slug == slug)) is not None:
        raise DomainError(_l("Another consultation already has this address."), "slug")
    consultation = Consultation(
        slug=slug,
        title=data.title,
        introduction=data.introduction,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        status=data.status,
        created_by=by,
    )
    session.add(consultation)
    session.flush()
    audit.record(by, "consultation.create", TARGET, consultation.id, title=data.title)
    return consultation


@use_case
def update_consultation(
    consultation: Consultation, data: ConsultationData, by: User, expected_version: int | None
) -> Consultation:
    if expected_version is not None and expected_version != consultation.version:
        raise EditConflict(consultation, None, consultation.updated_at)
    _check_dates(data)
    changes = {
        name: (getattr(consultation, name), getattr(data, name))
        for name in ("title", "introduction", "opens_on", "closes_on", "status")
        if getattr(consultation, name) != getattr(data, name)
    }
    for name, (_before, after) in changes.items():
        setattr(consultation, name, after)
    session.flush()
    # The introduction's text is long: the trail says it changed, not what it became.
    recorded = {k: [v[0], v[1]] for k, v in changes.items()}
    if "introduction" in recorded:
        recorded["introduction"] = ["…", "…"]
    if changes:
        audit.record(by, "consultation.update", TARGET, consultation.id, changes=recorded)
    return consultation


# --- coordinators: statements and questions --------------------------------------------------


@cache
def _approved_texts_query() -> Any:
    """`approved_texts`' statement, built once (bound per call)."""
    return (
        select(
            ConsultationStatement.id, ConsultationStatement.text_es, ConsultationStatement.text_key
        )
        .where(
            ConsultationStatement.consultation_id == bindparam("consultation_id"),
            ConsultationStatement.status == StatementStatus.APPROVED,
        )
        .order_by(ConsultationStatement.id)
    )


def approved_texts(consultation: Consultation, excluding: int | None = None) -> list[Any]:
    """Rows (id, text_es, text_key) of the consultation's approved statements, by id."""
    rows = session.execute(_approved_texts_query(), {"consultation_id": consultation.id}).all()
    return [row for row in rows if row.id != excluding]


def similar_statements(
    consultation: Consultation, text: str, excluding: int | None = None
) -> list[tuple[ConsultationStatement, float]]:
    """Approved statements alike to `text`: the same folded text (similarity 1), or a TF-IDF
    cosine of at least SIMILARITY_THRESHOLD."""
    return similar_statements_to_each(consultation, [text], excluding)[0]


def similar_statements_to_each(
    consultation: Consultation, texts: Sequence[str], excluding: int | None = None
) -> list[list[tuple[ConsultationStatement, float]]]:
    """`similar_statements` of each text, in two statements whatever their number."""
    found_for_each = alike_each(texts, approved_texts(consultation, excluding))
    wanted = {row.id for found in found_for_each for row, _score in found}
    statements = (
        {
            s.id: s
            for s in session.scalars(
                select(ConsultationStatement).where(ConsultationStatement.id.in_(wanted))
            )
        }
        if wanted
        else {}
    )
    return [[(statements[row.id], score) for row, score in found] for found in found_for_each]


def alike_each(texts: Sequence[str], approved: Sequence[Any]) -> list[list[tuple[Any, float]]]:
    """Of each text, the `approved` rows (`approved_texts`) alike to it, the most alike
    first: the same folded text (1), or a TF-IDF cosine of at least SIMILARITY_THRESHOLD.
    No statement (the moderation page asks it of every pending statement)."""
    by_key: dict[str, list[int]] = {}
    for index, row in enumerate(approved):  # the folded text kept with each statement
        by_key.setdefault(row.text_key, []).append(index)
    near = _near_duplicates(tuple(texts), tuple(row.text_es for row in approved))
    result = []
    for proposed, alike in zip(texts, near, strict=True):
        found: dict[int, float] = dict.fromkeys(by_key.get(fold(proposed), []), 1.0)
        for index, score in alike:
            found.setdefault(index, score)
        result.append(
            sorted(
                ((approved[index], score) for index, score in found.items()),
                key=lambda p: (-p[1], p[0].id),
            )
        )
    return result


@lru_cache(maxsize=32)
def _near_duplicates(
    texts: tuple[str, ...], others: tuple[str, ...]
) -> tuple[tuple[tuple[int, float], ...], ...]:
    """`analysis.near_duplicates_of_each`, kept for the last texts asked (a pure function of
    them: the moderation page asks the same until a statement is proposed or moderated)."""
    return tuple(
        tuple((int(index), float(score)) for index, score in alike)
        for alike in analysis.near_duplicates_of_each(texts, others, SIMILARITY_THRESHOLD)
    )


def _check_group(group_id: int | None) -> WorkingGroup | None:
    if group_id is None:
        return None
    group = session.get(WorkingGroup, group_id)
    if group is None:
        raise DomainError(_l("Choose one of the working groups."), "group_id")
    return group


def _refuse_duplicates(
    consultation: Consultation, text: str, allow_similar: bool, excluding: int | None = None
) -> None:
    similar = similar_statements(consultation, text, excluding)
    if any(score >= 1.0 and fold(s.text_es) == fold(text) for s, score in similar):
        twin = next(s for s, _score in similar if fold(s.text_es) == fold(text))
        raise DomainError(
            _l("This statement already exists: “%(text)s”.", text=twin.text_es), "text_es"
        )
    if similar and not allow_similar:
        raise DomainError(
            _l(
                "A very similar statement exists: “%(text)s” (%(percent)s%% alike). Reword it, "
                "or tick “Add it anyway”.",
                text=similar[0][0].text_es,
                percent=round(similar[0][1] * 100),
            ),
            "text_es",
        )


@use_case
def add_statement(
    consultation: Consultation,
    *,
    text_es: str,
    text_en: str | None,
    group_id: int | None,
    by: User,
    allow_similar: bool = False,
) -> ConsultationStatement:
    group = _check_group(group_id)
    _refuse_duplicates(consultation, text_es, allow_similar)
    statement = ConsultationStatement(
        consultation=consultation,
        text_es=text_es,
        text_en=text_en or None,
        text_key=fold(text_es),
        group=group,
        status=StatementStatus.APPROVED,
        moderated_by_id=by.id,
        moderated_at=utcnow(),
    )
    session.add(statement)
    session.flush()
    bump(consultation)
    audit.record(by, "consultation.statement", TARGET, consultation.id, statement=text_es)
    return statement


@use_case
def edit_statement(
    statement: ConsultationStatement,
    *,
    text_es: str,
    text_en: str | None,
    group_id: int | None,
    by: User,
) -> ConsultationStatement:
    """Correct a statement's wording or English, or assign it to a working group."""
    group = _check_group(group_id)
    if fold(text_es) != statement.text_key:
        _refuse_duplicates(statement.consultation, text_es, True, excluding=statement.id)
    before = statement.text_es
    statement.text_es = text_es
    statement.text_key = fold(text_es)
    statement.text_en = text_en or None
    statement.group = group
    session.flush()
    bump(statement.consultation)
    audit.record(
        by,
        "consultation.statement_edit",
        TARGET,
        statement.consultation_id,
        before=before,
        statement=text_es,
        group=group.slug if group else None,
    )
    return statement


@use_case
def moderate(
    statement: ConsultationStatement,
    *,
    approve: bool,
    by: User,
    duplicate_of: ConsultationStatement | None = None,
) -> ConsultationStatement:
    """Approve a proposed statement (it is shown to participants) or reject it (as a duplicate
    of another, or for another reason)."""
    if statement.status != StatementStatus.PENDING:
        raise DomainError(_l("This statement was already moderated."))
    if approve and session.scalar(
        select(func.count()).where(
            ConsultationStatement.consultation_id == statement.consultation_id,
            ConsultationStatement.status == StatementStatus.APPROVED,
            ConsultationStatement.text_key == statement.text_key,
        )
    ):
        raise DomainError(_l("The same statement was approved meanwhile: reject this one."))
    if duplicate_of is not None and duplicate_of.consultation_id != statement.consultation_id:
        raise DomainError(_l("Choose a statement of this consultation."), "duplicate_of")
    statement.status = StatementStatus.APPROVED if approve else StatementStatus.REJECTED
    statement.duplicate_of = None if approve else duplicate_of
    statement.moderated_by_id = by.id
    statement.moderated_at = utcnow()
    session.flush()
    bump(statement.consultation)
    audit.record(
        by,
        "consultation.approve" if approve else "consultation.reject",
        TARGET,
        statement.consultation_id,
        statement=statement.text_es,
        duplicate_of=duplicate_of.text_es if duplicate_of else None,
    )
    return statement


@use_case
def add_question(
    consultation: Consultation, *, text_es: str, text_en: str | None, by: User
) -> ConsultationQuestion:
    position = (
        session.scalar(
            select(func.max(ConsultationQuestion.position)).where(
                ConsultationQuestion.consultation_id == consultation.id
            )
        )
        or 0
    )
    question = ConsultationQuestion(
        consultation=consultation, text_es=text_es, text_en=text_en or None, position=position + 1
    )
    session.add(question)
    session.flush()
    audit.record(by, "consultation.question", TARGET, consultation.id, question=text_es)
    return question


@use_case
def flag_participant(
    participant: ConsultationParticipant, *, flagged: bool, reason: str, by: User
) -> ConsultationParticipant:
    """Flag a participant (their votes leave the figures and are counted apart), or clear it."""
    if flagged:
        if not reason.strip():
            raise DomainError(_l("Say why this participant is flagged."), "reason")
        participant.flagged_at = utcnow()
        participant.flagged_by_id = by.id
        participant.flag_reason = reason
    else:
        participant.flagged_at = None
        participant.flagged_by_id = None
        participant.flag_reason = None
    session.flush()
    consultation = session.get(Consultation, participant.consultation_id)
    assert consultation is not None
    bump(consultation)
    audit.record(
        by,
        "consultation.flag" if flagged else "consultation.unflag",
        TARGET,
        participant.consultation_id,
        participant=participant.id,
        reason=reason or None,
    )
    return participant


# --- coordinators: themes of the open answers ------------------------------------------------


@use_case
def find_themes(question: ConsultationQuestion, *, count: int, by: User) -> list[ConsultationTheme]:
    """Replace the question's themes with those NMF finds in its answers (from flagged
    participants left out), each answer assigned to its theme."""
    rows = (
        session.execute(
            select(ConsultationAnswer)
            .join(ConsultationParticipant)
            .where(
                ConsultationAnswer.question_id == question.id,
                ConsultationParticipant.flagged_at.is_(None),
            )
            .order_by(ConsultationAnswer.id)
        )
        .scalars()
        .all()
    )
    if len(rows) < 2:
        raise DomainError(_l("Themes need at least two answers."), "count")
    found = analysis.themes([a.text for a in rows], count=count)
    session.execute(
        update(ConsultationAnswer)
        .where(ConsultationAnswer.question_id == question.id)
        .values(theme_id=None)
        .execution_options(synchronize_session="fetch")
    )
    for old in session.scalars(
        select(ConsultationTheme).where(ConsultationTheme.question_id == question.id)
    ):
        session.delete(old)
    session.flush()
    themes = []
    for position, terms in enumerate(found.terms):
        theme = ConsultationTheme(
            question=question,
            name=", ".join(terms[:3]) or str(_l("Theme %(number)s", number=position + 1)),
            terms=terms,
            position=position,
        )
        session.add(theme)
        themes.append(theme)
    session.flush()
    for answer, index in zip(rows, found.assignment.tolist(), strict=True):
        answer.theme_id = themes[index].id if index >= 0 else None
    session.flush()
    bump(question.consultation)
    audit.record(by, "consultation.themes", TARGET, question.consultation_id, themes=len(themes))
    return themes


@use_case
def edit_theme(
    theme: ConsultationTheme, *, name: str, group_id: int | None, by: User
) -> ConsultationTheme:
    """Rename a theme or assign it to a working group."""
    if not name.strip():
        raise DomainError(_l("Give the theme a name."), "name")
    group = _check_group(group_id)
    before = theme.name
    theme.name = name
    theme.group = group
    session.flush()
    bump(theme.question.consultation)
    audit.record(
        by,
        "consultation.theme",
        TARGET,
        theme.question.consultation_id,
        before=before,
        theme=name,
        group=group.slug if group else None,
    )
    return theme


@use_case
def merge_themes(theme: ConsultationTheme, into: ConsultationTheme, by: User) -> ConsultationTheme:
    """Move a theme's answers and terms into another theme of the same question."""
    if into.id == theme.id or into.question_id != theme.question_id:
        raise DomainError(_l("Choose another theme of the same question."), "into")
    session.execute(
        update(ConsultationAnswer)
        .where(ConsultationAnswer.theme_id == theme.id)
        .values(theme_id=into.id)
        .execution_options(synchronize_session="fetch")
    )
    into.terms = list(dict.fromkeys([*into.terms, *theme.terms]))
    consultation = theme.question.consultation
    name = theme.name
    session.delete(theme)
    session.flush()
    bump(consultation)
    audit.record(by, "consultation.merge", TARGET, consultation.id, theme=name, into=into.name)
    return into


# --- participants ----------------------------------------------------------------------------


@use_case
def join(consultation: Consultation, *, consent: bool, today: date) -> ConsultationParticipant:
    """A new anonymous participant, who accepted the privacy notice in force."""
    if not consultation.is_open_on(today):
        raise DomainError(_l("This consultation is not open."))
    if not consent:
        raise DomainError(_l("Accept the privacy notice to take part."), "consent")
    participant = ConsultationParticipant(
        consultation_id=consultation.id, consent_version=CURRENT_VERSION, consented_at=utcnow()
    )
    session.add(participant)
    session.flush()
    return participant


def _check_open(consultation: _Votable, today: date) -> None:
    if not consultation.is_open_on(today):
        raise DomainError(_l("This consultation is closed: nothing can be added."))


class _Votable(Protocol):
    """A consultation as a vote needs it: its id and its open-on rule (`queries.Ballot`,
    read in Core by the vote, or the model)."""

    @property
    def id(self) -> int: ...

    def is_open_on(self, day: date) -> bool: ...


@one_statement_use_case
def vote(
    participant_id: int,
    statement_id: int,
    value: Vote,
    *,
    consultation: _Votable,
    today: date,
) -> int:
    """Record (or change) the participant's vote on an approved statement of the
    consultation; the vote's id. One statement: an upsert (INSERT … SELECT … ON CONFLICT DO
    UPDATE) that writes nothing when the statement is not an approved one of the consultation,
    so the check and the write cost one round trip between them (and, atomic by itself, it
    needs no savepoint: `one_statement_use_case`)."""
    _check_open(consultation, today)
    # On the session's connection: a Core statement, spared the ORM session's execution
    # machinery (it loads no object).
    connection = session.connection()
    vote_id = connection.scalar(
        _vote_upsert(connection.dialect.name),
        {
            "consultation_id": consultation.id,
            "participant_id": participant_id,
            "statement_id": statement_id,
            "value": int(value),
            "voted_at": utcnow(),
        },
    )
    if vote_id is None:
        raise DomainError(_l("This statement is not part of the consultation."), "statement")
    return int(vote_id)


@cache
def _vote_upsert(dialect: str) -> Any:
    """The vote's upsert, built once per dialect (ON CONFLICT: SQLite and PostgreSQL)."""
    votes = cast(Table, ConsultationVote.__table__)
    checks = [
        ConsultationStatement.id == bindparam("statement_id"),
        ConsultationStatement.consultation_id == bindparam("consultation_id"),
        ConsultationStatement.status == StatementStatus.APPROVED,
    ]
    if dialect == "postgresql":
        # The vote's commit does not wait for the disk (the trade SQLite's synchronous=NORMAL
        # makes for every write): a crash of the database may lose the last fraction of a
        # second of votes, never corrupt them; the participant votes again. set_config(...,
        # true) is SET LOCAL as a function: inside the upsert, it costs no round trip of its
        # own (the setting is read at the commit; with no approved statement nothing is
        # written, and nothing waits either way).
        checks.append(func.set_config("synchronous_commit", "off", True) == "off")
    chosen = select(
        bindparam("consultation_id", type_=votes.c.consultation_id.type),
        bindparam("participant_id", type_=votes.c.participant_id.type),
        ConsultationStatement.id,
        bindparam("value", type_=votes.c.value.type),
        bindparam("voted_at", type_=votes.c.voted_at.type),
    ).where(*checks)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(votes)
    insert = insert.from_select(
        ["consultation_id", "participant_id", "statement_id", "value", "voted_at"], chosen
    )
    return insert.on_conflict_do_update(
        index_elements=[votes.c.participant_id, votes.c.statement_id],
        set_={"value": insert.excluded.value, "voted_at": insert.excluded.voted_at},
    ).returning(votes.c.id)


@use_case
def propose(
    participant: ConsultationParticipant,
    text: str,
    *,
    consultation: Consultation,
    today: date,
) -> ConsultationStatement:
    """A participant's statement, waiting for moderation. Exact duplicates of a statement
    already shown or waiting are refused; near duplicates are shown to the moderator."""
    _check_open(consultation, today)
    if not fold(text):
        raise DomainError(_l("Write a statement."), "text")
    pending = session.scalar(
        select(func.count()).where(
            ConsultationStatement.proposed_by_id == participant.id,
            ConsultationStatement.status == StatementStatus.PENDING,
        )
    )
    if (pending or 0) >= MAX_PENDING_PROPOSALS:
        raise DomainError(
            _l(
                "You have %(count)s proposals waiting for moderation: wait until they are "
                "reviewed before proposing more.",
                count=MAX_PENDING_PROPOSALS,
            ),
            "text",
        )
    if session.scalar(
        select(func.count()).where(
            ConsultationStatement.consultation_id == consultation.id,
            ConsultationStatement.text_key == fold(text),
            ConsultationStatement.status != StatementStatus.REJECTED,
        )
    ):
        raise DomainError(_l("This statement is already in the consultation."), "text")
    statement = ConsultationStatement(
        consultation_id=consultation.id,
        text_es=text,
        text_key=fold(text),
        status=StatementStatus.PENDING,
        proposed_by_id=participant.id,
    )
    session.add(statement)
    session.flush()
    return statement


@use_case
def answer(
    participant: ConsultationParticipant,
    question: ConsultationQuestion,
    text: str,
    *,
    consultation: Consultation,
    today: date,
) -> ConsultationAnswer:
    _check_open(consultation, today)
    if question.consultation_id != participant.consultation_id:
        raise DomainError(_l("This question is not part of the consultation."))
    existing = session.scalar(
        select(ConsultationAnswer).where(
            ConsultationAnswer.question_id == question.id,
            ConsultationAnswer.participant_id == participant.id,
        )
    )
    if existing is not None:
        existing.text = text
        existing.theme_id = None
        session.flush()
        return existing
    row = ConsultationAnswer(question_id=question.id, participant_id=participant.id, text=text)
    session.add(row)
    session.flush()
    return row


@dataclass
class Profile:
    sector_slug: str | None
    state_code: str | None
    age_range: str | None
    gender: str | None
    consent: bool


@use_case
def save_profile(participant: ConsultationParticipant, profile: Profile) -> None:
    """The optional profile, given with its own consent; without consent it is cleared."""
    if not profile.consent:
        if any((profile.sector_slug, profile.state_code, profile.age_range, profile.gender)):
            raise DomainError(
                _l("Tick the consent to save a profile, or leave every field empty."), "consent"
            )
        participant.sector_slug = participant.state_code = None
        participant.age_range = participant.gender = None
        participant.profile_consented_at = None
        session.flush()
        return
    if profile.sector_slug and session.get(Sector, profile.sector_slug) is None:
        raise DomainError(_l("Choose one of the sectors."), "sector")
    if profile.state_code and session.get(State, profile.state_code) is None:
        raise DomainError(_l("Choose one of the states."), "state")
    if profile.age_range and profile.age_range not in AGE_RANGES:
        raise DomainError(_l("Choose one of the age ranges."), "age_range")
    if profile.gender and profile.gender not in GENDERS:
        raise DomainError(_l("Choose one of the options."), "gender")
    participant.sector_slug = profile.sector_slug or None
    participant.state_code = profile.state_code or None
    participant.age_range = profile.age_range or None
    participant.gender = profile.gender or None
    participant.profile_consented_at = utcnow()
    session.flush()


@use_case
def ask_email_confirmation(
    participant: ConsultationParticipant,
    email: str,
    *,
    consultation: Consultation,
    language: str,
) -> None:
    """Send a confirmation link to `email` (through the outbox). An address confirms one
    participant of a consultation (the views limit how often one may ask)."""
    key = email.strip().casefold()
    other = session.scalar(
        select(ConsultationParticipant.id).where(
            ConsultationParticipant.consultation_id == consultation.id,
            ConsultationParticipant.email_key == key,
            ConsultationParticipant.id != participant.id,
        )
    )
    if other is not None:
        raise DomainError(
            _l("This address already confirms another participation in this consultation."),
            "email",
        )
    token = secrets.token_urlsafe(32)
    participant.email = email.strip()
    participant.email_key = key
    participant.email_token_digest = token_digest(token)
    participant.email_verified_at = None
    session.flush()
    link = external_url("consultation.confirm_email", slug=consultation.slug, token=token)
    if language == "en":
        subject = f"Confirm your participation: {consultation.title}"
        body = (
            f"To confirm your participation in “{consultation.title}”, open this link:\n\n"
            f"{link}\n\nIf you did not ask for it, ignore this message."
        )
    else:
        subject = f"Confirme su participación: {consultation.title}"
        body = (
            f"Para confirmar su participación en «{consultation.title}», abra este enlace:\n\n"
            f"{link}\n\nSi usted no lo pidió, ignore este mensaje."
        )
    outbox.queue(participant.email, subject, body)


@use_case
def confirm_email(consultation: Consultation, token: str) -> ConsultationParticipant:
    participant = session.scalar(
        select(ConsultationParticipant).where(
            ConsultationParticipant.consultation_id == consultation.id,
            ConsultationParticipant.email_token_digest == token_digest(token),
        )
    )
    if participant is None:
        raise DomainError(_l("This confirmation link is not valid (or was already used)."))
    participant.email_verified_at = utcnow()
    participant.email_token_digest = None
    session.flush()
    return participant
