"""people: users.name_key, the name folded for accent-blind search

Revision ID: 0026
Revises: 0025

Filled from full_name with the same folding the model's validator applies.
Create Date: 2026-12-01 19:55:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _folded(text: str) -> str:
    # models.base.comparison_key as it is today: a migration keeps its own copy, so that a
    # later change to the model's folding does not change what this revision wrote.
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(without_marks.casefold().split())[:200]


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=200), server_default="", nullable=False)
        )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("full_name", sa.String),
        sa.column("name_key", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.full_name)).all()
    if rows:
        connection.execute(
            users.update().where(users.c.id == sa.bindparam("user_id")),
            [{"user_id": row.id, "name_key": _folded(row.full_name)} for row in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("name_key")
