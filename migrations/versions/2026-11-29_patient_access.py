"""Patient access: which patients a portal login may act for (row scope of patient users).

Revision ID: 7a1c3e5d9b20
Revises: 4c74b986bfae
Create Date: 2026-11-29 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a1c3e5d9b20"
down_revision: str | None = "4c74b986bfae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patient_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_access_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_patient_access_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_access")),
        sa.UniqueConstraint(
            "user_id", "patient_id", name=op.f("uq_patient_access_user_id_patient_id")
        ),
    )
    op.create_index(
        op.f("ix_patient_access_patient_id"), "patient_access", ["patient_id"], unique=False
    )
    op.create_index(op.f("ix_patient_access_user_id"), "patient_access", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_patient_access_user_id"), table_name="patient_access")
    op.drop_index(op.f("ix_patient_access_patient_id"), table_name="patient_access")
    op.drop_table("patient_access")
