"""The demo consultation "Consulta Nacional IA2030": statements and open answers from
`data/consultation.yaml`, participants and votes generated with a fixed random seed.

Votes carry realistic disagreement between sectors: each statement has a stance (how likely
each sector is to agree) and a camp (innovation first, precaution first, or neither), and
each participant a sector and a camp (industry leans to innovation, civil society to
precaution). Loaded with bulk inserts (about 60,000 votes in well under a second on SQLite);
once loaded, loading again changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from models import (
    Basis,
    Consultation,
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationStatement,
    ConsultationStatus,
    ConsultationVote,
    State,
    StatementStatus,
    WorkingGroup,
)
from models.consultation import statement_key

DATA = Path(__file__).resolve().parent / "data" / "consultation.yaml"
SEED = 2030
PARTICIPANTS = 1600
SECTORS = ("government", "industry", "civil_society", "academia", "international_cooperation")
SECTOR_SHARES = (0.15, 0.2, 0.25, 0.3, 0.1)
#: Probability that a participant of each sector (in SECTORS' order) agrees.
STANCES = {
    "consensus": (0.85, 0.8, 0.85, 0.85, 0.85),
    "regulation": (0.7, 0.25, 0.85, 0.7, 0.75),
    "rights": (0.6, 0.35, 0.9, 0.75, 0.8),
    "market": (0.45, 0.9, 0.25, 0.4, 0.5),
    "research": (0.55, 0.6, 0.6, 0.92, 0.7),
    "government": (0.9, 0.55, 0.5, 0.6, 0.65),
}
#: Share of each sector in the "innovation first" camp (the rest: "precaution first").
INNOVATION_SHARE = (0.45, 0.75, 0.25, 0.45, 0.45)
CAMP_PULL = 0.15
PASS_RATE = 0.1
AGE_RANGES = ("18-29", "30-44", "45-59", "60+")
GENDERS = ("woman", "man", "nonbinary", "undisclosed")


def read() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def generate(
    stances: list[tuple[str, int]], participants: int = PARTICIPANTS, seed: int = SEED
) -> dict[str, np.ndarray]:
    """Participants (sector, camp) and their votes (row, statement index, value), from a
    fixed seed: the same call gives the same arrays."""
    rng = np.random.default_rng(seed)
    sector = rng.choice(len(SECTORS), size=participants, p=SECTOR_SHARES)
    innovation = rng.random(participants) < np.array(INNOVATION_SHARE)[sector]
    camp = np.where(innovation, 1, -1)
    n_statements = len(stances)
    base = np.array([STANCES[name] for name, _camp in stances])  # statements × sectors
    statement_camp = np.array([c for _name, c in stances])
    rows, cols, values = [], [], []
    for person in range(participants):
        seen = int(min(n_statements, max(8, rng.normal(38, 14))))
        chosen = rng.choice(n_statements, size=seen, replace=False)
        p_agree = base[chosen, sector[person]] + CAMP_PULL * statement_camp[chosen] * camp[person]
        p_agree = np.clip(p_agree, 0.03, 0.97)
        draw = rng.random(seen)
        vote = np.where(draw < p_agree, 1, -1)
        vote = np.where(rng.random(seen) < PASS_RATE, 0, vote)
        rows.append(np.full(seen, person))
        cols.append(chosen)
        values.append(vote)
    return {
        "sector": sector,
        "camp": camp,
        "rows": np.concatenate(rows),
        "cols": np.concatenate(cols),
        "values": np.concatenate(values),
    }


def load(session: Session, groups: dict[str, WorkingGroup], today: date) -> int:
    """Load the demo consultation unless it is there; return the votes inserted."""
    data = read()
    if session.scalar(select(Consultation.id).where(Consultation.slug == data["slug"])):
        return 0
    consultation = Consultation(
        slug=data["slug"],
        title=data["title"],
        introduction=data["introduction"],
        opens_on=today - timedelta(days=20),
        closes_on=today + timedelta(days=40),
        status=ConsultationStatus.OPEN,
        basis=Basis.DEMO,
    )
    session.add(consultation)
    session.flush()
    stances: list[tuple[str, int]] = []
    statement_rows = []
    for slug, items in data["statements"].items():
        for stance, camp, text in items:
            stances.append((stance, int(camp)))
            statement_rows.append(
                {
                    "consultation_id": consultation.id,
                    "text_es": text,
                    "text_key": statement_key(text),
                    "group_id": groups[slug].id,
                    "status": StatementStatus.APPROVED,
                }
            )
    statement_ids = list(
        session.scalars(
            insert(ConsultationStatement).returning(
                ConsultationStatement.id, sort_by_parameter_order=True
            ),
            statement_rows,
        )
    )
    generated = generate(stances)
    rng = np.random.default_rng(SEED + 1)
    states = list(session.scalars(select(State.code).order_by(State.code)))
    start = datetime.combine(consultation.opens_on, time(9), tzinfo=UTC)
    people = []
    for person in range(PARTICIPANTS):
        profile = rng.random() < 0.8
        verified = rng.random() < 0.15
        joined = start + timedelta(minutes=int(rng.integers(0, 20 * 24 * 60)))
        people.append(
            {
                "consultation_id": consultation.id,
                "created_at": joined,
                "consent_version": "2026-12-01",
                "consented_at": joined,
                "sector_slug": SECTORS[generated["sector"][person]] if profile else None,
                "state_code": states[int(rng.integers(0, len(states)))] if profile else None,
                "age_range": AGE_RANGES[int(rng.integers(0, 4))] if profile else None,
                "gender": GENDERS[int(rng.integers(0, 4))] if profile else None,
                "profile_consented_at": joined if profile else None,
                "email": f"participante{person + 1}@example.org" if verified else None,
                "email_key": f"participante{person + 1}@example.org" if verified else None,
                "email_verified_at": joined if verified else None,
                "basis": Basis.DEMO,
                "flagged_at": None,
                "flag_reason": None,
            }
        )
    # Five participants who agreed with everything within a minute: flagged by moderators.
    for person in range(5):
        people[person].update(
            flagged_at=start + timedelta(days=2),
            flag_reason="Votó «de acuerdo» en todo en menos de un minuto (demo).",
            sector_slug=None,
        )
    # Core's executemany without RETURNING (the ORM's bulk insert sorting what it returns
    # cost a second per seeded database), then the ids in the order they were given: the
    # consultation is new, so its participants are exactly these rows.
    session.execute(insert(ConsultationParticipant.__table__), people)
    participant_ids = list(
        session.scalars(
            select(ConsultationParticipant.id)
            .where(ConsultationParticipant.consultation_id == consultation.id)
            .order_by(ConsultationParticipant.id)
        )
    )
    values = generated["values"].copy()
    values[np.isin(generated["rows"], range(5))] = 1
    connection = session.connection()
    # The moment as the dialect stores it (SQLite: its text format), for the raw insert.
    process = ConsultationVote.__table__.c.voted_at.type.bind_processor(connection.dialect)
    voted_at = (start + timedelta(days=1)).astimezone(UTC)
    if connection.dialect.name == "sqlite":
        # What SQLite keeps of a moment the ORM writes: the naive UTC text (no offset).
        voted_at = voted_at.replace(tzinfo=None)
    voted_at = process(voted_at) if process else voted_at
    participant_of = np.array(participant_ids, dtype=np.int64)[generated["rows"]]
    statement_of = np.array(statement_ids, dtype=np.int64)[generated["cols"]]
    _insert_votes(connection, consultation.id, participant_of, statement_of, values, voted_at)
    for position, question in enumerate(data["questions"]):
        row = ConsultationQuestion(
            consultation_id=consultation.id,
            text_es=question["text_es"],
            text_en=question.get("text_en"),
            position=position + 1,
        )
        session.add(row)
        session.flush()
        session.execute(
            insert(ConsultationAnswer),
            [
                {
                    "question_id": row.id,
                    "participant_id": participant_ids[10 + index],
                    "text": text,
                }
                for index, text in enumerate(question["answers"])
            ],
        )
    for index, text in enumerate(data.get("proposals", [])):
        session.add(
            ConsultationStatement(
                consultation_id=consultation.id,
                text_es=text,
                text_key=statement_key(text),
                status=StatementStatus.PENDING,
                proposed_by_id=participant_ids[100 + index],
            )
        )
    session.flush()
    return len(values)


def _insert_votes(
    connection: Connection,
    consultation_id: int,
    participants: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    voted_at: Any,
) -> None:
    """All the votes in one statement: the database unpacks them (SQLite from one JSON text
    with json_each, PostgreSQL from arrays with unnest). A row per parameter set, even
    through the driver's own executemany, cost seconds per seeded test database. The votes
    table is not on any cached page (models.versions.NOT_ON_SHARED_PAGES): no data version
    to bump."""
    columns = "consultation_id, participant_id, statement_id, value, voted_at"
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            f"INSERT INTO consultation_votes ({columns}) SELECT %s, p, s, v, %s"
            " FROM unnest(%s::integer[], %s::integer[], %s::smallint[]) AS t (p, s, v)",
            (
                consultation_id,
                voted_at,
                participants.tolist(),
                statements.tolist(),
                values.tolist(),
            ),
        )
        return
    triples = np.column_stack([participants, statements, values]).tolist()
    connection.exec_driver_sql(
        f"INSERT INTO consultation_votes ({columns}) SELECT ?, json_extract(value, '$[0]'),"
        " json_extract(value, '$[1]'), json_extract(value, '$[2]'), ? FROM json_each(?)",
        (consultation_id, voted_at, json.dumps(triples, separators=(",", ":"))),
    )
