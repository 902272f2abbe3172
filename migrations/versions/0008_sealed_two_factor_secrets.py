"""two-factor secrets sealed: room for a Fernet token in users.totp_secret

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 23:40:00

Existing secrets stay as they are and are sealed at their owner's next sign-in with a
code (coalition_app/services/sealed.py reads both forms).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )


def downgrade() -> None:
    # A sealed secret does not fit in 64 characters: turning it off is the honest way back.
    op.execute("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL")
    op.execute("DELETE FROM recovery_codes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
