"""introductions.task_id: an introduction given to a chair as a task of the group's work

Revision ID: 0025
Revises: 0024

A nullable column; existing introductions were messages and keep NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_introductions_task_id"), ["task_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_introductions_task_id_tasks"), "tasks", ["task_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_introductions_task_id_tasks"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_introductions_task_id"), type_="unique")
        batch_op.drop_column("task_id")
