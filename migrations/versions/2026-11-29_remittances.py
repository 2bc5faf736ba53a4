"""Remittances (835): imported payments, their claim payments, the provider ledger (PLB) and
the work queue of unmatched claim payments; billers' and admins' remittance permissions.

Revision ID: 45bad5f24d18
Revises: 3e7a9c1d5b48
Create Date: 2026-11-29 21:40:15.077069
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_grants import add_default_grants

revision: str = "45bad5f24d18"
down_revision: str | None = "3e7a9c1d5b48"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = [
    (role, "remittance", action) for role in ("biller", "admin") for action in ("read", "write")
]


def upgrade() -> None:
    op.create_table(
        "remittances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payer_code", sa.String(length=80), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=True),
        sa.Column("trace_number", sa.String(length=80), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("payment_cents", sa.Integer(), nullable=False),
        sa.Column("payment_method", sa.String(length=3), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_remittances_imported_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_remittances_payer_id_payers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittances")),
        sa.UniqueConstraint(
            "payer_code",
            "trace_number",
            "content_hash",
            name=op.f("uq_remittances_payer_code_trace_number_content_hash"),
        ),
    )
    with op.batch_alter_table("remittances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remittances_payer_id"), ["payer_id"], unique=False)

    op.create_table(
        "provider_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("provider_code", sa.String(length=80), nullable=False),
        sa.Column("fiscal_period_end", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=2), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittances.id"],
            name=op.f("fk_provider_adjustments_remittance_id_remittances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_adjustments")),
    )
    with op.batch_alter_table("provider_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provider_adjustments_remittance_id"), ["remittance_id"], unique=False
        )

    op.create_table(
        "remittance_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("control_number", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("patient_responsibility_cents", sa.Integer(), nullable=False),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_remittance_claims_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittances.id"],
            name=op.f("fk_remittance_claims_remittance_id_remittances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance_claims")),
    )
    with op.batch_alter_table("remittance_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_remittance_claims_claim_id"), ["claim_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_remittance_claims_remittance_id"), ["remittance_id"], unique=False
        )

    op.create_table(
        "remittance_work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_claim_id", sa.Integer(), nullable=False),
        sa.Column("problem", sa.String(length=20), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "resolved",
                "dismissed",
                name="workitemstate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("dismiss_reason", sa.String(length=400), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["remittance_claim_id"],
            ["remittance_claims.id"],
            name=op.f("fk_remittance_work_items_remittance_claim_id_remittance_claims"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_remittance_work_items_resolved_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance_work_items")),
        sa.UniqueConstraint(
            "remittance_claim_id", name=op.f("uq_remittance_work_items_remittance_claim_id")
        ),
    )
    with op.batch_alter_table("remittance_work_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remittance_work_items_state"), ["state"], unique=False)
    add_default_grants(GRANTS)


def downgrade() -> None:
    with op.batch_alter_table("remittance_work_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remittance_work_items_state"))

    op.drop_table("remittance_work_items")
    with op.batch_alter_table("remittance_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remittance_claims_remittance_id"))
        batch_op.drop_index(batch_op.f("ix_remittance_claims_claim_id"))

    op.drop_table("remittance_claims")
    with op.batch_alter_table("provider_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_adjustments_remittance_id"))

    op.drop_table("provider_adjustments")
    with op.batch_alter_table("remittances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remittances_payer_id"))

    op.drop_table("remittances")
