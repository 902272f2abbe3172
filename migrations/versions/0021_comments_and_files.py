"""comments and files: comments (with the people they mention) and attached files, each on
exactly one deliverable, task or meeting; the two notification kinds of comments

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 16:26:31.095012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "task_assigned",
    "task_reassigned",
    "task_due_soon",
    "task_overdue",
    "deliverable_sent_back",
    "deliverable_stale",
    "digest",
    "task_done",
    "deliverable_complete",
    "deliverable_in_review",
    "progress_overridden",
    "meeting_invitation",  # migration 0017 (meetings)
    "tie_recorded",  # migration 0020 (ties)
    "tie_answered",
)
NEW_KINDS = (*OLD_KINDS, "comment_mention", "comment_added")
#: The tables whose `kind` column lists the notification kinds in a CHECK constraint.
KIND_TABLES = ("notifications", "email_choices")


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="notification_kind", native_enum=False, create_constraint=True, length=32
    )


def _set_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Swap the CHECK constraints that list the kinds (the columns stay VARCHAR(32)); as 0013."""
    for table in KIND_TABLES:
        if op.get_bind().dialect.name == "sqlite":
            # SQLite cannot alter a constraint: the batch recreates the table with the new type.
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(
                    "kind", existing_type=_kind(old), type_=_kind(new), existing_nullable=False
                )
            continue
        check = op.f(f"ck_{table}_notification_kind")
        op.drop_constraint(check, table, type_="check")
        op.create_check_constraint(check, table, sa.column("kind").in_(new))


def upgrade() -> None:
    _set_kinds(OLD_KINDS, NEW_KINDS)
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN deliverable_id IS NULL THEN 0 ELSE 1 END + CASE WHEN task_id IS NULL THEN 0 ELSE 1 END + CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_attachments_one_subject"),
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_attachments_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["users.id"], name=op.f("fk_attachments_deleted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["deliverable_id"],
            ["deliverables.id"],
            name=op.f("fk_attachments_deliverable_id_deliverables"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_attachments_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_attachments_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachments_storage_key")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_deliverable_id"), ["deliverable_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attachments_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_task_id"), ["task_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attachments_uploaded_at"), ["uploaded_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attachments_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN deliverable_id IS NULL THEN 0 ELSE 1 END + CASE WHEN task_id IS NULL THEN 0 ELSE 1 END + CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_comments_one_subject"),
        ),
        sa.CheckConstraint("length(trim(body)) > 0", name=op.f("ck_comments_body_not_blank")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["deliverable_id"],
            ["deliverables.id"],
            name=op.f("fk_comments_deliverable_id_deliverables"),
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["users.id"], name=op.f("fk_comments_hidden_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_comments_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_comments_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_comments_deliverable_id"), ["deliverable_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comments_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_task_id"), ["task_id"], unique=False)

    op.create_table(
        "comment_mentions",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_comment_mentions_comment_id_comments")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["users.id"], name=op.f("fk_comment_mentions_person_id_users")
        ),
        sa.PrimaryKeyConstraint("comment_id", "person_id", name=op.f("pk_comment_mentions")),
    )
    with op.batch_alter_table("comment_mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_mentions_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("comment_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_mentions_person_id"))

    op.drop_table("comment_mentions")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_task_id"))
        batch_op.drop_index(batch_op.f("ix_comments_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_comments_deliverable_id"))
        batch_op.drop_index(batch_op.f("ix_comments_created_at"))
        batch_op.drop_index(batch_op.f("ix_comments_author_id"))

    op.drop_table("comments")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_uploaded_at"))
        batch_op.drop_index(batch_op.f("ix_attachments_task_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_deliverable_id"))

    op.drop_table("attachments")
    added = NEW_KINDS[len(OLD_KINDS) :]
    notifications = sa.table("notifications", sa.column("id"), sa.column("kind"))
    outbox = sa.table("outbox_messages", sa.column("notification_id"))
    choices = sa.table("email_choices", sa.column("kind"))
    gone = sa.select(notifications.c.id).where(notifications.c.kind.in_(added))
    op.execute(outbox.delete().where(outbox.c.notification_id.in_(gone)))
    op.execute(notifications.delete().where(notifications.c.kind.in_(added)))
    op.execute(choices.delete().where(choices.c.kind.in_(added)))
    _set_kinds(NEW_KINDS, OLD_KINDS)
