"""Break-glass review: who reviewed each grant, when, with what finding; an index to find the
events under a grant; the compliance officer's permissions to read and review grants.

Revision ID: b7e2a9c4d1f6
Revises: 3c5e7a9b1d24
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_grants import add_default_grants

revision: str = "b7e2a9c4d1f6"
down_revision: str | None = "3c5e7a9b1d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = [
    ("compliance_officer", "break_glass_grant", "read"),
    ("compliance_officer", "break_glass_grant", "review"),
]


def upgrade() -> None:
    with op.batch_alter_table("break_glass_grants") as batch:
        batch.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column(
                "finding",
                sa.Enum(
                    "appropriate",
                    "inappropriate",
                    "needs_follow_up",
                    name="breakglassfinding",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_break_glass_grants_reviewed_by_id_users"),
            "users",
            ["reviewed_by_id"],
            ["id"],
        )
        batch.create_index(batch.f("ix_break_glass_grants_reviewed_at"), ["reviewed_at"])
    op.create_index(
        "ix_audit_events_actor_patient_occurred_at",
        "audit_events",
        ["actor_user_id", "patient_id", "occurred_at"],
        unique=False,
    )
    add_default_grants(GRANTS)


def downgrade() -> None:
    op.drop_index("ix_audit_events_actor_patient_occurred_at", table_name="audit_events")
    with op.batch_alter_table("break_glass_grants") as batch:
        batch.drop_index(batch.f("ix_break_glass_grants_reviewed_at"))
        batch.drop_constraint(
            batch.f("fk_break_glass_grants_reviewed_by_id_users"), type_="foreignkey"
        )
        batch.drop_column("review_note")
        batch.drop_constraint(batch.f("ck_break_glass_grants_breakglassfinding"), type_="check")
        batch.drop_column("finding")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by_id")
