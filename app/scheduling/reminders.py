"""Appointment reminders: outbox messages due a lead time before each appointment.

They say where and when, never why: an email is not a place for clinical details.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.patients.models import Patient
from app.scheduling.availability import zone
from app.scheduling.models import Appointment, AppointmentType, Location


async def schedule(
    session: AsyncSession,
    settings: Settings,
    appointment: Appointment,
    patient: Patient | None,
    kind: AppointmentType,
) -> None:
    now = utcnow()
    if patient is None or not patient.email or appointment.starts_at <= now:
        return
    location = await session.get(Location, appointment.location_id)
    assert location is not None
    local = appointment.starts_at.astimezone(zone(location.timezone))
    when = local.strftime("%A, %B %-d at %-I:%M %p %Z")
    session.add(
        OutboxMessage(
            kind=MessageKind.APPOINTMENT_REMINDER,
            status=MessageStatus.PENDING,
            recipient=patient.email,
            patient_id=patient.id,
            appointment_id=appointment.id,
            subject=f"Reminder: your appointment on {local:%b %-d}",
            body=(
                f"Dear {patient.preferred_name or patient.given_name},\n\n"
                f"This is a reminder of your {kind.name.lower()} appointment at {location.name} "
                f"on {when}.\n\nIf you cannot come, please call us"
                f"{' at ' + location.phone if location.phone else ''}.\n\n{settings.practice_name}"
            ),
            due_at=max(now, appointment.starts_at - timedelta(hours=settings.reminder_lead_hours)),
        )
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


async def reschedule(
    session: AsyncSession,
    settings: Settings,
    appointment: Appointment,
    patient: Patient | None,
    kind: AppointmentType,
) -> None:
    await cancel(session, [appointment.id])
    await schedule(session, settings, appointment, patient, kind)
