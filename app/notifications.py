"""Every message the practice sends, worded in one place, and queued in the outbox.

Domain logic decides that a patient should hear something; this module decides what it says.
Messages say where and when, never why: email is no place for clinical detail (a test of each
message checks that the visit's reason stays out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.patients.models import Patient
from app.scheduling.availability import zone
from app.scheduling.models import AppointmentType, Location

_WHEN = "%A, %B %-d at %-I:%M %p %Z"


@dataclass(frozen=True)
class Visit:
    """What a message may say about a visit: its kind, where, and when (in the location's zone)."""

    type_name: str
    location_name: str
    location_phone: str | None
    local_start: datetime


async def visit_of(
    session: AsyncSession, appointment_type_id: int, location_id: int, starts_at: datetime
) -> Visit:
    kind = await session.get(AppointmentType, appointment_type_id)
    location = await session.get(Location, location_id)
    assert kind is not None and location is not None
    return Visit(
        kind.name, location.name, location.phone, starts_at.astimezone(zone(location.timezone))
    )


def _greeting(patient: Patient) -> str:
    return f"Dear {patient.preferred_name or patient.given_name},"


def appointment_reminder(patient: Patient, visit: Visit, practice_name: str) -> tuple[str, str]:
    call = f" at {visit.location_phone}" if visit.location_phone else ""
    return (
        f"Reminder: your appointment on {visit.local_start:%b %-d}",
        f"{_greeting(patient)}\n\n"
        f"This is a reminder of your {visit.type_name.lower()} appointment at "
        f"{visit.location_name} on {visit.local_start.strftime(_WHEN)}.\n\n"
        f"If you cannot come, please call us{call}.\n\n{practice_name}",
    )


def waitlist_offer(patient: Patient, visit: Visit, practice_name: str) -> tuple[str, str]:
    return (
        "An earlier appointment is available",
        f"{_greeting(patient)}\n\n"
        f"A {visit.type_name.lower()} appointment opened at {visit.location_name} on "
        f"{visit.local_start.strftime(_WHEN)}. Call us or book online to take it; it goes to "
        f"whoever confirms first.\n\n{practice_name}",
    )


def enqueue(
    session: AsyncSession,
    kind: MessageKind,
    patient: Patient,
    message: tuple[str, str],
    due_at: datetime,
    appointment_id: int | None = None,
) -> OutboxMessage | None:
    """Queue an email to the patient; None when they have no address to send it to."""
    if not patient.email:
        return None
    subject, body = message
    queued = OutboxMessage(
        kind=kind,
        status=MessageStatus.PENDING,
        recipient=patient.email,
        patient_id=patient.id,
        appointment_id=appointment_id,
        subject=subject,
        body=body,
        due_at=due_at,
    )
    session.add(queued)
    return queued
