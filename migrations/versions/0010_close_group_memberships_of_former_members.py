"""close the group memberships of institutions that have left the coalition

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:20:00

An institution that leaves the coalition leaves its groups the same day (the rule is now
written once, `GroupMembership.current_on`, and ending a membership closes the groups' rows).
Rows left open by earlier versions are closed on the institution's leaving date, or where
they start if that is later. Data only: nothing to undo on downgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    memberships = sa.table(
        "group_memberships",
        sa.column("id", sa.Integer),
        sa.column("institution_id", sa.Integer),
        sa.column("since", sa.Date),
        sa.column("until", sa.Date),
    )
    institutions = sa.table(
        "institutions", sa.column("id", sa.Integer), sa.column("left_on", sa.Date)
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(memberships.c.id, memberships.c.since, institutions.c.left_on)
        .join(institutions, institutions.c.id == memberships.c.institution_id)
        .where(
            institutions.c.left_on.is_not(None),
            memberships.c.until.is_(None) | (memberships.c.until > institutions.c.left_on),
        )
    ).all()
    for membership_id, since, left_on in rows:
        connection.execute(
            memberships.update()
            .where(memberships.c.id == membership_id)
            .values(until=max(since, left_on))
        )


def downgrade() -> None:
    pass
