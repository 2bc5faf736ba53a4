"""Claim batches: each 837P file as sent and the claims it carried; the counter of the files'
ISA/GS/ST control numbers. Uses the claim permissions billers and admins hold already.

Revision ID: 3e7a9c1d5b48
Revises: 8b1d4f6a2c97
Create Date: 2026-11-29 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e7a9c1d5b48"
down_revision: str | None = "8b1d4f6a2c97"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER = "x12_interchange"


def upgrade() -> None:
    op.create_table(
        "claim_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("control_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("file_text", sa.Text(), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_claim_batches_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_batches")),
        sa.UniqueConstraint("control_number", name=op.f("uq_claim_batches_control_number")),
    )
    op.create_table(
        "claim_batch_claims",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["claim_batches.id"],
            name=op.f("fk_claim_batch_claims_batch_id_claim_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_batch_claims_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("batch_id", "claim_id", name=op.f("pk_claim_batch_claims")),
    )
    with op.batch_alter_table("claim_batch_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_batch_claims_claim_id"), ["claim_id"], unique=False
        )
    op.execute(f"INSERT INTO counters (name, value) VALUES ('{COUNTER}', 0)")


def downgrade() -> None:
    op.execute(f"DELETE FROM counters WHERE name = '{COUNTER}'")
    with op.batch_alter_table("claim_batch_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_batch_claims_claim_id"))
    op.drop_table("claim_batch_claims")
    op.drop_table("claim_batches")
