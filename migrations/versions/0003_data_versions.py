"""data versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:52:33.783512
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    versions = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    # The row exists from the start, so concurrent writers only ever UPDATE it.
    op.bulk_insert(versions, [{"name": "network", "version": 0, "changed_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("data_versions")
