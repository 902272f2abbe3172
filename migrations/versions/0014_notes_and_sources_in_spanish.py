"""tie notes and institution sources in Spanish too (ties.note_es, institutions.source_es)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_es", sa.Text(), nullable=True))
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_es", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_column("source_es")
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_column("note_es")
