"""meetings: action items, calendar feeds, the invitation notification kind

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:24:55.834353
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
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
)
NEW_KINDS = (*OLD_KINDS, "meeting_invitation")
#: The tables whose `kind` column lists the notification kinds in a CHECK constraint.
KIND_TABLES = ("notifications", "email_choices")


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="notification_kind", native_enum=False, create_constraint=True, length=32
    )


def _set_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Swap the CHECK constraints that list the kinds (the columns stay VARCHAR(32))."""
    for table in KIND_TABLES:
        if op.get_bind().dialect.name == "sqlite":
            # SQLite cannot alter a constraint: the batch recreates the table with the new type.
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(
                    "kind", existing_type=_kind(old), type_=_kind(new), existing_nullable=False
                )
            continue
        check = f"ck_{table}_notification_kind"
        op.drop_constraint(op.f(check), table, type_="check")
        op.create_check_constraint(op.f(check), table, sa.column("kind").in_(new))


def upgrade() -> None:
    _set_kinds(OLD_KINDS, NEW_KINDS)
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_calendar_feeds_group_id_working_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["users.id"], name=op.f("fk_calendar_feeds_person_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint(
            "person_id", "group_id", name=op.f("uq_calendar_feeds_person_id_group_id")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_feeds_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "uq_calendar_feeds_personal",
            ["person_id"],
            unique=True,
            sqlite_where=sa.text("group_id IS NULL"),
            postgresql_where=sa.text("group_id IS NULL"),
        )

    op.create_table(
        "meeting_action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(trim(text)) > 0", name=op.f("ck_meeting_action_items_text_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_meeting_action_items_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_meeting_action_items_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_action_items_meeting_id_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_meeting_action_items_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_action_items")),
        sa.UniqueConstraint("task_id", name=op.f("uq_meeting_action_items_task_id")),
    )
    with op.batch_alter_table("meeting_action_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_action_items_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_action_items_meeting_id"))
    op.drop_table("meeting_action_items")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_calendar_feeds_personal",
            sqlite_where=sa.text("group_id IS NULL"),
            postgresql_where=sa.text("group_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_person_id"))
    op.drop_table("calendar_feeds")
    notifications = sa.table("notifications", sa.column("id"), sa.column("kind"))
    outbox = sa.table("outbox_messages", sa.column("notification_id"))
    choices = sa.table("email_choices", sa.column("kind"))
    gone = sa.select(notifications.c.id).where(notifications.c.kind == "meeting_invitation")
    op.execute(outbox.delete().where(outbox.c.notification_id.in_(gone)))
    op.execute(notifications.delete().where(notifications.c.kind == "meeting_invitation"))
    op.execute(choices.delete().where(choices.c.kind == "meeting_invitation"))
    _set_kinds(NEW_KINDS, OLD_KINDS)
