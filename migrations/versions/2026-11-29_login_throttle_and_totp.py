"""Sign-in throttling instead of account lockout, and TOTP second factors for staff.

Revision ID: 3e8b61c0d7a5
Revises: f404d9753d24
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_grants import add_default_grants

revision: str = "3e8b61c0d7a5"
down_revision: str | None = "f404d9753d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("kind", "key_hash", name=op.f("uq_login_throttles_kind_key_hash")),
    )
    op.create_table(
        "totp_credentials",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("pending_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_totp_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_totp_credentials")),
    )
    # Failures no longer lock accounts: the count goes, and so do the locks it set (an
    # administrator's lock, from now on the only kind, cannot be told apart: none exists yet).
    # (ALTER TABLE ... DROP COLUMN, SQLite >= 3.35: no batch copy, which would drop and refill
    # users and so cascade to every table referring to it)
    op.drop_column("users", "failed_login_count")
    op.execute("UPDATE users SET locked_until = NULL")
    add_default_grants([("staff", "me", "write")])


def downgrade() -> None:
    op.add_column(
        "users",
        sa.Column("failed_login_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.drop_table("totp_credentials")
    op.drop_table("login_throttles")
