"""Use cases of the agenda. Each checks the rules, changes objects, records the audit event and
flushes; the request commits. The caller has already asked the policy (`policy.py`)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (
    RECOMMENDATION_FLOW,
    AgendaEdition,
    Amendment,
    AmendmentStatus,
    Answer,
    AuthorisedEndorser,
    Chamber,
    Deliverable,
    Endorsement,
    EndorsementChange,
    EvidenceKind,
    Initiative,
    Institution,
    Meeting,
    Position,
    PositionKind,
    PositionStatus,
    PositionVersion,
    Recommendation,
    RecommendationEvidence,
    RecommendationStatus,
    RecommendationVersion,
    State,
    User,
    WorkingGroup,
    utcnow,
)

from ..audit import service as audit
from ..consultation import queries as consultation_queries
from ..core import clock
from ..core.db import session, use_case
from ..core.errors import DomainError, EditConflict
from . import queries

S = RecommendationStatus


def _check_version(
    subject: Recommendation | Position, expected: int | None, by: User | None
) -> None:
    if expected is not None and expected != subject.version:
        raise EditConflict(subject, None, getattr(subject, "updated_at", None))


def _required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_l("This field is required."), field=field)
    return value


# --- recommendations ---------------------------------------------------------------------------


def _new_version(
    rec: Recommendation, by: User, reason: str, amendment: Amendment | None = None
) -> RecommendationVersion:
    number = (max((v.number for v in rec.versions), default=0)) + 1
    version = RecommendationVersion(
        recommendation=rec,
        number=number,
        title=rec.title,
        text=rec.text,
        rationale=rec.rationale,
        reason=reason,
        amendment_id=amendment.id if amendment else None,
        author_id=by.id,
    )
    session.add(version)
    return version


@use_case
def create_recommendation(
    group: WorkingGroup, by: User, *, title: str, text: str, rationale: str
) -> Recommendation:
    rec = Recommendation(
        group=group,
        title=_required(title, "title"),
        text=_required(text, "text"),
        rationale=(rationale or "").strip(),
        created_by_id=by.id,
        updated_by_id=by.id,
        updated_at=utcnow(),
    )
    session.add(rec)
    _new_version(rec, by, "created")
    session.flush()
    audit.record(by, "recommendation.create", "recommendation", rec.id, title=rec.title)
    return rec


@use_case
def edit_recommendation(
    rec: Recommendation,
    by: User,
    *,
    title: str,
    text: str,
    rationale: str,
    expected_version: int | None,
) -> Recommendation:
    _check_version(rec, expected_version, by)
    if rec.status != S.DRAFT:
        raise DomainError(_l("Only a draft can be edited; in review, propose an amendment."))
    title, text, rationale = _required(title, "title"), _required(text, "text"), rationale.strip()
    if (title, text, rationale) == (rec.title, rec.text, rec.rationale):
        return rec
    rec.title, rec.text, rec.rationale = title, text, rationale
    rec.updated_by_id, rec.updated_at = by.id, utcnow()
    _new_version(rec, by, "edited")
    session.flush()
    audit.record(by, "recommendation.edit", "recommendation", rec.id, title=rec.title)
    return rec


@use_case
def move_recommendation(
    rec: Recommendation, target: RecommendationStatus, by: User, expected_version: int | None
) -> Recommendation:
    """Send to review, back to draft, approve (one chair), or adopt (a coordinator)."""
    _check_version(rec, expected_version, by)
    if target not in RECOMMENDATION_FLOW[rec.status]:
        raise DomainError(_l("This recommendation cannot make that move now."), field="status")
    if target == S.APPROVED and any(a.status == AmendmentStatus.OPEN for a in rec.amendments):
        raise DomainError(
            _l("Accept or reject every open amendment before approving."), field="status"
        )
    before = rec.status
    rec.status = target
    now = utcnow()
    if target == S.APPROVED:
        rec.approved_by_id, rec.approved_at = by.id, now
    elif target == S.ADOPTED:
        rec.adopted_by_id, rec.adopted_at = by.id, now
    elif before == S.APPROVED:
        rec.approved_by_id, rec.approved_at = None, None
    rec.updated_by_id, rec.updated_at = by.id, now
    session.flush()
    audit.record(
        by,
        "recommendation.status",
        "recommendation",
        rec.id,
        title=rec.title,
        before=before.value,
        after=target.value,
    )
    return rec


@use_case
def add_evidence(
    rec: Recommendation, kind: EvidenceKind, ref_id: int, by: User
) -> RecommendationEvidence:
    if rec.status == S.ADOPTED:
        raise DomainError(_l("An adopted recommendation's evidence is final."), field="ref")
    if kind == EvidenceKind.DELIVERABLE:
        found = session.get(Deliverable, ref_id)
        ok = found is not None and found.group_id == rec.group_id and found.archived_at is None
    elif kind == EvidenceKind.MEETING:
        meeting = session.get(Meeting, ref_id)
        ok = meeting is not None and meeting.group_id in (rec.group_id, None)
    else:
        # A statement (approved) or a theme of a consultation that has opened, of any group.
        kind_name = "statement" if kind == EvidenceKind.CONSULTATION_STATEMENT else "theme"
        if not consultation_queries.is_citable(session, kind_name, ref_id):
            raise DomainError(
                _l("Choose a statement or a theme of a consultation that has opened."),
                field="ref",
            )
        ok = True
    if not ok:
        raise DomainError(_l("Choose a deliverable or a meeting of this group."), field="ref")
    if any(e.kind == kind and e.ref_id == ref_id for e in rec.evidence):
        raise DomainError(_l("This recommendation already cites it."), field="ref")
    evidence = RecommendationEvidence(kind=kind, ref_id=ref_id, added_by_id=by.id)
    rec.evidence.append(evidence)
    session.flush()
    audit.record(
        by, "recommendation.evidence", "recommendation", rec.id, title=rec.title, removed=False
    )
    return evidence


@use_case
def remove_evidence(evidence: RecommendationEvidence, by: User) -> None:
    rec = evidence.recommendation
    if rec.status == S.ADOPTED:
        raise DomainError(_l("An adopted recommendation's evidence is final."))
    rec.evidence.remove(evidence)
    session.flush()
    audit.record(
        by, "recommendation.evidence", "recommendation", rec.id, title=rec.title, removed=True
    )


@use_case
def propose_amendment(rec: Recommendation, by: User, proposed_text: str, note: str) -> Amendment:
    proposed = _required(proposed_text, "proposed_text")
    if proposed == rec.text:
        raise DomainError(
            _l("The proposed text is the same as the current one."), field="proposed_text"
        )
    amendment = Amendment(
        recommendation=rec,
        author_id=by.id,
        proposed_text=proposed,
        note=(note or "").strip(),
        base_number=max((v.number for v in rec.versions), default=1),
    )
    session.add(amendment)
    session.flush()
    audit.record(
        by, "amendment.propose", "recommendation", rec.id, title=rec.title, amendment=amendment.id
    )
    return amendment


@use_case
def decide_amendment(amendment: Amendment, by: User, accept: bool, reason: str) -> Amendment:
    """A chair accepts (the proposed text becomes a new version) or rejects with a reason."""
    if amendment.status != AmendmentStatus.OPEN:
        raise DomainError(_l("This amendment was already decided."), field="reason")
    rec = amendment.recommendation
    reason = (reason or "").strip()
    if not accept and not reason:
        raise DomainError(_l("Say why the amendment is rejected."), field="reason")
    amendment.status = AmendmentStatus.ACCEPTED if accept else AmendmentStatus.REJECTED
    amendment.decided_by_id, amendment.decided_at = by.id, utcnow()
    amendment.reason = reason or None
    if accept:
        rec.text = amendment.proposed_text
        rec.updated_by_id, rec.updated_at = by.id, utcnow()
        _new_version(rec, by, "amendment", amendment)
    session.flush()
    audit.record(
        by,
        "amendment.decide",
        "recommendation",
        rec.id,
        title=rec.title,
        amendment=amendment.id,
        accepted=accept,
    )
    return amendment


# --- the agenda's editions -----------------------------------------------------------------------


def snapshot_now() -> dict[str, Any]:
    recs = queries.adopted_recommendations()
    evidence = queries.evidence_items(recs)
    tallies = queries.tallies(recommendations=recs)
    return {
        "recommendations": [
            {
                "id": r.id,
                "group_es": r.group.name_es,
                "group_en": r.group.name_en,
                "title": r.title,
                "text": r.text,
                "rationale": r.rationale,
                "version": max((v.number for v in r.versions), default=1),
                "adopted_on": r.adopted_at.date().isoformat() if r.adopted_at else None,
                "evidence": [
                    {
                        "kind": item.kind.value,
                        "ref_id": item.ref_id,
                        "title": item.title,
                        "title_en": item.title_en,
                        "figures": [[k, str(v)] for k, v in item.figures],
                    }
                    for item in evidence[r.id]
                ],
                "endorsers": [i.name for i in tallies[("recommendation", r.id)].endorsers],
                "voz_unica": tallies[("recommendation", r.id)].voz_unica,
            }
            for r in recs
        ]
    }


@use_case
def publish_edition(by: User, note: str) -> AgendaEdition:
    snapshot = snapshot_now()
    if not snapshot["recommendations"]:
        raise DomainError(
            _l("Adopt at least one recommendation before publishing the agenda."), field="note"
        )
    number = (session.scalar(select(func.max(AgendaEdition.number))) or 0) + 1
    edition = AgendaEdition(
        number=number,
        published_on=clock.today(),
        published_by_id=by.id,
        note=(note or "").strip(),
        snapshot=snapshot,
    )
    session.add(edition)
    session.flush()
    audit.record(by, "agenda.publish", "agenda_edition", edition.id, number=number)
    return edition


# --- initiatives and positions -----------------------------------------------------------------


def _initiative_fields(data: dict[str, Any]) -> dict[str, Any]:
    chamber = Chamber(data["chamber"])
    state_code = data.get("state_code") or None
    if chamber == Chamber.STATE_CONGRESS:
        if state_code is None or session.get(State, state_code) is None:
            raise DomainError(
                _l("Choose the federal entity of the state congress."), field="state_code"
            )
    else:
        state_code = None
    return {
        "chamber": chamber,
        "state_code": state_code,
        "number": (data.get("number") or "").strip(),
        "title": _required(data.get("title") or "", "title"),
        "status": (data.get("status") or "").strip(),
        "presented_on": data.get("presented_on"),
        "url": (data.get("url") or "").strip() or None,
    }


@use_case
def save_initiative(initiative: Initiative | None, data: dict[str, Any], by: User) -> Initiative:
    fields = _initiative_fields(data)
    if initiative is None:
        initiative = Initiative(**fields)
        session.add(initiative)
        created = True
    else:
        for key, value in fields.items():
            setattr(initiative, key, value)
        created = False
    session.flush()
    audit.record(
        by, "initiative.save", "initiative", initiative.id, title=initiative.title, created=created
    )
    return initiative


def _linked(initiative_ids: list[int]) -> list[Initiative]:
    if not initiative_ids:
        return []
    found = list(session.scalars(select(Initiative).where(Initiative.id.in_(initiative_ids))))
    if len(found) != len(set(initiative_ids)):
        raise DomainError(_l("Choose initiatives from the list."), field="initiative_ids")
    return found


@use_case
def save_position(
    position: Position | None,
    by: User,
    *,
    kind: PositionKind,
    title: str,
    text: str,
    initiative_ids: list[int],
    expected_version: int | None = None,
) -> Position:
    title, text = _required(title, "title"), _required(text, "text")
    initiatives = _linked(initiative_ids)
    if position is None:
        position = Position(kind=kind, title=title, text=text, created_by_id=by.id)
        session.add(position)
        created = changed = True
    else:
        _check_version(position, expected_version, by)
        if position.status == PositionStatus.CLOSED:
            raise DomainError(_l("A closed position is final."), field="text")
        changed = (kind, title, text) != (position.kind, position.title, position.text)
        position.kind, position.title, position.text = kind, title, text
        created = False
    position.initiatives = initiatives
    if changed:
        # Every wording kept and dated: institutions may have answered an earlier one.
        number = max((v.number for v in position.versions), default=0) + 1
        position.versions.append(
            PositionVersion(number=number, kind=kind, title=title, text=text, author_id=by.id)
        )
    session.flush()
    audit.record(
        by, "position.save", "position", position.id, title=position.title, created=created
    )
    return position


POSITION_MOVES = {
    PositionStatus.DRAFT: {PositionStatus.OPEN},
    PositionStatus.OPEN: {PositionStatus.CLOSED},
    PositionStatus.CLOSED: {PositionStatus.OPEN},
}


@use_case
def move_position(position: Position, target: PositionStatus, by: User) -> Position:
    """Publish (open to endorsement), close (answers frozen) or reopen."""
    if target not in POSITION_MOVES[position.status]:
        raise DomainError(_l("This position cannot make that move now."), field="status")
    before = position.status
    position.status = target
    if target == PositionStatus.OPEN and position.published_at is None:
        position.published_at = utcnow()
    position.closed_at = utcnow() if target == PositionStatus.CLOSED else None
    session.flush()
    audit.record(
        by,
        "position.status",
        "position",
        position.id,
        title=position.title,
        before=before.value,
        after=target.value,
    )
    return position


# --- endorsement ---------------------------------------------------------------------------


@use_case
def answer(
    subject: Position | Recommendation,
    institution: Institution,
    by: User,
    choice: Answer,
    note: str,
) -> Endorsement:
    """The institution's answer (one per institution and subject, changeable while open; every
    answer given is kept)."""
    note = (note or "").strip()
    endorsement = queries.answer_of(institution, subject)
    now = utcnow()
    if endorsement is None:
        endorsement = Endorsement(
            position_id=subject.id if isinstance(subject, Position) else None,
            recommendation_id=subject.id if isinstance(subject, Recommendation) else None,
            institution=institution,
            answer=choice,
            note=note,
            answered_by_id=by.id,
            answered_at=now,
        )
        session.add(endorsement)
    elif (endorsement.answer, endorsement.note) == (choice, note):
        return endorsement
    else:
        endorsement.answer, endorsement.note = choice, note
        endorsement.answered_by_id, endorsement.answered_at = by.id, now
    session.add(
        EndorsementChange(
            endorsement=endorsement, answer=choice, note=note, answered_by_id=by.id, answered_at=now
        )
    )
    session.flush()
    audit.record(
        by,
        "endorsement.answer",
        "position" if isinstance(subject, Position) else "recommendation",
        subject.id,
        title=subject.title,
        institution_id=institution.id,
        answer=choice.value,
    )
    return endorsement


@use_case
def authorise_endorser(
    institution: Institution, person_id: int | None, by: User
) -> AuthorisedEndorser:
    person = session.get(User, person_id) if person_id else None
    if person is None or not person.is_active or person.institution_id != institution.id:
        raise DomainError(_l("Choose an active person of this institution."), field="person_id")
    if person.id == institution.focal_point_id:
        raise DomainError(
            _l("The focal point already answers for the institution."), field="person_id"
        )
    if any(e.person_id == person.id for e in queries.endorsers_of(institution)):
        raise DomainError(_l("This person is already authorised."), field="person_id")
    grant = AuthorisedEndorser(
        institution_id=institution.id, person_id=person.id, granted_by_id=by.id
    )
    session.add(grant)
    session.flush()
    audit.record(
        by, "endorser.change", "institution", institution.id, person_id=person.id, granted=True
    )
    return grant


@use_case
def revoke_endorser(grant: AuthorisedEndorser, by: User) -> None:
    if grant.revoked_at is not None:
        return
    grant.revoked_at, grant.revoked_by_id = utcnow(), by.id
    session.flush()
    audit.record(
        by,
        "endorser.change",
        "institution",
        grant.institution_id,
        person_id=grant.person_id,
        granted=False,
    )
