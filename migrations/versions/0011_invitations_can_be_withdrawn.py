"""invitations can be withdrawn (by a coordinator, or when their sender is deactivated)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:28:03.873004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_revoked_by_id_users"), "users", ["revoked_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitations_revoked_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
