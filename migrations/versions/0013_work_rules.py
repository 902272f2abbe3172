"""work rules: the chairs' notification kinds, and each person's e-mail choices per kind

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
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
)
NEW_KINDS = (
    *OLD_KINDS,
    "task_done",
    "deliverable_complete",
    "deliverable_in_review",
    "progress_overridden",
)


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="notification_kind", native_enum=False, create_constraint=True, length=32
    )


CHECK = "ck_notifications_notification_kind"


def _set_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Swap the CHECK constraint that lists the kinds (the column stays a VARCHAR(32))."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a constraint: the batch recreates the table with the new type.
        with op.batch_alter_table("notifications", schema=None) as batch_op:
            batch_op.alter_column(
                "kind", existing_type=_kind(old), type_=_kind(new), existing_nullable=False
            )
        return
    op.drop_constraint(op.f(CHECK), "notifications", type_="check")
    op.create_check_constraint(op.f(CHECK), "notifications", sa.column("kind").in_(new))


def upgrade() -> None:
    _set_kinds(OLD_KINDS, NEW_KINDS)
    op.create_table(
        "email_choices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(NEW_KINDS), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_choices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_email_choices")),
    )


def downgrade() -> None:
    op.drop_table("email_choices")
    added = NEW_KINDS[len(OLD_KINDS) :]
    notifications = sa.table("notifications", sa.column("id"), sa.column("kind"))
    outbox = sa.table("outbox_messages", sa.column("notification_id"))
    gone = sa.select(notifications.c.id).where(notifications.c.kind.in_(added))
    op.execute(outbox.delete().where(outbox.c.notification_id.in_(gone)))
    op.execute(notifications.delete().where(notifications.c.kind.in_(added)))
    _set_kinds(NEW_KINDS, OLD_KINDS)
