"""Waitlist offers (which opening was offered, when, and what came of it), an EXPIRED waitlist
status, and a version counter on appointments for optimistic updates.

Revision ID: 9b3d5f7a1c42
Revises: 7a1c3e5d9b20
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3d5f7a1c42"
down_revision: str | None = "7a1c3e5d9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS_CHECK = "ck_waitlist_entries_waitliststatus"
_OLD_STATUSES = ("waiting", "offered", "booked", "removed")
_NEW_STATUSES = (*_OLD_STATUSES, "expired")


def _status_check(statuses: Sequence[str]) -> None:
    """Replace the CHECK on waitlist_entries.status (SQLite: by copying the table)."""
    values = ", ".join(f"'{status}'" for status in statuses)
    with op.batch_alter_table("waitlist_entries") as batch:
        batch.drop_constraint(op.f(_STATUS_CHECK), type_="check")
        batch.create_check_constraint(op.f(_STATUS_CHECK), sa.text(f"status IN ({values})"))


def upgrade() -> None:
    op.add_column(
        "appointments",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    _status_check(_NEW_STATUSES)
    op.create_index(
        op.f("ix_waitlist_entries_location_id_status"),
        "waitlist_entries",
        ["location_id", "status"],
        unique=False,
    )
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("waitlist_entry_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "accepted",
                "closed",
                name="offerstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_waitlist_offers_start_before_end")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_waitlist_offers_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_waitlist_offers_outbox_message_id_outbox_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_waitlist_offers_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_waitlist_offers_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["waitlist_entry_id"],
            ["waitlist_entries.id"],
            name=op.f("fk_waitlist_offers_waitlist_entry_id_waitlist_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_offers")),
    )
    op.create_index(
        op.f("ix_waitlist_offers_patient_id"), "waitlist_offers", ["patient_id"], unique=False
    )
    op.create_index(
        op.f("ix_waitlist_offers_waitlist_entry_id"),
        "waitlist_offers",
        ["waitlist_entry_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_waitlist_offers_waitlist_entry_id"), table_name="waitlist_offers")
    op.drop_index(op.f("ix_waitlist_offers_patient_id"), table_name="waitlist_offers")
    op.drop_table("waitlist_offers")
    op.drop_index(op.f("ix_waitlist_entries_location_id_status"), table_name="waitlist_entries")
    # An expired entry was closed by staff: before this revision that was a removal.
    op.execute("UPDATE waitlist_entries SET status = 'removed' WHERE status = 'expired'")
    _status_check(_OLD_STATUSES)
    # SQLite (3.35+) drops a column in place; copying the table instead would fail once other
    # rows (outbox messages) refer to appointments.
    op.execute("ALTER TABLE appointments DROP COLUMN version")
