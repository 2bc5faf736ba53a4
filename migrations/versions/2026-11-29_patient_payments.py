"""Patient payments, refunds and write-offs (account_transactions); who may record them.

Revision ID: 3e7a9c5d1f42
Revises: 45bad5f24d18
Create Date: 2026-11-29 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_grants import add_default_grants

revision: str = "3e7a9c5d1f42"
down_revision: str | None = "45bad5f24d18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = [
    ("front_desk", "payment", "write"),
    ("biller", "payment", "write"),
    ("admin", "payment", "write"),
    ("biller", "account_adjustment", "write"),
    ("admin", "account_adjustment", "write"),
]


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "account_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            _enum("accounttransactionkind", "payment", "refund", "write_off"),
            nullable=False,
        ),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column(
            "method", _enum("paymentmethod", "cash", "check", "card", "other"), nullable=True
        ),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.String(length=400), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_cents > 0", name=op.f("ck_account_transactions_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_account_transactions_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_account_transactions_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_account_transactions_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["account_transactions.id"],
            name=op.f("fk_account_transactions_payment_id_account_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_transactions")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_account_transactions_idempotency_key")
        ),
    )
    with op.batch_alter_table("account_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_transactions_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_transactions_payment_id"), ["payment_id"], unique=False
        )
    add_default_grants(GRANTS)


def downgrade() -> None:
    with op.batch_alter_table("account_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_transactions_payment_id"))
        batch_op.drop_index(batch_op.f("ix_account_transactions_patient_id"))
    op.drop_table("account_transactions")
