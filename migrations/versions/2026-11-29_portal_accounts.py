"""Portal accounts: invitations, password resets, a login's email, their outbox kinds, grants.

Revision ID: 9e4b7c2a1f60
Revises: 5d8f2b6e0a13
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_grants import add_default_grants

revision: str = "9e4b7c2a1f60"
down_revision: str | None = "5d8f2b6e0a13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = [
    ("front_desk", "portal_account", "write"),
    ("admin", "portal_account", "write"),
    ("patient", "portal_self", "read"),
    ("patient", "me", "read"),
    ("patient", "me", "write"),
    ("patient", "node", "read"),
    ("patient", "patient", "read"),
    ("patient", "appointment", "read"),
]
KINDS_BEFORE = ("appointment_reminder", "waitlist_offer")
KINDS_AFTER = (*KINDS_BEFORE, "portal_invitation", "password_reset")


def _kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(batch.f("ck_outbox_messages_messagekind"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_outbox_messages_messagekind"),
            sa.column("kind").in_(kinds),
        )


def upgrade() -> None:
    op.create_table(
        "patient_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_patient_invitations_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_invitations_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_patient_invitations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_patient_invitations_token_hash")),
    )
    op.create_index(
        op.f("ix_patient_invitations_patient_id"), "patient_invitations", ["patient_id"]
    )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(op.f("ix_password_resets_user_id"), "password_resets", ["user_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.create_index(batch.f("ix_users_email"), ["email"])
    _kinds(KINDS_AFTER)
    add_default_grants(GRANTS)


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM outbox_messages WHERE kind NOT IN ('appointment_reminder', 'waitlist_offer')"
        )
    )
    _kinds(KINDS_BEFORE)
    # never a copy of `users` (SQLite's batch mode would rebuild it, and dropping the old table
    # with foreign keys on deletes every user's roles): ALTER TABLE ... DROP COLUMN, which
    # SQLite has had since 3.35
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.drop_index(batch.f("ix_users_email"))
        batch.drop_column("email")
    op.drop_index(op.f("ix_password_resets_user_id"), table_name="password_resets")
    op.drop_table("password_resets")
    op.drop_index(op.f("ix_patient_invitations_patient_id"), table_name="patient_invitations")
    op.drop_table("patient_invitations")
