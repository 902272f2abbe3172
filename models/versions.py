"""Data versions: counters bumped in the same transaction as the rows they watch.

Caches (the stakeholder network, rendered pages and page parts) are keyed on these numbers,
so a change made through any process or server is seen by every other one at once, and an
unchanged database never triggers a rebuild.

Two ways of writing rows are watched, both through the Session:

- flushed objects (added, deleted, or changed in a watched attribute): the ``before_flush``
  hook;
- statements run with ``session.execute``: bulk ORM ``insert``/``update``/``delete`` and
  Core ones on a table (``update(Model.__table__)``): the ``do_orm_execute`` hook, which
  reads the columns an UPDATE sets (from ``.values()`` or the parameters) and bumps when it
  cannot tell.

Writes that bypass the Session (``connection.execute``, raw SQL text) must call `bump`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, event, inspect, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, UOWTransaction, mapped_column

from .base import Base, utcnow
from .directory import Institution
from .groups import GroupMembership
from .meetings import Meeting, MeetingAttendance
from .people import User
from .ties import Tie
from .work import Deliverable, Task

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
        # Co-attendance is collaboration: who attended, and meetings cancelled or moved.
        Meeting: ("ends_at", "cancelled_at"),
        MeetingAttendance: ("meeting_id", "institution_id", "attended"),
    },
}
# What pages shared by everyone show (the cached home, group and network pages): every
# mapped table and every column is watched for PAGES, so a new model or column is watched by
# default, except what is declared below. Declaring something not shown is a promise that no
# cached page (nor the layout around it) shows it: tests/core/test_page_cache_freshness.py
# changes shown columns and expects the cached pages to follow.

#: Tables no shared page shows, so PAGES does not watch them.
NOT_ON_SHARED_PAGES = frozenset(
    {
        "api_tokens",
        "audit_events",
        # The consultation's participants, votes and answers: hundreds a second while it is
        # open, and no cached page shows them (its own pages are not cached).
        "consultation_answers",
        "consultation_participants",
        "consultation_votes",
        "data_versions",
        "digest_preferences",  # the group page's digest choice is part of its key
        "digest_runs",
        "email_choices",  # shown only on the inbox, which is not cached
        "invitations",
        "notifications",  # the unread count is part of every page's key
        "outbox_messages",
        "recovery_codes",
        "site_settings",
    }
)
#: Columns no shared page shows, per table: changing only these does not bump PAGES.
#: A person's sign-in bookkeeping changes at every sign-in and would empty every cache.
NOT_SHOWN_COLUMNS: Mapping[str, frozenset[str]] = {
    "users": frozenset(
        {
            "password_hash",
            "last_login_at",
            "session_version",
            "totp_secret",
            "totp_enabled_at",
            "totp_last_step",
            "locale",  # the language a page is in is part of its key
        }
    ),
}


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
    return "0" if row is None else stamp_text(row.version, row.changed_at)


def stamp_text(version: int | None, changed_at: datetime | None) -> str:
    """`version_stamp`'s text for a version read otherwise (with another statement's row)."""
    return "0" if version is None or changed_at is None else f"{version}@{changed_at.isoformat()}"


def stamp_columns(name: str) -> tuple[Any, Any]:
    """The version and its moment as two scalar subqueries, to read along with another row
    (NULL, NULL when it was never bumped: `stamp_text` makes that "0")."""
    row = select(DataVersion.version, DataVersion.changed_at).where(DataVersion.name == name)
    return (
        row.with_only_columns(DataVersion.version).scalar_subquery(),
        row.with_only_columns(DataVersion.changed_at).scalar_subquery(),
    )


def bumped_in_this_transaction(session: Session, name: str) -> bool:
    """Whether the session's open transaction has changed what `name` watches."""
    return bool(session.info.get(("bumped", name)))


# --- what each version watches ----------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    #: table name -> the columns whose change makes the version stale (a new or deleted row
    #: in a listed table always does, even when the set is empty)
    tables: Mapping[str, frozenset[str]]
    #: mapped class -> the attributes to look at on a changed object
    attributes: Mapping[type, tuple[str, ...]]


_plans: dict[int, dict[str, _Plan]] = {}


def watched_columns(name: str) -> Mapping[str, frozenset[str]]:
    """Table name -> the columns version `name` watches (a table not listed is not watched)."""
    return _plan(name).tables


def _plan(name: str) -> _Plan:
    # Built on first use, once every model is mapped; again if a table is added later.
    tables = len(Base.metadata.tables)
    plans = _plans.get(tables)
    if plans is None:
        plans = _build_plans()
        _plans.clear()
        _plans[tables] = plans
    return plans[name]


def _build_plans() -> dict[str, _Plan]:
    pages = {
        table.name: frozenset(column.name for column in table.columns)
        - NOT_SHOWN_COLUMNS.get(table.name, frozenset())
        for table in Base.metadata.tables.values()
        if table.name not in NOT_ON_SHARED_PAGES
    }
    network: dict[str, frozenset[str]] = {}
    for model, names in WATCHED[NETWORK].items():
        mapper: Mapper[Any] = inspect(model)
        table = mapper.local_table
        assert isinstance(table, Table)  # every model maps a table
        if names is None:
            network[table.name] = frozenset(column.name for column in table.columns)
        else:
            network[table.name] = frozenset(
                column.name for key in names for column in mapper.column_attrs[key].columns
            )
    return {name: _plan_for(tables) for name, tables in ((NETWORK, network), (PAGES, pages))}


def _plan_for(tables: Mapping[str, frozenset[str]]) -> _Plan:
    attributes: dict[type, tuple[str, ...]] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        assert isinstance(table, Table)  # every model maps a table
        if table.name not in tables:
            continue
        watched = tables[table.name]
        attributes[mapper.class_] = tuple(
            attr.key
            for attr in mapper.column_attrs
            if any(
                getattr(column, "table", None) is table and column.name in watched
                for column in attr.columns
            )
        )
    return _Plan(tables=tables, attributes=attributes)


# --- the hooks ------------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _bump_versions(
    session: Session, _context: UOWTransaction, _instances: Sequence[Any] | None
) -> None:
    created_or_deleted = (*session.new, *session.deleted)
    for name in (NETWORK, PAGES):
        plan = _plan(name)
        if any(type(obj) in plan.attributes for obj in created_or_deleted) or any(
            _changed(obj, plan) for obj in session.dirty
        ):
            bump(session, name)


def _changed(obj: object, plan: _Plan) -> bool:
    """Whether a loaded object really changed in an attribute the version watches."""
    names = plan.attributes.get(type(obj))
    if not names:
        return False
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "do_orm_execute")
def _bump_versions_for_statements(state: ORMExecuteState) -> None:
    """Bulk and Core INSERT, UPDATE and DELETE statements skip the flush: bump here.

    Runs before the statement, in its transaction. The bump's own UPDATE of
    ``data_versions`` comes back through here and finds nothing watched.
    """
    statement = state.statement
    if not statement.is_dml:
        return  # selects: nothing to do, and asked first so they pay almost nothing
    written = _written(statement, state.parameters, state.bind_mapper)
    for name in (NETWORK, PAGES):
        if written is None or _touches(written, _plan(name).tables):
            bump(state.session, name)


def _touches(written: Mapping[str, set[str] | None], tables: Mapping[str, frozenset[str]]) -> bool:
    return any(
        table in tables and (columns is None or bool(columns & tables[table]))
        for table, columns in written.items()
    )


def _written(
    statement: Any, parameters: Any, mapper: Mapper[Any] | None
) -> Mapping[str, set[str] | None] | None:
    """Table name -> the columns the statement sets; None for whole rows (an INSERT, a
    DELETE, or an UPDATE whose columns cannot be told). None alone: not even the table."""
    name = getattr(getattr(statement, "table", None), "name", None)
    if name is None:
        return None  # every version is bumped
    if name == DataVersion.__tablename__:
        return {}  # the bump's own UPDATE
    if not statement.is_update:
        return {name: None}
    table = statement.table
    keys: list[Any] = list(getattr(statement, "_values", None) or ())
    primary = {column.name for column in table.primary_key}
    for row in parameters if isinstance(parameters, list | tuple) else [parameters or {}]:
        # An ORM bulk UPDATE by primary key finds its rows by the key it is given.
        keys.extend(key for key in row if not (isinstance(key, str) and key in primary))
    written: dict[str, set[str]] = {}
    for key in keys:
        column = _column(table, mapper, key) if isinstance(key, str) else key
        column_table = getattr(getattr(column, "table", None), "name", None)
        column_name = getattr(column, "name", None)
        if column_table is None or column_name is None:
            return {name: None}  # something we cannot read: assume every column
        written.setdefault(column_table, set()).add(column_name)
    return written or {name: None}


def _column(table: Table, mapper: Mapper[Any] | None, key: str) -> Any:
    if mapper is not None and key in mapper.column_attrs:
        return mapper.column_attrs[key].columns[0]
    return table.columns.get(key)


def bump(session: Session, name: str) -> None:
    """Move version `name` on, once per transaction (the hooks above call this; so must code
    that writes watched rows without the Session, such as `connection.execute`)."""
    if session.info.get(("bumped", name)):
        return  # once per transaction is enough
    session.info[("bumped", name)] = True
    # An UPDATE's result is a CursorResult (Session.execute is typed as returning a Result).
    result = cast(
        CursorResult[Any],
        session.execute(
            update(DataVersion)
            .where(DataVersion.name == name)
            .values(version=DataVersion.version + 1, changed_at=utcnow())
        ),
    )
    if result.rowcount == 0:
        session.add(DataVersion(name=name, version=1))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_bumps(session: Session) -> None:
    for key in [k for k in session.info if isinstance(k, tuple) and k[0] == "bumped"]:
        del session.info[key]
