"""recommendation comments go through the comments feature: `comments.recommendation_id` (the
CHECK says exactly one of four subjects), the rows of `recommendation_comments` copied into
`comments`, and that table dropped; `position_versions`, every dated wording of a position

Revision ID: 0027
Revises: 0026

Copied comments keep their author, text and date; they get no mentions (the old ones had
none). The downgrade copies the recommendations' comments back (edits, hiding and mentions are
lost: the old table had no such columns) and removes them from `comments`. Each existing
position gets its current wording as version 1, dated when it was published (or created).
Create Date: 2026-12-01 19:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

THREE_SUBJECTS = (
    "(CASE WHEN deliverable_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN task_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) = 1"
)
FOUR_SUBJECTS = (
    "(CASE WHEN deliverable_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN task_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recommendation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_comments_recommendation_id_recommendations"),
            "recommendations",
            ["recommendation_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_comments_recommendation_id"), ["recommendation_id"], unique=False
        )
        batch_op.drop_constraint(batch_op.f("ck_comments_one_subject"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_comments_one_subject"), FOUR_SUBJECTS)
    op.execute(
        "INSERT INTO comments (recommendation_id, author_id, body, created_at, version)"
        " SELECT recommendation_id, author_id, body, created_at, 1"
        " FROM recommendation_comments ORDER BY id"
    )
    with op.batch_alter_table("recommendation_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_comments_recommendation_id"))
    op.drop_table("recommendation_comments")

    op.create_table(
        "position_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "statement",
                "open_letter",
                name="position_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_position_versions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_versions_position_id_positions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_versions")),
        sa.UniqueConstraint(
            "position_id", "number", name=op.f("uq_position_versions_position_id_number")
        ),
    )
    with op.batch_alter_table("position_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_position_versions_position_id"), ["position_id"], unique=False
        )
    op.execute(
        "INSERT INTO position_versions (position_id, number, kind, title, text, author_id,"
        " created_at) SELECT id, 1, kind, title, text, created_by_id,"
        " coalesce(published_at, created_at) FROM positions ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table("position_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_versions_position_id"))
    op.drop_table("position_versions")

    op.create_table(
        "recommendation_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_recommendation_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_comments_recommendation_id_recommendations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_comments")),
    )
    with op.batch_alter_table("recommendation_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_comments_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )
    op.execute(
        "INSERT INTO recommendation_comments (recommendation_id, author_id, body, created_at)"
        " SELECT recommendation_id, author_id, body, created_at FROM comments"
        " WHERE recommendation_id IS NOT NULL AND deleted_at IS NULL ORDER BY id"
    )
    op.execute(
        "DELETE FROM comment_mentions WHERE comment_id IN"
        " (SELECT id FROM comments WHERE recommendation_id IS NOT NULL)"
    )
    op.execute("DELETE FROM comments WHERE recommendation_id IS NOT NULL")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_comments_one_subject"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_comments_one_subject"), THREE_SUBJECTS)
        batch_op.drop_index(batch_op.f("ix_comments_recommendation_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_comments_recommendation_id_recommendations"), type_="foreignkey"
        )
        batch_op.drop_column("recommendation_id")
