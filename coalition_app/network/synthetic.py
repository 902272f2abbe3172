"""A deterministic synthetic coalition, in a separate database, to measure the network at scale.

`flask --app wsgi seed-synthetic --institutions N --ties M --seed S [--database-url URL]`
migrates the target database, refuses one that already holds institutions, and bulk-loads
N institutions (the five sectors in realistic shares, states, join dates since 2018, a few
that left), working groups (each institution in one or two), M distinct ties with
realistic clustering (most inside an institution's community, many closing triangles, a
few at random; a tenth unconfirmed, a few declined, some ended), one person per
institution, some deliverables with people assigned to their tasks, and meetings with
their attendance (by default two meetings and thirty attendances per institution: at
10,000 institutions, 20,000 meetings with 300,000 attendances; most meetings gather one
community, one in ten is an event across the coalition, a few are cancelled or still to
come). The same arguments always produce the same rows.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from models import (
    Deliverable,
    GroupMembership,
    Institution,
    Meeting,
    MeetingAttendance,
    State,
    Task,
    Tie,
    TieKind,
    User,
    WorkingGroup,
)
from models.base import comparison_key, local_now
from models.versions import NETWORK, PAGES, bump

SECTOR_SHARES = {
    "academia": 0.30,
    "industry": 0.30,
    "civil_society": 0.20,
    "government": 0.12,
    "international_cooperation": 0.08,
}
START = date(2018, 6, 1)
#: Spread of the institutions' log-normal activity (see `seed_synthetic`).
ACTIVITY_SIGMA = 0.7
#: Password of the synthetic coordinator (the benchmark signs in with it).
PASSWORD = "synthetic-coalition"
COORDINATOR_EMAIL = "coordinator@synthetic.example.org"


class SyntheticError(Exception):
    pass


def default_database_url(institutions: int, ties: int, seed: int, instance_dir: Path) -> str:
    path = instance_dir / f"synthetic-{institutions}-{ties}-{seed}.sqlite3"
    return f"sqlite:///{path}"


def seed_synthetic(
    session: Session,
    *,
    institutions: int,
    ties: int,
    seed: int,
    password_hash: str | None = None,
    today: date | None = None,
    meetings: int | None = None,
    attendances: int | None = None,
) -> dict[str, int]:
    """Load the synthetic coalition into an empty, migrated database; return row counts."""
    from seeds.loader import _load_reference, read_seed_data

    if institutions < 2:
        raise SyntheticError("at least two institutions are needed")
    if session.scalar(select(func.count()).select_from(Institution)):
        raise SyntheticError("the target database already holds institutions; use an empty one")
    max_ties = institutions * (institutions - 1) // 2
    if ties > max_ties:
        raise SyntheticError(f"{institutions} institutions allow at most {max_ties} ties")
    rng = random.Random(seed)
    today = today or local_now().date()
    span = (today - START).days - 30

    _load_reference(session, read_seed_data(demo=False))  # sectors and states
    session.flush()
    state_codes = sorted(session.scalars(select(State.code)))

    sectors = list(SECTOR_SHARES)
    weights = list(SECTOR_SHARES.values())
    # Communities of about 40 institutions, each leaning to one sector: ties cluster there.
    community_count = max(1, institutions // 40)
    community_sector = [rng.choices(sectors, weights)[0] for _ in range(community_count)]
    rows = []
    community_of: list[int] = []
    joined: list[date] = []
    for i in range(institutions):
        community = rng.randrange(community_count)
        sector = (
            community_sector[community] if rng.random() < 0.6 else rng.choices(sectors, weights)[0]
        )
        day = START + timedelta(days=0 if i < 10 else int(span * rng.random() ** 1.5))
        left = None
        if i >= 10 and rng.random() < 0.02:
            left = day + timedelta(days=rng.randint(90, 900))
            if left >= today:
                left = None
        name = f"Institución sintética {i + 1:05d}"
        rows.append(
            {
                "id": i + 1,
                "name": name,
                "name_key": comparison_key(name),
                "acronym": f"IS{i + 1}",
                "sector_slug": sector,
                "state_code": rng.choice(state_codes),
                "joined_on": day,
                "left_on": left,
                "is_founder": i < 10,
                "basis": "demo",
            }
        )
        community_of.append(community)
        joined.append(day)
    session.execute(insert(Institution), rows)

    group_count = 6 + institutions // 2000
    session.execute(
        insert(WorkingGroup),
        [
            {
                "id": g + 1,
                "slug": f"sintetico-{g + 1}",
                "name_es": f"Grupo sintético {g + 1}",
                "name_en": f"Synthetic group {g + 1}",
                "position": g + 1,
            }
            for g in range(group_count)
        ],
    )
    memberships = []
    for i in range(institutions):
        count = 1 + (rng.random() < 0.25)
        for g in rng.sample(range(group_count), count):
            since = max(joined[i], date(2019, 11, 1))
            memberships.append(
                {
                    "group_id": g + 1,
                    "institution_id": i + 1,
                    "role": "lead" if rng.random() < 0.02 else "member",
                    "since": since,
                    "until": None,
                    "basis": "demo",
                }
            )
    session.execute(insert(GroupMembership), memberships)

    members: list[list[int]] = [[] for _ in range(community_count)]
    for i, community in enumerate(community_of):
        members[community].append(i)
    # Some institutions collaborate far more than others: each draws an activity from a
    # log-normal law, and ties are drawn in proportion to it.  ACTIVITY_SIGMA is set so the
    # spread of degrees (standard deviation of log degree) matches the real coalition's
    # recorded ties (0.66 in seeds/data/ties.csv; 0.67 here at 5,000 institutions).
    activity = [rng.lognormvariate(0.0, ACTIVITY_SIGMA) for _ in range(institutions)]
    everyone = range(institutions)
    everyone_weights = list(itertools.accumulate(activity))
    member_weights = [list(itertools.accumulate(activity[i] for i in m)) for m in members]
    partners: list[list[int]] = [[] for _ in range(institutions)]
    pairs: set[tuple[int, int]] = set()
    kinds = [k.value for k in TieKind]
    tie_rows = []
    while len(tie_rows) < ties:
        u = rng.choices(everyone, cum_weights=everyone_weights)[0]
        draw = rng.random()
        if draw < 0.55:
            community = community_of[u]
            v = rng.choices(members[community], cum_weights=member_weights[community])[0]
        elif draw < 0.85 and partners[u]:
            w = rng.choice(partners[u])  # a partner's partner: closes a triangle
            v = rng.choice(partners[w]) if partners[w] else rng.randrange(institutions)
        else:
            v = rng.choices(everyone, cum_weights=everyone_weights)[0]
        if u == v:
            continue
        a, b = (u, v) if u < v else (v, u)
        if (a, b) in pairs:
            continue
        pairs.add((a, b))
        partners[a].append(b)
        partners[b].append(a)
        earliest = max(joined[a], joined[b])
        since = earliest + timedelta(days=rng.randint(0, max(0, (today - earliest).days)))
        draw = rng.random()
        status = "unconfirmed" if draw < 0.10 else "declined" if draw < 0.13 else "confirmed"
        ends_on = None
        if rng.random() < 0.15:
            ends_on = since + timedelta(days=rng.randint(30, 1500))
        tie_rows.append(
            {
                "institution_a_id": a + 1,
                "institution_b_id": b + 1,
                "kind": rng.choice(kinds),
                "since": since,
                "ends_on": ends_on,
                "status": status,
                "note": "",
                "basis": "demo",
            }
        )
    for start in range(0, len(tie_rows), 20_000):
        session.execute(insert(Tie), tie_rows[start : start + 20_000])

    # People (one per ten institutions, plus a coordinator) and deliverables with tasks.
    people = [
        {
            "id": 1,
            "email": COORDINATOR_EMAIL,
            "full_name": "Coordinación sintética",
            "institution_id": 1,
            "role": "coordinator",
            "password_hash": password_hash,
            "is_active": True,
        }
    ]
    # One person per institution (person i + 2 works for institution i + 1): attendance
    # and tasks need people.
    for p in range(institutions):
        people.append(
            {
                "id": p + 2,
                "email": f"persona{p + 1}@synthetic.example.org",
                "full_name": f"Persona sintética {p + 1}",
                "institution_id": p + 1,
                "role": "member",
                "password_hash": None,
                "is_active": True,
            }
        )
    session.execute(insert(User), people)
    deliverables, tasks = [], []
    created = datetime.combine(today - timedelta(days=120), datetime.min.time())
    for d in range(max(1, institutions // 50)):
        deliverables.append(
            {
                "id": d + 1,
                "group_id": rng.randrange(group_count) + 1,
                "owner_institution_id": rng.randrange(institutions) + 1,
                "title": f"Entregable sintético {d + 1}",
                "created_at": created,
                "updated_at": created,
            }
        )
        for t in range(3):
            tasks.append(
                {
                    "deliverable_id": d + 1,
                    "title": f"Tarea {t + 1}",
                    "assignee_id": rng.randrange(len(people)) + 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
    session.execute(insert(Deliverable), deliverables)
    session.execute(insert(Task), tasks)
    meeting_count, attendance_count = _meetings(
        session,
        rng,
        members=members,
        institutions=institutions,
        groups=group_count,
        today=today,
        meetings=2 * institutions if meetings is None else meetings,
        attendances=30 * institutions if attendances is None else attendances,
    )
    # Bulk inserts skip the ORM's flush hooks: bump the data versions by hand.
    for name in (NETWORK, PAGES):
        bump(session, name)
    return {
        "institutions": institutions,
        "groups": group_count,
        "memberships": len(memberships),
        "ties": len(tie_rows),
        "people": len(people),
        "deliverables": len(deliverables),
        "tasks": len(tasks),
        "meetings": meeting_count,
        "attendances": attendance_count,
    }


def _meetings(
    session: Session,
    rng: random.Random,
    *,
    members: list[list[int]],
    institutions: int,
    groups: int,
    today: date,
    meetings: int,
    attendances: int,
) -> tuple[int, int]:
    """Insert `meetings` meetings with `attendances` attendances in all (one per person)."""
    if meetings <= 0 or institutions < 2:
        return 0, 0
    events = [rng.random() < 0.1 for _ in range(meetings)]
    sizes = [rng.randint(30, 120) if event else rng.randint(4, 20) for event in events]
    # Adjust the sizes so the total is exactly `attendances` (each at least 2, at most
    # everyone).
    target = max(attendances, 2 * meetings)
    step = (target - sum(sizes)) / meetings
    sizes = [min(institutions, max(2, round(size + step))) for size in sizes]
    total, k = sum(sizes), 0
    while total != target and k < 10 * meetings:
        i = k % meetings
        if total < target and sizes[i] < institutions:
            sizes[i] += 1
            total += 1
        elif total > target and sizes[i] > 2:
            sizes[i] -= 1
            total -= 1
        k += 1
    span = (today - START).days + 60
    meeting_rows, attendance_rows = [], []
    everyone = range(institutions)
    for m in range(meetings):
        starts = datetime.combine(START, datetime.min.time()) + timedelta(
            days=rng.randrange(span), hours=rng.randint(14, 22)
        )
        cancelled = starts if rng.random() < 0.03 else None
        community = members[rng.randrange(len(members))]
        if events[m] or sizes[m] > len(community):
            chosen = rng.sample(everyone, sizes[m])
        else:
            chosen = rng.sample(community, sizes[m])
        meeting_rows.append(
            {
                "id": m + 1,
                "kind": "event" if events[m] else "meeting",
                "group_id": None if events[m] else rng.randrange(groups) + 1,
                "title": f"{'Evento' if events[m] else 'Reunión'} sintético {m + 1}",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "cancelled_at": cancelled,
                "basis": "demo",
            }
        )
        past = starts.date() < today and cancelled is None
        for i in chosen:
            attendance_rows.append(
                {
                    "meeting_id": m + 1,
                    "person_id": i + 2,
                    "institution_id": i + 1,
                    "rsvp": "yes",
                    "attended": past and rng.random() < 0.85,
                }
            )
    for start in range(0, len(meeting_rows), 20_000):
        session.execute(insert(Meeting), meeting_rows[start : start + 20_000])
    for start in range(0, len(attendance_rows), 20_000):
        session.execute(insert(MeetingAttendance), attendance_rows[start : start + 20_000])
    return len(meeting_rows), len(attendance_rows)


@click.command("seed-synthetic", help="Create a synthetic coalition in a separate database.")
@click.option("--institutions", type=click.IntRange(min=2), default=1000, show_default=True)
@click.option("--ties", type=click.IntRange(min=0), default=10_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--meetings", type=click.IntRange(min=0), default=None, help="Default: 2 per institution."
)
@click.option(
    "--attendances", type=click.IntRange(min=0), default=None, help="Default: 30 per institution."
)
@click.option(
    "--database-url",
    default=None,
    help="Target database (default: an SQLite file under instance/ named after the arguments).",
)
@with_appcontext
def seed_synthetic_command(
    institutions: int,
    ties: int,
    seed: int,
    meetings: int | None,
    attendances: int | None,
    database_url: str | None,
):
    from werkzeug.security import generate_password_hash

    from config import INSTANCE_DIR

    from ..core import migrations
    from ..core.db import make_engine

    url = database_url or default_database_url(institutions, ties, seed, INSTANCE_DIR)
    if url == current_app.config["SQLALCHEMY_DATABASE_URI"]:
        raise click.UsageError("the synthetic coalition goes to a separate database, not the app's")
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            counts = seed_synthetic(
                session,
                institutions=institutions,
                ties=ties,
                seed=seed,
                meetings=meetings,
                attendances=attendances,
                password_hash=generate_password_hash(
                    PASSWORD, current_app.config["PASSWORD_HASH_METHOD"]
                ),
            )
            session.commit()
    except SyntheticError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(f"database: {url}")
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
    click.echo(f"sign in as {COORDINATOR_EMAIL} with the password {PASSWORD!r}")
