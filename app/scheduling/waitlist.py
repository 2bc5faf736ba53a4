"""The waitlist: patients who want time that is taken. Freed time is offered to them, and each
offer is kept (which opening, when, by which message, and what came of it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import notifications
from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import DomainError, NotFound
from app.outbox.models import MessageKind
from app.patients.models import Patient
from app.scheduling.availability import aware, within_horizon
from app.scheduling.errors import SchedulingErrorCode
from app.scheduling.events import AppointmentEvent
from app.scheduling.models import (
    OPEN_WAITLIST,
    AppointmentType,
    Location,
    OfferStatus,
    Provider,
    WaitlistEntry,
    WaitlistOffer,
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
    within_horizon(earliest, "earliest", utcnow())
    within_horizon(latest, "latest", utcnow())
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
    offers = []
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
        message = None
        if patient is not None:
            message = notifications.enqueue(
                session,
                MessageKind.WAITLIST_OFFER,
                patient,
                notifications.waitlist_offer(patient, visit, practice_name),
                due_at=utcnow(),
            )
        offers.append((entry, message))
    await session.flush()  # the messages' ids
    session.add_all(
        WaitlistOffer(
            waitlist_entry_id=entry.id,
            patient_id=entry.patient_id,
            provider_id=freed.provider_id,
            location_id=freed.location_id,
            starts_at=freed.starts_at,
            ends_at=freed.ends_at,
            status=OfferStatus.OPEN,
            outbox_message_id=message.id if message else None,
        )
        for entry, message in offers
    )
    return matches


async def _close_offers(
    session: AsyncSession, entry_ids: Sequence[int], booked: AppointmentEvent | None = None
) -> None:
    """The entries' open offers are over: ACCEPTED when `booked` is the offered time, else
    CLOSED."""
    for offer in (
        await session.scalars(
            select(WaitlistOffer).where(
                WaitlistOffer.waitlist_entry_id.in_(entry_ids),
                WaitlistOffer.status == OfferStatus.OPEN,
            )
        )
    ).all():
        taken = booked is not None and (booked.provider_id, booked.starts_at) == (
            offer.provider_id,
            offer.starts_at,
        )
        offer.status = OfferStatus.ACCEPTED if taken else OfferStatus.CLOSED


async def mark_booked(session: AsyncSession, actor: Actor, appointment: AppointmentEvent) -> None:
    """The patient booked the type they waited for at that location: their waiting (or
    offered) entries for it are done."""
    entries = (
        await session.scalars(
            select(WaitlistEntry).where(
                WaitlistEntry.patient_id == appointment.patient_id,
                WaitlistEntry.appointment_type_id == appointment.appointment_type_id,
                WaitlistEntry.location_id == appointment.location_id,
                WaitlistEntry.status.in_(OPEN_WAITLIST),
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
    if entries:
        await _close_offers(session, [entry.id for entry in entries], booked=appointment)


async def _close(
    session: AsyncSession, actor: Actor, entry_id: int, status: WaitlistStatus
) -> WaitlistEntry:
    entry = await session.scalar(
        select(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if entry is None:
        raise NotFound("Waitlist entry", ["waitlist_entry_id"])
    if entry.status not in OPEN_WAITLIST:
        raise DomainError(
            SchedulingErrorCode.INVALID_TRANSITION,
            f"A {entry.status.name} waitlist entry is closed already.",
            ["waitlist_entry_id"],
        )
    entry.status = status
    await _close_offers(session, [entry.id])
    trail.record(
        session,
        actor,
        "update",
        "WaitlistEntry",
        entry.id,
        patient_id=entry.patient_id,
        detail={"status": status.name},
    )
    return entry


async def remove_from_waitlist(session: AsyncSession, actor: Actor, entry_id: int) -> WaitlistEntry:
    """The patient no longer wants the time: off the list, open offers closed."""
    return await _close(session, actor, entry_id, WaitlistStatus.REMOVED)


async def expire_entry(session: AsyncSession, actor: Actor, entry_id: int) -> WaitlistEntry:
    """The practice closes the entry (its window is over, or it no longer fits)."""
    return await _close(session, actor, entry_id, WaitlistStatus.EXPIRED)


# reading ----------------------------------------------------------------------------------------
async def entries_at(
    session: AsyncSession,
    actor: Actor,
    *,
    location_id: int,
    statuses: Sequence[WaitlistStatus],
    offset: int,
    limit: int,
) -> tuple[list[WaitlistEntry], int]:
    """A location's entries in the order they are offered time (first come, first offered),
    and how many there are in all; each read audited."""
    await get_or_not_found(session, Location, location_id, "Location", "location_id")
    wanted = (WaitlistEntry.location_id == location_id, WaitlistEntry.status.in_(statuses))
    total = await session.scalar(select(func.count()).select_from(WaitlistEntry).where(*wanted))
    rows = list(
        (
            await session.scalars(
                select(WaitlistEntry)
                .where(*wanted)
                .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
                .offset(offset)
                .limit(limit)
            )
        ).all()
    )
    trail.record_reads(session, actor, "WaitlistEntry", rows)
    return rows, total or 0


entries_by_id = trail.audited_rows_by_id(WaitlistEntry, "WaitlistEntry")


async def offers_by_entry(
    session: AsyncSession, actor: Actor, entry_ids: Sequence[int]
) -> dict[int, list[WaitlistOffer]]:
    """The offers made to each entry, oldest first; each read audited."""
    rows = (
        await session.scalars(
            select(WaitlistOffer)
            .where(WaitlistOffer.waitlist_entry_id.in_(entry_ids))
            .order_by(WaitlistOffer.created_at, WaitlistOffer.id)
        )
    ).all()
    trail.record_reads(session, actor, "WaitlistOffer", rows)
    grouped: dict[int, list[WaitlistOffer]] = defaultdict(list)
    for offer in rows:
        grouped[offer.waitlist_entry_id].append(offer)
    return grouped
