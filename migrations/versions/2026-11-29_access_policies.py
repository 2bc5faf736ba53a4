"""Access policies in the database: roles, their permissions (p) and parents (g), a version.

The rules themselves are data: `practice migrate` installs policies/ into a database that holds
none yet (version 0). Every change bumps the `access_policy` counter; processes poll it.

Revision ID: f404d9753d24
Revises: 9b3d5f7a1c42
Create Date: 2026-11-29 14:29:11.568384
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f404d9753d24"
down_revision: str | None = "9b3d5f7a1c42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_roles")),
    )
    op.create_table(
        "role_parents",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("parent", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent"],
            ["roles.name"],
            name=op.f("fk_role_parents_parent_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role"], ["roles.name"], name=op.f("fk_role_parents_role_roles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("role", "parent", name=op.f("pk_role_parents")),
    )
    with op.batch_alter_table("role_parents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_parents_parent"), ["parent"], unique=False)

    op.create_table(
        "role_permissions",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["role"],
            ["roles.name"],
            name=op.f("fk_role_permissions_role_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role", "resource", "action", name=op.f("pk_role_permissions")),
    )
    op.execute("INSERT INTO counters (name, value) VALUES ('access_policy', 0)")


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'access_policy'")
    op.drop_table("role_permissions")
    with op.batch_alter_table("role_parents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_parents_parent"))

    op.drop_table("role_parents")
    op.drop_table("roles")
