"""The consultation's results: the votes loaded as arrays, measured by `analysis`, kept as a
JSON summary per data version in a cache shared by the servers (as the network is,
`network/cache.py`).

Key: ``consultation:<id>:<fingerprint>``, the fingerprint being the consultation's
`data_version` (bumped by moderation, flags, statements) and its votes' last id and last
change: three index look-ups in one statement. ``...:latest`` names the newest complete result.

- A stored result for the current fingerprint: served.
- Otherwise, with fewer votes than ``CONSULTATION_BACKGROUND_THRESHOLD``: computed in the
  request (the seed's 60,000 votes take a fraction of a second).
- Otherwise the computation starts in the background (a thread, or an RQ job with
  ``CONSULTATION_ANALYSIS=rq``) under a lock, and the last result is served with its age.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from flask import Flask, current_app
from sqlalchemy import Connection, Select, bindparam, func, select

from models import (
    Consultation,
    ConsultationParticipant,
    ConsultationStatement,
    ConsultationVote,
    Sector,
    StatementStatus,
)

from ..core.db import get_database
from ..core.stores import MemoryBackend, RedisBackend
from . import analysis

EXTENSION = "consultation_results"
ENTRY_TTL = 7 * 24 * 3600
LOCK_TTL = 15 * 60
#: How many statements each list (consensus, divisive) shows.
TOP = 10
#: How many decoded summaries a process keeps (a few consultations, each at its last
#: fingerprint and the one before).
DECODED_KEPT = 8


def fingerprint(connection: Connection, consultation_id: int) -> str:
    """What the figures depend on, in one statement of three index look-ups: the
    consultation's `data_version`, its last vote's id (a new vote) and its last vote time (a
    new or changed vote: the upsert sets `voted_at`). Votes are never deleted (a participant's
    votes leave the figures by a flag, which bumps `data_version`), so their count, which
    meant reading every vote, said nothing more (issue 17: 14 ms of SQLite per call at the
    seed's 60,000 votes, now a fraction of one)."""
    row = connection.execute(_fingerprint_query(), {"consultation_id": consultation_id}).one()
    return fingerprint_text(row[0], row[1], row[2])


def fingerprint_text(data_version: int | None, last_id: int | None, last_voted: Any) -> str:
    """`fingerprint`'s text from its three values (read otherwise, with another statement)."""
    last = str(last_voted) if last_voted is not None else "-"
    return f"d{data_version}-i{last_id or 0}-{last}"


@cache
def _fingerprint_query() -> Select[Any]:
    """`fingerprint`'s statement, built once (bound per call)."""
    votes = ConsultationVote.__table__.c
    of_consultation = votes.consultation_id == bindparam("consultation_id")
    return select(
        select(Consultation.data_version)
        .where(Consultation.id == bindparam("consultation_id"))
        .scalar_subquery(),
        select(func.max(votes.id)).where(of_consultation).scalar_subquery(),
        select(func.max(votes.voted_at)).where(of_consultation).scalar_subquery(),
    )


def vote_count(connection: Connection, consultation_id: int) -> int:
    """How many votes the consultation has (read only when its figures must be computed)."""
    votes = ConsultationVote.__table__.c
    return int(
        connection.scalar(
            select(func.count()).select_from(ConsultationVote.__table__)
            .where(votes.consultation_id == consultation_id)
        ) or 0
    )  # fmt: skip


@dataclass
class Loaded:
    """The consultation's data as arrays, ready for `analysis`."""

    statements: list[dict[str, Any]]
    participant_ids: np.ndarray
    sectors: np.ndarray
    states: np.ndarray
    flagged: np.ndarray
    verified: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    flagged_votes: int
    sector_slugs: list[str]


def load(connection: Connection, consultation_id: int) -> Loaded:
    """Approved statements, participants and the votes of unflagged participants (four
    statements, whatever the size)."""
    statements = [
        dict(row._mapping)
        for row in connection.execute(
            select(
                ConsultationStatement.id,
                ConsultationStatement.text_es,
                ConsultationStatement.text_en,
                ConsultationStatement.group_id,
            )
            .where(
                ConsultationStatement.consultation_id == consultation_id,
                ConsultationStatement.status == StatementStatus.APPROVED,
            )
            .order_by(ConsultationStatement.id)
        )
    ]
    people = connection.execute(
        select(
            ConsultationParticipant.id,
            ConsultationParticipant.sector_slug,
            ConsultationParticipant.state_code,
            ConsultationParticipant.flagged_at.is_not(None),
            ConsultationParticipant.email_verified_at.is_not(None),
        )
        .where(ConsultationParticipant.consultation_id == consultation_id)
        .order_by(ConsultationParticipant.id)
    ).all()
    ids = np.fromiter((p[0] for p in people), dtype=np.int64, count=len(people))
    flagged = np.fromiter((bool(p[3]) for p in people), dtype=bool, count=len(people))
    raw = _votes(connection, consultation_id)
    row_of = np.searchsorted(ids, raw[:, 0])
    statement_ids = np.array([s["id"] for s in statements], dtype=np.int64)
    col_of = np.searchsorted(statement_ids, raw[:, 1])
    known = (col_of < len(statement_ids)) & (
        statement_ids[np.minimum(col_of, max(len(statement_ids) - 1, 0))] == raw[:, 1]
        if len(statement_ids)
        else np.zeros(len(raw), dtype=bool)
    )
    excluded = flagged[row_of] if len(ids) else np.zeros(len(raw), dtype=bool)
    keep = known & ~excluded
    sector_slugs = list(connection.scalars(select(Sector.slug).order_by(Sector.position)))
    return Loaded(
        statements=statements,
        participant_ids=ids,
        sectors=np.array([p[1] for p in people], dtype=object),
        states=np.array([p[2] for p in people], dtype=object),
        flagged=flagged,
        verified=np.fromiter((bool(p[4]) for p in people), dtype=bool, count=len(people)),
        rows=row_of[keep],
        cols=col_of[keep],
        values=raw[keep, 2],
        flagged_votes=int((known & excluded).sum()),
        sector_slugs=sector_slugs,
    )


def _votes(connection: Connection, consultation_id: int) -> np.ndarray:
    """The consultation's votes as rows of (participant, statement, value): the database
    joins them into one text that numpy parses, which costs a fraction of fetching one row
    per vote (60,000 tuples for the seed took longer than the whole analysis)."""
    votes = ConsultationVote.__table__.c
    triple = func.concat_ws(",", votes.participant_id, votes.statement_id, votes.value)
    if connection.dialect.name == "sqlite":
        triple = votes.participant_id.concat(",").concat(votes.statement_id).concat(",")
        joined = func.group_concat(triple.concat(votes.value), ",")
    else:
        joined = func.string_agg(triple, ",")
    text = connection.scalar(select(joined).where(votes.consultation_id == consultation_id))
    if not text:
        return np.zeros((0, 3), dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",").reshape(-1, 3)


def _figures(part: analysis.Agreement, index: int) -> dict[str, Any]:
    seen = int(part.seen[index])
    return {
        "agree": int(part.agree[index]),
        "disagree": int(part.disagree[index]),
        "pass": int(part.passed[index]),
        "n": seen,
        "share": round(float(part.agree[index]) / seen, 4) if seen else None,
        "disagree_share": round(float(part.disagree[index]) / seen, 4) if seen else None,
    }


def summarise(data: Loaded) -> dict[str, Any]:
    """Every figure of the results page, as plain JSON (each with its `n`)."""
    n_participants = len(data.participant_ids)
    shape = (n_participants, len(data.statements))
    matrix = analysis.vote_matrix(data.rows, data.cols, data.values, shape)
    overall = analysis.agreement(matrix)
    by_sector = analysis.agreement_by(matrix, data.sectors, data.sector_slugs)
    states = sorted({s for s in data.states.tolist() if s})
    by_state = analysis.agreement_by(matrix, data.states, states)
    groups = analysis.opinion_groups(matrix)
    group_parts: list[analysis.Agreement] = []
    repness: list[list[dict[str, Any]]] = []
    if groups is not None:
        by_group = analysis.agreement_by(matrix, groups.labels, list(range(groups.k)))
        group_parts = [by_group[g] for g in range(groups.k)]
        repness = [
            [vars(r) for r in chosen]
            for chosen in analysis.representative_statements(matrix, groups.labels, groups.k)
        ]
    sector_parts = [by_sector[s] for s in data.sector_slugs if by_sector[s].n > 0]
    group_consensus = analysis.informed_consensus(group_parts)
    sector_consensus = analysis.informed_consensus(sector_parts)
    divisive = analysis.divisiveness(group_parts)
    statements = []
    for index, statement in enumerate(data.statements):
        statements.append(
            {
                **statement,
                "overall": _figures(overall, index),
                "sectors": {s: _figures(by_sector[s], index) for s in data.sector_slugs},
                "states": {s: _figures(by_state[s], index) for s in states},
                "groups": [_figures(part, index) for part in group_parts],
                "group_consensus": (
                    round(float(group_consensus[index]), 4) if group_parts else None
                ),
                "sector_consensus": (
                    round(float(sector_consensus[index]), 4) if sector_parts else None
                ),
                "divisiveness": round(float(divisive[index]), 5) if group_parts else None,
            }
        )

    def ranked(key: str) -> list[int]:
        present = [i for i, s in enumerate(statements) if s[key] is not None]
        return sorted(present, key=lambda i: (-statements[i][key], i))[:TOP]

    counted = ~data.flagged
    return {
        "participants": int(counted.sum()),
        "voters": overall.n,
        "verified": int((data.verified & counted).sum()),
        "flagged": int(data.flagged.sum()),
        "votes": len(data.values),
        "flagged_votes": data.flagged_votes,
        "statements": statements,
        "sector_n": {s: by_sector[s].n for s in data.sector_slugs},
        "sectors_counted": len(sector_parts),
        "state_n": {s: by_state[s].n for s in states},
        "groups": (
            {
                "k": groups.k,
                "silhouette": round(groups.silhouette, 3),
                "tried": {str(k): round(v, 3) for k, v in groups.tried.items()},
                "n": len(groups.clustered),
                "sizes": groups.sizes,
                "repness": repness,
            }
            if groups is not None
            else None
        ),
        "group_consensus": ranked("group_consensus") if group_parts else [],
        "sector_consensus": ranked("sector_consensus") if sector_parts else [],
        "divisive": ranked("divisiveness") if group_parts else [],
    }


# --- the cache -------------------------------------------------------------------------------


@dataclass
class Result:
    summary: dict[str, Any]
    current: bool
    building: bool = False

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - float(self.summary["built_at"]))


class ResultsCache:
    def __init__(
        self,
        backend: MemoryBackend | RedisBackend,
        *,
        threshold: int,
        schedule: Callable[[ResultsCache, int], None] | None = None,
    ) -> None:
        self.backend = backend
        self.threshold = threshold
        self.schedule = schedule or _thread_schedule
        self.builds = 0
        #: How many times `get` answered with no result or an older one (while one is
        #: computed): what is built from its answers must not be kept as current.
        self.stale_answers = 0
        #: {key: decoded summary} of the last few keys read or built, oldest first.
        self.decoded: dict[str, dict[str, Any]] = {}
        self._decoded_lock = threading.Lock()

    def key(self, consultation_id: int, print_: str) -> str:
        return f"consultation:{consultation_id}:{print_}"

    def _stored(self, key: str) -> dict[str, Any] | None:
        """The summary stored under `key`, decoded once per process: a key names one
        fingerprint, whose figures never change, so the decoded summary is kept (the last
        few) and read-only for every caller (issue 17: decoding it took 8 ms a view)."""
        summary = self.decoded.get(key)
        if summary is not None:
            return summary
        raw = self.backend.get(key)
        if raw is None:
            return None
        return self._remember(key, json.loads(raw))

    def _remember(self, key: str, summary: dict[str, Any]) -> dict[str, Any]:
        with self._decoded_lock:
            self.decoded[key] = summary
            while len(self.decoded) > DECODED_KEPT:
                self.decoded.pop(next(iter(self.decoded)))
        return summary

    def get(self, consultation_id: int) -> Result | None:
        """The current result, or the last complete one while a new one is computed (None:
        nothing computed yet and the computation has just started)."""
        connection = get_database().session.connection()
        current = fingerprint(connection, consultation_id)
        summary = self._stored(self.key(consultation_id, current))
        if summary is not None:
            return Result(summary, current=True)
        if vote_count(connection, consultation_id) < self.threshold:
            return Result(self.build(consultation_id, current), current=True)
        self.stale_answers += 1
        self.start(consultation_id)
        pointer = self.backend.get(f"consultation:{consultation_id}:latest")
        latest = self._stored(pointer.decode()) if pointer else None
        return None if latest is None else Result(latest, current=False, building=True)

    def build(self, consultation_id: int, print_: str | None = None) -> dict[str, Any]:
        connection = get_database().session.connection()
        print_ = print_ or fingerprint(connection, consultation_id)
        started = time.perf_counter()
        summary = summarise(load(connection, consultation_id))
        summary.update(
            built_at=time.time(),
            seconds=round(time.perf_counter() - started, 3),
            fingerprint=print_,
        )
        key = self.key(consultation_id, print_)
        encoded = json.dumps(summary)
        self.backend.set(key, encoded.encode(), ENTRY_TTL)
        self.backend.set(f"consultation:{consultation_id}:latest", key.encode(), ENTRY_TTL)
        self.builds += 1
        # Kept as a reader of the stored entry gets it (JSON's types).
        return self._remember(key, json.loads(encoded))

    def start(self, consultation_id: int) -> bool:
        if not self.backend.add(f"consultation:{consultation_id}:building", b"1", LOCK_TTL):
            return False
        try:
            self.schedule(self, consultation_id)
        except Exception:
            self.backend.delete(f"consultation:{consultation_id}:building")
            raise
        return True

    def build_now(self, consultation_id: int) -> None:
        """The background job's body."""
        try:
            self.build(consultation_id)
        finally:
            self.backend.delete(f"consultation:{consultation_id}:building")
            get_database().session.remove()


def _thread_schedule(cache: ResultsCache, consultation_id: int) -> None:
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                cache.build_now(consultation_id)
            except Exception:  # logged; the lock is released, the next request retries
                app.logger.exception("Consultation %s analysis failed", consultation_id)

    threading.Thread(target=run, name=f"consultation-{consultation_id}", daemon=True).start()


def _rq_schedule(cache: ResultsCache, consultation_id: int) -> None:
    from rq import Queue

    assert isinstance(cache.backend, RedisBackend)
    Queue("consultation", connection=cache.backend.client).enqueue(
        "coalition_app.consultation.results.analysis_job",
        consultation_id,
        job_timeout=LOCK_TTL,
        result_ttl=0,
    )


_worker_app: Flask | None = None


def analysis_job(consultation_id: int) -> None:
    """RQ job (`rq worker consultation --url $REDIS_URL` with the app's environment)."""
    global _worker_app
    if _worker_app is None:
        from coalition_app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        get_cache(_worker_app).build_now(consultation_id)


def init_app(app: Flask) -> ResultsCache:
    url = app.config.get("NETWORK_CACHE_URL")
    backend: MemoryBackend | RedisBackend = RedisBackend(url) if url else MemoryBackend()
    mode = app.config.get("CONSULTATION_ANALYSIS", "thread")
    if mode == "rq" and not url:
        raise RuntimeError("CONSULTATION_ANALYSIS=rq needs NETWORK_CACHE_URL or REDIS_URL.")
    cache = ResultsCache(
        backend,
        threshold=int(app.config.get("CONSULTATION_BACKGROUND_THRESHOLD", 200_000)),
        schedule=_rq_schedule if mode == "rq" else _thread_schedule,
    )
    app.extensions[EXTENSION] = cache
    return cache


def get_cache(app: Flask | None = None) -> ResultsCache:
    app = app or current_app
    cache = app.extensions.get(EXTENSION)
    return cache if cache is not None else init_app(app)
