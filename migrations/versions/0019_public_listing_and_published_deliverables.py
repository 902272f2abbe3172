"""public site: which institutions are listed publicly, which deliverables are published

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 16:21:13.176054

`institutions.is_listed`: shown on the public site (its directory, figures and open data),
chosen by the institution's people or a coordinator. `deliverables.published_at` and
`published_by_id`: a chair published a done deliverable on the group's public page.

Data: institutions whose membership is documented in the sources (basis "documented") are
listed; the others (reported, demo) are not until someone chooses it. No deliverable is
published.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliverables", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("published_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_deliverables_published_by_id_users"),
            "users",
            ["published_by_id"],
            ["id"],
        )

    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_listed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_institutions_is_listed"), ["is_listed"], unique=False)

    institutions = sa.table("institutions", sa.column("is_listed"), sa.column("basis"))
    op.execute(
        institutions.update().where(institutions.c.basis == "documented").values(is_listed=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institutions_is_listed"))
        batch_op.drop_column("is_listed")

    with op.batch_alter_table("deliverables", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_deliverables_published_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("published_by_id")
        batch_op.drop_column("published_at")
