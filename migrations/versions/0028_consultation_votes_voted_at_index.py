"""an index on consultation_votes (consultation_id, voted_at): the results cache's fingerprint
finds a consultation's last vote time in it instead of reading every vote (issue 17: 10 ms of
SQLite per view of the results, the moderation and the agenda's coverage pages at the seed's
60,000 votes)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 23:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_consultation_votes_consultation_id_voted_at",
        "consultation_votes",
        ["consultation_id", "voted_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_consultation_votes_consultation_id_voted_at", table_name="consultation_votes")
