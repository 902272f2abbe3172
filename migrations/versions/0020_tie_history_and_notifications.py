"""ties recorded by their people: each tie's history, and the two notification kinds

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:30:00.000000

`tie_updates` keeps every change of a tie (recorded, edited, confirmed, declined, ended) as
deliverables keep theirs; `tie_recorded` (to the other institution's people) and
`tie_answered` (to the recorder) join the notification kinds, in the inbox and in the
e-mail choices.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "task_assigned",
    "task_reassigned",
    "task_due_soon",
    "task_overdue",
    "deliverable_sent_back",
    "deliverable_stale",
    "digest",
    "task_done",
    "deliverable_complete",
    "deliverable_in_review",
    "progress_overridden",
    "meeting_invitation",  # migration 0017 (meetings)
)
NEW_KINDS = (*OLD_KINDS, "tie_recorded", "tie_answered")
#: The tables whose `kind` column lists the notification kinds in a CHECK constraint.
KIND_TABLES = ("notifications", "email_choices")


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="notification_kind", native_enum=False, create_constraint=True, length=32
    )


def _set_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Swap the CHECK constraints that list the kinds (the columns stay VARCHAR(32))."""
    for table in KIND_TABLES:
        if op.get_bind().dialect.name == "sqlite":
            # SQLite cannot alter a constraint: the batch recreates the table with the new type.
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(
                    "kind", existing_type=_kind(old), type_=_kind(new), existing_nullable=False
                )
            continue
        check = f"ck_{table}_notification_kind"
        op.drop_constraint(op.f(check), table, type_="check")
        op.create_check_constraint(op.f(check), table, sa.column("kind").in_(new))


def upgrade() -> None:
    _set_kinds(OLD_KINDS, NEW_KINDS)
    op.create_table(
        "tie_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tie_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_tie_updates_author_id_users")
        ),
        sa.ForeignKeyConstraint(["tie_id"], ["ties.id"], name=op.f("fk_tie_updates_tie_id_ties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tie_updates")),
    )
    with op.batch_alter_table("tie_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tie_updates_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tie_updates_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tie_updates_tie_id"), ["tie_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tie_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tie_updates_tie_id"))
        batch_op.drop_index(batch_op.f("ix_tie_updates_created_at"))
        batch_op.drop_index(batch_op.f("ix_tie_updates_author_id"))
    op.drop_table("tie_updates")
    added = NEW_KINDS[len(OLD_KINDS) :]
    notifications = sa.table("notifications", sa.column("id"), sa.column("kind"))
    choices = sa.table("email_choices", sa.column("kind"))
    outbox = sa.table("outbox_messages", sa.column("notification_id"))
    gone = sa.select(notifications.c.id).where(notifications.c.kind.in_(added))
    op.execute(outbox.delete().where(outbox.c.notification_id.in_(gone)))
    op.execute(notifications.delete().where(notifications.c.kind.in_(added)))
    op.execute(choices.delete().where(choices.c.kind.in_(added)))
    _set_kinds(NEW_KINDS, OLD_KINDS)
