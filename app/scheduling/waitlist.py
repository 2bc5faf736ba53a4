"""The waitlist: patients who want time that is taken; freed time is offered to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import DomainError
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.patients.models import Patient
from app.scheduling.availability import aware, zone
from app.scheduling.errors import SchedulingError
from app.scheduling.models import (
    Appointment,
    AppointmentType,
    Location,
    Provider,
    WaitlistEntry,
    WaitlistStatus,
)

OFFERS_PER_OPENING = 3


@dataclass(frozen=True)
class FreedTime:
    """Time an appointment no longer holds: its old time when moved, all of it when cancelled."""

    appointment_id: int
    patient_id: int
    appointment_type_id: int
    provider_id: int
    location_id: int
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, appointment: Appointment) -> FreedTime:
        return cls(
            appointment.id,
            appointment.patient_id,
            appointment.appointment_type_id,
            appointment.provider_id,
            appointment.location_id,
            appointment.starts_at,
            appointment.ends_at,
        )


async def add_to_waitlist(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: int,
    appointment_type_id: int,
    location_id: int,
    provider_id: int | None,
    earliest: datetime,
    latest: datetime,
    notes: str | None = None,
) -> WaitlistEntry:
    for model, id_, what, field in (
        (Patient, patient_id, "Patient", "patientId"),
        (AppointmentType, appointment_type_id, "Appointment type", "appointmentTypeId"),
        (Location, location_id, "Location", "locationId"),
        (Provider, provider_id, "Provider", "providerId"),
    ):
        if id_ is not None:
            await get_or_not_found(session, model, id_, what, field)
    earliest, latest = aware(earliest, "earliest"), aware(latest, "latest")
    if earliest >= latest or latest <= utcnow():
        raise DomainError(
            SchedulingError.INVALID_TIME_RANGE,
            "The window must end after it starts, in the future.",
            ["latest"],
        )
    entry = WaitlistEntry(
        patient_id=patient_id,
        appointment_type_id=appointment_type_id,
        location_id=location_id,
        provider_id=provider_id,
        earliest=earliest,
        latest=latest,
        notes=notes,
        status=WaitlistStatus.WAITING,
    )
    return await trail.add_created(session, actor, entry, "WaitlistEntry", patient_id=patient_id)


async def offer_freed_time(
    session: AsyncSession, actor: Actor, practice_name: str, freed: FreedTime
) -> list[WaitlistEntry]:
    """Offer freed time to the first matching waiting patients."""
    if freed.starts_at <= utcnow():
        return []
    matches = list(
        (
            await session.scalars(
                select(WaitlistEntry)
                .where(
                    WaitlistEntry.status == WaitlistStatus.WAITING,
                    WaitlistEntry.appointment_type_id == freed.appointment_type_id,
                    WaitlistEntry.location_id == freed.location_id,
                    or_(
                        WaitlistEntry.provider_id.is_(None),
                        WaitlistEntry.provider_id == freed.provider_id,
                    ),
                    WaitlistEntry.earliest <= freed.starts_at,
                    WaitlistEntry.latest >= freed.ends_at,
                    WaitlistEntry.patient_id != freed.patient_id,
                )
                .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
                .limit(OFFERS_PER_OPENING)
            )
        ).all()
    )
    if not matches:
        return []
    location = await session.get(Location, freed.location_id)
    kind = await session.get(AppointmentType, freed.appointment_type_id)
    assert location is not None and kind is not None
    local = freed.starts_at.astimezone(zone(location.timezone))
    for entry in matches:
        entry.status = WaitlistStatus.OFFERED
        patient = await session.get(Patient, entry.patient_id)
        trail.record(
            session,
            actor,
            "offer",
            "WaitlistEntry",
            entry.id,
            patient_id=entry.patient_id,
            detail={"appointmentId": freed.appointment_id},
        )
        if patient is None or not patient.email:
            continue
        session.add(
            OutboxMessage(
                kind=MessageKind.WAITLIST_OFFER,
                status=MessageStatus.PENDING,
                recipient=patient.email,
                patient_id=patient.id,
                due_at=utcnow(),
                subject="An earlier appointment is available",
                body=(
                    f"Dear {patient.preferred_name or patient.given_name},\n\n"
                    f"A {kind.name.lower()} appointment opened at {location.name} on "
                    f"{local.strftime('%A, %B %-d at %-I:%M %p %Z')}. Call us or book online to "
                    f"take it; it goes to whoever confirms first.\n\n{practice_name}"
                ),
            )
        )
    return matches


async def mark_booked(session: AsyncSession, actor: Actor, appointment: Appointment) -> None:
    """The patient booked the type they waited for at that location: their waiting (or
    offered) entries for it are done."""
    entries = (
        await session.scalars(
            select(WaitlistEntry).where(
                WaitlistEntry.patient_id == appointment.patient_id,
                WaitlistEntry.appointment_type_id == appointment.appointment_type_id,
                WaitlistEntry.location_id == appointment.location_id,
                WaitlistEntry.status.in_((WaitlistStatus.WAITING, WaitlistStatus.OFFERED)),
            )
        )
    ).all()
    for entry in entries:
        entry.status = WaitlistStatus.BOOKED
        trail.record(
            session,
            actor,
            "update",
            "WaitlistEntry",
            entry.id,
            patient_id=entry.patient_id,
            detail={"status": WaitlistStatus.BOOKED.name, "appointmentId": appointment.id},
        )
