"""The audit chain is keyed: each event names the HMAC key that sealed it (`key_id`).

Existing events keep their plain SHA-256 hashes and a NULL key id (the table is append-only, and
the key never reaches the database). `practice audit verify` accepts unkeyed events only up to
PRACTICE_AUDIT_UNKEYED_UNTIL: after upgrading a database that holds events, set it to the last
event's seq (`practice audit verify` names it), so a later rewrite cannot pose as a legacy event.

Revision ID: 3c5e7a9b1d24
Revises: 3e8b61c0d7a5
Create Date: 2026-11-29 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c5e7a9b1d24"
down_revision: str | None = "3e8b61c0d7a5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy on SQLite): the append-only triggers stay, and no row
    # is updated.
    op.add_column("audit_events", sa.Column("key_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_events", "key_id")
