"""Persisted queries: registered GraphQL documents by the SHA-256 of their text.

Revision ID: 5d8f1a3c7e92
Revises: b7e2a9c4d1f6
Create Date: 2026-11-29 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d8f1a3c7e92"
down_revision: str | None = "b7e2a9c4d1f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_queries",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_persisted_queries_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_persisted_queries")),
    )
    op.create_index(
        "ix_persisted_queries_user_registered_at",
        "persisted_queries",
        ["user_id", "registered_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_persisted_queries_user_registered_at", table_name="persisted_queries")
    op.drop_table("persisted_queries")
