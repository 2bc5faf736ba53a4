"""Appointment reminders: outbox messages due a lead time before each appointment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app import notifications
from app.config import Settings
from app.db import utcnow
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.patients.models import Patient
from app.scheduling.events import AppointmentEvent


async def schedule(session: AsyncSession, settings: Settings, event: AppointmentEvent) -> None:
    now = utcnow()
    patient = await session.get(Patient, event.patient_id)
    if patient is None or not patient.email or event.starts_at <= now:
        return
    visit = await notifications.visit_of(
        session, event.appointment_type_id, event.location_id, event.starts_at
    )
    notifications.enqueue(
        session,
        MessageKind.APPOINTMENT_REMINDER,
        patient,
        notifications.appointment_reminder(patient, visit, settings.practice_name),
        due_at=max(now, event.starts_at - timedelta(hours=settings.reminder_lead_hours)),
        appointment_id=event.appointment_id,
    )


async def cancel(session: AsyncSession, appointment_ids: Sequence[int]) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.appointment_id.in_(appointment_ids),
            OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.kind == MessageKind.APPOINTMENT_REMINDER,
        )
        .values(status=MessageStatus.CANCELLED)
    )
