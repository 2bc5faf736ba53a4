"""The audit event row and the patients a folded read names. The database refuses UPDATE and
DELETE on both (triggers in migrations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.text import MACHINE


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # One user's events about one patient in a span of time: the reads under a break-glass
    # grant (app/patients/break_glass_review.py), found by range, not by scanning the trail
    __table_args__ = (
        Index(
            "ix_audit_events_actor_patient_occurred_at",
            "actor_user_id",
            "patient_id",
            "occurred_at",
        ),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_user_id: Mapped[int | None] = mapped_column(index=True)
    actor_username: Mapped[str] = mapped_column(String(64), info=MACHINE)
    actor_roles: Mapped[str] = mapped_column(String(200), info=MACHINE)
    action: Mapped[str] = mapped_column(String(32), info=MACHINE)
    resource_type: Mapped[str] = mapped_column(String(64), info=MACHINE)
    resource_id: Mapped[str | None] = mapped_column(String(64), info=MACHINE)
    patient_id: Mapped[int | None] = mapped_column(index=True)
    request_id: Mapped[str | None] = mapped_column(String(64), info=MACHINE)
    ip: Mapped[str | None] = mapped_column(String(64), info=MACHINE)
    outcome: Mapped[str] = mapped_column(String(32), info=MACHINE)
    break_glass: Mapped[bool] = mapped_column(default=False)
    detail: Mapped[str | None] = mapped_column(Text, info=MACHINE)
    # A read folded from many (app/audit/trail.py): the ids read, a JSON list; their patients
    # are its AuditEventPatient rows. NULL for every other event.
    resource_ids: Mapped[str | None] = mapped_column(Text, info=MACHINE)
    prev_hash: Mapped[str] = mapped_column(String(64), info=MACHINE)
    # HMAC-SHA256 of the event under the key `key_id` names (held in the settings, never here);
    # NULL: an event written before the chain was keyed, hashed with plain SHA-256.
    key_id: Mapped[str | None] = mapped_column(String(32), info=MACHINE)
    hash: Mapped[str] = mapped_column(String(64), unique=True, info=MACHINE)


class AuditEventPatient(Base):
    """A patient whose records a folded read event read: found by patient like the event's own
    patient_id, and part of the event's hash."""

    __tablename__ = "audit_event_patients"

    # No foreign key: the hash, not the schema, proves a link belongs (a link to no event
    # or to a later one shows as tampering when verify reaches that seq)
    event_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    patient_id: Mapped[int] = mapped_column(primary_key=True, index=True)
