"""work rules: the chairs' notification kinds, and each person's e-mail choices per kind

Revision ID: 0012_c_work_rules
Revises: 0011
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_c_work_rules"
down_revision: str | None = "0011"
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


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS), existing_nullable=False
        )
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
    op.execute(
        sa.text("DELETE FROM notifications WHERE kind IN :kinds").bindparams(
            sa.bindparam("kinds", NEW_KINDS[len(OLD_KINDS) :], expanding=True)
        )
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS), existing_nullable=False
        )
