"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:30:58.223819
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Reference lists, frozen here so every database has them from its first revision.
SECTORS = [
    ("government", "Gobierno", "Government", 0),
    ("industry", "Industria (sector privado)", "Industry (private sector)", 1),
    ("civil_society", "Sociedad civil", "Civil society", 2),
    ("academia", "Academia", "Academia", 3),
    ("international_cooperation", "Cooperación internacional", "International cooperation", 4),
]
STATES = [
    ("MX-AGU", "01", "Aguascalientes", "Aguascalientes", "Ags."),
    ("MX-BCN", "02", "Baja California", "Baja California", "BC"),
    ("MX-BCS", "03", "Baja California Sur", "Baja California Sur", "BCS"),
    ("MX-CAM", "04", "Campeche", "Campeche", "Camp."),
    ("MX-COA", "05", "Coahuila de Zaragoza", "Coahuila", "Coah."),
    ("MX-COL", "06", "Colima", "Colima", "Col."),
    ("MX-CHP", "07", "Chiapas", "Chiapas", "Chis."),
    ("MX-CHH", "08", "Chihuahua", "Chihuahua", "Chih."),
    ("MX-CMX", "09", "Ciudad de México", "Mexico City", "CDMX"),
    ("MX-DUR", "10", "Durango", "Durango", "Dgo."),
    ("MX-GUA", "11", "Guanajuato", "Guanajuato", "Gto."),
    ("MX-GRO", "12", "Guerrero", "Guerrero", "Gro."),
    ("MX-HID", "13", "Hidalgo", "Hidalgo", "Hgo."),
    ("MX-JAL", "14", "Jalisco", "Jalisco", "Jal."),
    ("MX-MEX", "15", "México", "State of Mexico", "Méx."),
    ("MX-MIC", "16", "Michoacán de Ocampo", "Michoacán", "Mich."),
    ("MX-MOR", "17", "Morelos", "Morelos", "Mor."),
    ("MX-NAY", "18", "Nayarit", "Nayarit", "Nay."),
    ("MX-NLE", "19", "Nuevo León", "Nuevo León", "NL"),
    ("MX-OAX", "20", "Oaxaca", "Oaxaca", "Oax."),
    ("MX-PUE", "21", "Puebla", "Puebla", "Pue."),
    ("MX-QUE", "22", "Querétaro", "Querétaro", "Qro."),
    ("MX-ROO", "23", "Quintana Roo", "Quintana Roo", "Q. Roo"),
    ("MX-SLP", "24", "San Luis Potosí", "San Luis Potosí", "SLP"),
    ("MX-SIN", "25", "Sinaloa", "Sinaloa", "Sin."),
    ("MX-SON", "26", "Sonora", "Sonora", "Son."),
    ("MX-TAB", "27", "Tabasco", "Tabasco", "Tab."),
    ("MX-TAM", "28", "Tamaulipas", "Tamaulipas", "Tamps."),
    ("MX-TLA", "29", "Tlaxcala", "Tlaxcala", "Tlax."),
    ("MX-VER", "30", "Veracruz de Ignacio de la Llave", "Veracruz", "Ver."),
    ("MX-YUC", "31", "Yucatán", "Yucatán", "Yuc."),
    ("MX-ZAC", "32", "Zacatecas", "Zacatecas", "Zac."),
    ("EXT", None, "Fuera de México", "Outside Mexico", "Ext."),
]


def upgrade() -> None:
    sectors = op.create_table(
        "sectors",
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("name_es", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_sectors")),
    )
    states = op.create_table(
        "states",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("inegi_code", sa.String(length=2), nullable=True),
        sa.Column("name_es", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("abbreviation", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_states")),
    )
    op.create_table(
        "working_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name_es", sa.String(length=160), nullable=False),
        sa.Column("name_en", sa.String(length=160), nullable=False),
        sa.Column("description_es", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_groups")),
        sa.UniqueConstraint("name_en", name=op.f("uq_working_groups_name_en")),
        sa.UniqueConstraint("name_es", name=op.f("uq_working_groups_name_es")),
        sa.UniqueConstraint("slug", name=op.f("uq_working_groups_slug")),
    )
    op.create_table(
        "institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("acronym", sa.String(length=40), nullable=True),
        sa.Column("sector_slug", sa.String(length=32), nullable=False),
        sa.Column("state_code", sa.String(length=8), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("is_founder", sa.Boolean(), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "documented",
                "reported",
                "demo",
                name="basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "left_on IS NULL OR left_on >= joined_on",
            name=op.f("ck_institutions_left_after_joined"),
        ),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_institutions_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["sector_slug"], ["sectors.slug"], name=op.f("fk_institutions_sector_slug_sectors")
        ),
        sa.ForeignKeyConstraint(
            ["state_code"], ["states.code"], name=op.f("fk_institutions_state_code_states")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("name", name=op.f("uq_institutions_name")),
        sa.UniqueConstraint("name_key", name=op.f("uq_institutions_name_key")),
    )
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_institutions_joined_on"), ["joined_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_institutions_sector_slug"), ["sector_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_institutions_state_code"), ["state_code"], unique=False
        )

    op.create_table(
        "group_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "lead",
                "member",
                name="group_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column(
            "basis",
            sa.Enum(
                "documented",
                "reported",
                "demo",
                name="basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "until IS NULL OR until >= since", name=op.f("ck_group_memberships_until_after_since")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_group_memberships_group_id_working_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_group_memberships_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_memberships")),
    )
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_memberships_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_memberships_institution_id"), ["institution_id"], unique=False
        )
        batch_op.create_index(
            "uq_group_memberships_current",
            ["group_id", "institution_id"],
            unique=True,
            sqlite_where=sa.text("until IS NULL"),
            postgresql_where=sa.text("until IS NULL"),
        )

    op.create_table(
        "ties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_a_id", sa.Integer(), nullable=False),
        sa.Column("institution_b_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "joint_project",
                "agreement",
                "event",
                "coauthorship",
                name="tie_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "documented",
                "reported",
                "demo",
                name="basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "institution_a_id < institution_b_id", name=op.f("ck_ties_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["institution_a_id"],
            ["institutions.id"],
            name=op.f("fk_ties_institution_a_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_b_id"],
            ["institutions.id"],
            name=op.f("fk_ties_institution_b_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ties")),
        sa.UniqueConstraint(
            "institution_a_id",
            "institution_b_id",
            "kind",
            "since",
            name=op.f("uq_ties_institution_a_id_institution_b_id_kind_since"),
        ),
    )
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ties_institution_a_id"), ["institution_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ties_institution_b_id"), ["institution_b_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "coordinator",
                "member",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lowercase")),
        sa.CheckConstraint(
            "length(trim(full_name)) > 0", name=op.f("ck_users_full_name_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_users_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "deliverables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("owner_institution_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "in_review",
                "done",
                name="work_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column(
            "progress_mode",
            sa.Enum(
                "derived",
                "manual",
                name="progress_mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "basis",
            sa.Enum(
                "documented",
                "reported",
                "demo",
                name="basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(trim(title)) > 0", name=op.f("ck_deliverables_title_not_blank")),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100", name=op.f("ck_deliverables_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_deliverables_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_deliverables_group_id_working_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_institution_id"],
            ["institutions.id"],
            name=op.f("fk_deliverables_owner_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_deliverables_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliverables")),
    )
    with op.batch_alter_table("deliverables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliverables_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliverables_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deliverables_owner_institution_id"),
            ["owner_institution_id"],
            unique=False,
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "in_review",
                "done",
                name="work_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(trim(title)) > 0", name=op.f("ck_tasks_title_not_blank")),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100", name=op.f("ck_tasks_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_tasks_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_tasks_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["deliverable_id"],
            ["deliverables.id"],
            name=op.f("fk_tasks_deliverable_id_deliverables"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_tasks_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tasks_deliverable_id"), ["deliverable_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tasks_due_on"), ["due_on"], unique=False)

    op.create_table(
        "progress_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(deliverable_id IS NOT NULL AND task_id IS NULL) OR (deliverable_id IS NULL AND task_id IS NOT NULL)",
            name=op.f("ck_progress_updates_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_progress_updates_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["deliverable_id"],
            ["deliverables.id"],
            name=op.f("fk_progress_updates_deliverable_id_deliverables"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_progress_updates_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_updates")),
    )
    with op.batch_alter_table("progress_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_updates_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_progress_updates_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_progress_updates_deliverable_id"), ["deliverable_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_progress_updates_task_id"), ["task_id"], unique=False)

    op.bulk_insert(
        sectors,
        [
            dict(zip(("slug", "name_es", "name_en", "position"), row, strict=True))
            for row in SECTORS
        ],
    )
    op.bulk_insert(
        states,
        [
            dict(
                zip(("code", "inegi_code", "name_es", "name_en", "abbreviation"), row, strict=True)
            )
            for row in STATES
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("progress_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_updates_task_id"))
        batch_op.drop_index(batch_op.f("ix_progress_updates_deliverable_id"))
        batch_op.drop_index(batch_op.f("ix_progress_updates_created_at"))
        batch_op.drop_index(batch_op.f("ix_progress_updates_author_id"))

    op.drop_table("progress_updates")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_due_on"))
        batch_op.drop_index(batch_op.f("ix_tasks_deliverable_id"))
        batch_op.drop_index(batch_op.f("ix_tasks_assignee_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("deliverables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliverables_owner_institution_id"))
        batch_op.drop_index(batch_op.f("ix_deliverables_group_id"))
        batch_op.drop_index(batch_op.f("ix_deliverables_due_on"))

    op.drop_table("deliverables")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_institution_id"))

    op.drop_table("users")
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ties_institution_b_id"))
        batch_op.drop_index(batch_op.f("ix_ties_institution_a_id"))

    op.drop_table("ties")
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_group_memberships_current",
            sqlite_where=sa.text("until IS NULL"),
            postgresql_where=sa.text("until IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_group_memberships_institution_id"))
        batch_op.drop_index(batch_op.f("ix_group_memberships_group_id"))

    op.drop_table("group_memberships")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institutions_state_code"))
        batch_op.drop_index(batch_op.f("ix_institutions_sector_slug"))
        batch_op.drop_index(batch_op.f("ix_institutions_joined_on"))

    op.drop_table("institutions")
    op.drop_table("working_groups")
    op.drop_table("states")
    op.drop_table("sectors")
