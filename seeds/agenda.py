"""The demo agenda (seeds/data/agenda.yaml): initiatives, a position and recommendations,
all illustrative (basis demo). Loaded once: only while there is no recommendation and no
position, so a later run writes nothing and reads once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import (
    Basis,
    Chamber,
    ConsultationStatement,
    Deliverable,
    EvidenceKind,
    Initiative,
    Position,
    PositionKind,
    PositionStatus,
    PositionVersion,
    Recommendation,
    RecommendationEvidence,
    RecommendationStatus,
    RecommendationVersion,
    User,
    WorkingGroup,
)


def _moment(today: date, days_ago: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(17, 0), tzinfo=UTC)


def load_agenda(
    session: Session,
    path: Path,
    groups: dict[str, WorkingGroup],
    users: dict[str, User],
    today: date,
) -> None:
    already = select(exists(select(Recommendation.id)) | exists(select(Position.id)))
    if not path.exists() or session.scalar(already):
        return
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    initiatives = {}
    for row in data.get("initiatives", []):
        initiatives[row["key"]] = Initiative(
            chamber=Chamber(row["chamber"]),
            state_code=row.get("state"),
            number=row.get("number", ""),
            title=row["title"],
            status=row.get("status", ""),
            presented_on=today - timedelta(days=row["presented_days_ago"]),
            basis=Basis.DEMO,
        )
        session.add(initiatives[row["key"]])
    for row in data.get("positions", []):
        published = _moment(today, row["published_days_ago"])
        position = Position(
            kind=PositionKind(row["kind"]),
            title=row["title"],
            text=row["text"],
            status=PositionStatus(row["status"]),
            published_at=published if row["status"] != "draft" else None,
            created_at=published,
            initiatives=[initiatives[k] for k in row.get("initiatives", [])],
            created_by_id=users["coordinator@example.org"].id,
            basis=Basis.DEMO,
        )
        position.versions.append(
            PositionVersion(
                number=1,
                kind=position.kind,
                title=position.title,
                text=position.text,
                author_id=position.created_by_id,
                created_at=published,
            )
        )
        session.add(position)
    coordinator = users["coordinator@example.org"]
    for row in data.get("recommendations", []):
        group = groups[row["group"]]
        author = users[row["author"]]
        status = RecommendationStatus(row["status"])
        created = _moment(today, row.get("adopted_days_ago", 10) + 40)
        rec = Recommendation(
            group=group,
            title=row["title"],
            text=row["text"],
            rationale=row.get("rationale", ""),
            status=status,
            created_by_id=author.id,
            created_at=created,
            updated_by_id=author.id,
            updated_at=created,
            basis=Basis.DEMO,
        )
        if status == RecommendationStatus.ADOPTED:
            adopted = _moment(today, row["adopted_days_ago"])
            rec.approved_by_id, rec.approved_at = users["chair@example.org"].id, adopted
            rec.adopted_by_id, rec.adopted_at = coordinator.id, adopted
        session.add(rec)
        session.add(
            RecommendationVersion(
                recommendation=rec,
                number=1,
                title=rec.title,
                text=rec.text,
                rationale=rec.rationale,
                reason="created",
                author_id=author.id,
                created_at=created,
            )
        )
        for title in row.get("evidence", []):
            deliverable = session.scalar(
                select(Deliverable).where(
                    Deliverable.group_id == group.id, Deliverable.title == title
                )
            )
            if deliverable is not None:
                rec.evidence.append(
                    RecommendationEvidence(kind=EvidenceKind.DELIVERABLE, ref_id=deliverable.id)
                )
    session.flush()


def cite_consultation(session: Session, path: Path) -> None:
    """The demo recommendations' consultation evidence (`statements:` in agenda.yaml, by their
    Spanish text), once the consultation is seeded: only while no recommendation cites a
    statement, so a second run writes nothing and reads once."""
    already = select(
        exists().where(RecommendationEvidence.kind == EvidenceKind.CONSULTATION_STATEMENT)
    )
    if not path.exists() or session.scalar(already):
        return
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for row in data.get("recommendations", []):
        texts = row.get("statements", [])
        if not texts:
            continue
        rec = session.scalar(
            select(Recommendation).where(
                Recommendation.title == row["title"], Recommendation.basis == Basis.DEMO
            )
        )
        if rec is None:
            continue
        cited = {(e.kind, e.ref_id) for e in rec.evidence}
        for statement_id in session.scalars(
            select(ConsultationStatement.id)
            .where(ConsultationStatement.text_es.in_(texts))
            .order_by(ConsultationStatement.id)
        ):
            if (EvidenceKind.CONSULTATION_STATEMENT, statement_id) not in cited:
                rec.evidence.append(
                    RecommendationEvidence(
                        kind=EvidenceKind.CONSULTATION_STATEMENT, ref_id=statement_id
                    )
                )
    session.flush()
