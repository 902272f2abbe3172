"""Data versions: counters bumped in the same transaction as the rows they watch.

Caches (the stakeholder network, rendered page parts) are keyed on these numbers, so a
change made through any process or server is seen by every other one at once, and an
unchanged database never triggers a rebuild.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, bindparam, event, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, utcnow
from .groups import GroupMembership, WorkingGroup
from .institution import Institution
from .people import User
from .reference import Sector, State
from .ties import Tie
from .work import Deliverable, ProgressUpdate, Task

NETWORK = "network"
PAGES = "pages"
# What the network is built from: a change to these models (to these attributes only, where
# named) makes it stale. Progress on a task does not change who works with whom.
WATCHED: dict[str, dict[type, tuple[str, ...] | None]] = {
    NETWORK: {
        Institution: None,
        GroupMembership: None,
        Tie: None,
        Task: ("assignee_id", "deliverable_id", "archived_at"),
        Deliverable: ("group_id", "archived_at"),
        User: ("institution_id", "is_active"),
    },
    # What pages shared by everyone show (groups, deliverables, tasks, activity, the
    # directory): a change to these makes cached page parts stale.  A person's sign-in
    # bookkeeping (last sign-in, password, session version, two-factor) is not shown.
    PAGES: {
        WorkingGroup: None,
        GroupMembership: None,
        Institution: None,
        Sector: None,
        State: None,
        Tie: None,
        Deliverable: None,
        Task: None,
        ProgressUpdate: None,
        User: ("full_name", "email", "institution_id", "is_active", "role"),
    },
}
#: Tables no shared page shows, so no version watches them (a test checks that every
#: table is either watched for PAGES or listed here: a new model needs a decision).
NOT_ON_SHARED_PAGES = frozenset(
    {
        "api_tokens",
        "audit_events",
        "data_versions",
        "digest_preferences",
        "digest_runs",
        "invitations",
        "notifications",
        "outbox_messages",
        "recovery_codes",
        "site_settings",
    }
)


class DataVersion(Base):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


def current_version(session: Session, name: str = NETWORK) -> int:
    return session.scalar(select(DataVersion.version).where(DataVersion.name == name)) or 0


# Asked on every cached page: built once (building a statement costs more than running it).
_STAMP = select(DataVersion.version, DataVersion.changed_at).where(
    DataVersion.name == bindparam("name")
)


def version_stamp(session: Session, name: str) -> str:
    """Return the version with the moment it was bumped, e.g. ``"12@2026-11-25T22:01:…"``.

    A bump rolled back and a later committed one share a number, never a moment: keyed
    on the stamp, a cache cannot mistake one for the other.
    """
    row = session.execute(_STAMP, {"name": name}).first()
    return "0" if row is None else f"{row.version}@{row.changed_at.isoformat()}"


def bumped_in_this_transaction(session: Session, name: str) -> bool:
    """Whether the session's open transaction has changed what `name` watches."""
    return bool(session.info.get(("bumped", name)))


@event.listens_for(Session, "before_flush")
def _bump_versions(session: Session, _context, _instances) -> None:
    for name, models in WATCHED.items():
        created_or_deleted = (*session.new, *session.deleted)
        if any(type(obj) in models for obj in created_or_deleted) or any(
            _changed(obj, models) for obj in session.dirty
        ):
            bump(session, name)


def _changed(obj: object, models: dict[type, tuple[str, ...] | None]) -> bool:
    """Whether a loaded object really changed, in the attributes that matter if named."""
    if type(obj) not in models:
        return False
    state = inspect(obj)
    names = models[type(obj)] or [attr.key for attr in state.mapper.column_attrs]
    return any(state.attrs[name].history.has_changes() for name in names)


def bump(session: Session, name: str) -> None:
    """Move version `name` on, once per transaction (the flush hook calls this; so must
    code that writes watched rows without the ORM, such as bulk inserts)."""
    if session.info.get(("bumped", name)):
        return  # once per transaction is enough
    session.info[("bumped", name)] = True
    result = session.execute(
        update(DataVersion)
        .where(DataVersion.name == name)
        .values(version=DataVersion.version + 1, changed_at=utcnow())
    )
    if result.rowcount == 0:
        session.add(DataVersion(name=name, version=1))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_bumps(session: Session) -> None:
    for key in [k for k in session.info if isinstance(k, tuple) and k[0] == "bumped"]:
        del session.info[key]
