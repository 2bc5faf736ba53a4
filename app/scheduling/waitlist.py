"""The waitlist: patients who want time that is taken; freed time is offered to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import notifications
from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import DomainError
from app.outbox.models import MessageKind
from app.patients.models import Patient
from app.scheduling.availability import aware
from app.scheduling.errors import SchedulingErrorCode
from app.scheduling.events import AppointmentEvent
from app.scheduling.models import (
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
        (Patient, patient_id, "Patient", "patient_id"),
        (AppointmentType, appointment_type_id, "Appointment type", "appointment_type_id"),
        (Location, location_id, "Location", "location_id"),
        (Provider, provider_id, "Provider", "provider_id"),
    ):
        if id_ is not None:
            await get_or_not_found(session, model, id_, what, field)
    earliest, latest = aware(earliest, "earliest"), aware(latest, "latest")
    if earliest >= latest or latest <= utcnow():
        raise DomainError(
            SchedulingErrorCode.INVALID_TIME_RANGE,
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
    visit = await notifications.visit_of(
        session, freed.appointment_type_id, freed.location_id, freed.starts_at
    )
    for entry in matches:
        entry.status = WaitlistStatus.OFFERED
        trail.record(
            session,
            actor,
            "offer",
            "WaitlistEntry",
            entry.id,
            patient_id=entry.patient_id,
            detail={"appointment_id": freed.appointment_id},
        )
        patient = await session.get(Patient, entry.patient_id)
        if patient is not None:
            notifications.enqueue(
                session,
                MessageKind.WAITLIST_OFFER,
                patient,
                notifications.waitlist_offer(patient, visit, practice_name),
                due_at=utcnow(),
            )
    return matches


async def mark_booked(session: AsyncSession, actor: Actor, appointment: AppointmentEvent) -> None:
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
            detail={
                "status": WaitlistStatus.BOOKED.name,
                "appointment_id": appointment.appointment_id,
            },
        )
