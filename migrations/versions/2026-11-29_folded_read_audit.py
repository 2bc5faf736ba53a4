"""Folded read audit: a read event lists the ids read (`resource_ids`) and the patients they
belong to (audit_event_patients, found by patient), append-only like audit_events.

Existing events keep their hashes: only a folded read hashes the new contents.

Revision ID: 5d8f2b6e0a13
Revises: 5d8f1a3c7e92
Create Date: 2026-11-29 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d8f2b6e0a13"
down_revision: str | None = "5d8f1a3c7e92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy on SQLite): the append-only triggers stay.
    op.add_column("audit_events", sa.Column("resource_ids", sa.Text(), nullable=True))
    op.create_table(
        "audit_event_patients",
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_seq", "patient_id", name=op.f("pk_audit_event_patients")),
    )
    op.create_index(
        op.f("ix_audit_event_patients_patient_id"), "audit_event_patients", ["patient_id"]
    )
    _append_only()


def _append_only() -> None:
    """The links are part of the events: the database refuses to change or remove them."""
    if op.get_bind().dialect.name == "postgresql":
        # audit_events_refuse_change() is the trail's own refusal (the first migration)
        op.execute(
            "CREATE TRIGGER audit_event_patients_append_only BEFORE UPDATE OR DELETE ON "
            "audit_event_patients FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_patients_no_truncate BEFORE TRUNCATE ON "
            "audit_event_patients FOR EACH STATEMENT EXECUTE FUNCTION "
            "audit_events_refuse_change()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_event_patients_no_{verb.lower()} BEFORE {verb} ON "
            "audit_event_patients BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
    # INSERT OR REPLACE deletes the old row without firing DELETE triggers.
    op.execute(
        "CREATE TRIGGER audit_event_patients_no_replace BEFORE INSERT ON audit_event_patients "
        "WHEN EXISTS (SELECT 1 FROM audit_event_patients WHERE event_seq = NEW.event_seq "
        "AND patient_id = NEW.patient_id) "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )


def downgrade() -> None:
    # DROP TABLE fires no row trigger; the triggers go with the table
    op.drop_index(op.f("ix_audit_event_patients_patient_id"), table_name="audit_event_patients")
    op.drop_table("audit_event_patients")
    op.drop_column("audit_events", "resource_ids")
