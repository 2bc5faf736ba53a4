"""The outbox: one row per message to send, with its delivery state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, str_enum
from app.text import MACHINE


class MessageKind(enum.StrEnum):
    APPOINTMENT_REMINDER = "appointment_reminder"
    WAITLIST_OFFER = "waitlist_offer"
    PORTAL_INVITATION = "portal_invitation"
    PASSWORD_RESET = "password_reset"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry
    CANCELLED = "cancelled"  # no longer needed (the appointment moved or was cancelled)


class OutboxMessage(Timestamped, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind))
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus))
    recipient: Mapped[str] = mapped_column(String(254), info=MACHINE)
    subject: Mapped[str] = mapped_column(String(200), info=MACHINE)
    body: Mapped[str] = mapped_column(Text, info=MACHINE)
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    # A worker's claim (lease) or the retry back-off: not tried again before this instant.
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(400), info=MACHINE)
    sent_at: Mapped[datetime | None]
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
