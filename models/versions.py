"""Data versions: counters bumped in the same transaction as the rows they watch.

Caches (the stakeholder network) are keyed on these numbers, so a change made through any
process or server is seen by every other one at once, and an unchanged database never
triggers a rebuild.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, event, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, utcnow
from .groups import GroupMembership
from .institution import Institution
from .people import User
from .ties import Tie
from .work import Deliverable, Task

NETWORK = "network"
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
    }
}


class DataVersion(Base):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


def current_version(session: Session, name: str = NETWORK) -> int:
    return session.scalar(select(DataVersion.version).where(DataVersion.name == name)) or 0


@event.listens_for(Session, "before_flush")
def _bump_versions(session: Session, _context, _instances) -> None:
    for name, models in WATCHED.items():
        created_or_deleted = (*session.new, *session.deleted)
        if any(type(obj) in models for obj in created_or_deleted) or any(
            _changed(obj, models) for obj in session.dirty
        ):
            _bump(session, name)


def _changed(obj: object, models: dict[type, tuple[str, ...] | None]) -> bool:
    """Whether a loaded object really changed, in the attributes that matter if named."""
    if type(obj) not in models:
        return False
    state = inspect(obj)
    names = models[type(obj)] or [attr.key for attr in state.mapper.column_attrs]
    return any(state.attrs[name].history.has_changes() for name in names)


def _bump(session: Session, name: str) -> None:
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
