"""Booking and the visit's lifecycle: book, move, check in, complete, no-show, cancel.

Each change raises a typed event (app/scheduling/events.py); reminders, the waitlist and live
updates react to it in the same transaction (app/scheduling/handlers.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import text
from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import DomainError, NotFound
from app.events import raise_event
from app.patients.models import Patient
from app.scheduling import availability as av
from app.scheduling.errors import SchedulingErrorCode
from app.scheduling.events import (
    AppointmentBooked,
    AppointmentEvent,
    AppointmentRescheduled,
    AppointmentStatusChanged,
)
from app.scheduling.free_time import Calendar, load_calendar
from app.scheduling.models import Appointment, AppointmentStatus, AppointmentType, Provider
from app.scheduling.states import RESCHEDULABLE, TRANSITIONS, next_status

EXCLUSION_VIOLATION = "23P01"


@av.refusing_out_of_range("starts_at")
async def _place(
    session: AsyncSession,
    *,
    provider_id: int,
    location_id: int,
    kind: AppointmentType,
    starts_at: datetime,
    room_id: int | None,
    ignore: int | None = None,
) -> tuple[datetime, int | None]:
    """Check the time is within hours and free (provider and room); returns end and room."""
    starts_at = av.aware(starts_at, "starts_at")
    ends_at = starts_at + timedelta(minutes=kind.duration_minutes)
    if starts_at < utcnow() - timedelta(minutes=5):
        raise DomainError(SchedulingErrorCode.IN_THE_PAST, "That time has passed.", ["starts_at"])
    av.within_horizon(starts_at, "starts_at", utcnow())
    calendar = await load_calendar(session, [provider_id], (starts_at, ends_at), [location_id])
    if location_id not in calendar.locations:
        raise DomainError(
            SchedulingErrorCode.OUTSIDE_AVAILABILITY,
            "The provider has no hours at this location.",
            ["location_id"],
        )
    if not av.contains(
        calendar.working(provider_id, location_id, (starts_at, ends_at)), starts_at, ends_at
    ):
        raise DomainError(
            SchedulingErrorCode.OUTSIDE_AVAILABILITY,
            "The provider is not available then.",
            ["starts_at"],
        )
    busy = calendar.provider_busy(provider_id, ignore)
    if any(av.overlaps((starts_at, ends_at), b) for b in busy):
        raise DomainError(
            SchedulingErrorCode.SLOT_UNAVAILABLE, "That time is already booked.", ["starts_at"]
        )
    if kind.room_type or room_id is not None:
        room = calendar.free_room(
            location_id,
            kind.room_type or _room_type(calendar, room_id),
            (starts_at, ends_at),
            ignore,
            room_id,
        )
        if room is None:
            raise DomainError(
                SchedulingErrorCode.ROOM_UNAVAILABLE, "No suitable room is free then.", ["room_id"]
            )
        room_id = room.id
    return ends_at, room_id


def _room_type(calendar: Calendar, room_id: int | None) -> str:
    for room in calendar.rooms:
        if room.id == room_id:
            return room.room_type
    raise NotFound("Room", ["room_id"])


async def _flush_held(session: AsyncSession) -> None:
    """Flush; on PostgreSQL the exclusion constraints turn a lost race into SLOT_UNAVAILABLE."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise DomainError(
                SchedulingErrorCode.SLOT_UNAVAILABLE, "That time is already booked.", ["starts_at"]
            ) from exc
        raise


async def book_appointment(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: int,
    provider_id: int,
    location_id: int,
    appointment_type_id: int,
    starts_at: datetime,
    room_id: int | None = None,
    reason: str | None = None,
    notes: str | None = None,
    series_id: int | None = None,
) -> Appointment:
    await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
    provider = await get_or_not_found(session, Provider, provider_id, "Provider", "provider_id")
    kind = await get_or_not_found(
        session, AppointmentType, appointment_type_id, "Appointment type", "appointment_type_id"
    )
    if not provider.active or not kind.active:
        raise DomainError(
            SchedulingErrorCode.INACTIVE, "The provider or type is not in use.", ["provider_id"]
        )
    ends_at, room_id = await _place(
        session,
        provider_id=provider_id,
        location_id=location_id,
        kind=kind,
        starts_at=starts_at,
        room_id=room_id,
    )
    appointment = Appointment(
        patient_id=patient_id,
        provider_id=provider_id,
        location_id=location_id,
        room_id=room_id,
        appointment_type_id=kind.id,
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at,
        status=AppointmentStatus.BOOKED,
        reason=reason,
        notes=notes,
        booked_by_id=actor.user_id,
        series_id=series_id,
    )
    session.add(appointment)
    await _flush_held(session)
    trail.record(session, actor, "create", "Appointment", appointment.id, patient_id=patient_id)
    raise_event(session, actor, AppointmentBooked.of(appointment))
    return appointment


async def locked_appointment(
    session: AsyncSession, appointment_id: int, expected_version: int | None = None
) -> Appointment:
    """The appointment, locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serializes writers), so concurrent status changes cannot both read
    the old status and the later one overwrite the first.

    With `expected_version`, the caller's copy must still be current (optimistic update): the
    version is compared under the lock, so of two callers holding the same version one wins."""
    appointment = await session.scalar(
        select(Appointment)
        .where(Appointment.id == appointment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if appointment is None:
        raise NotFound("Appointment", ["appointment_id"])
    if expected_version is not None and appointment.version != expected_version:
        raise DomainError(
            SchedulingErrorCode.VERSION_CONFLICT,
            f"The appointment changed since version {expected_version} (it is at version "
            f"{appointment.version}): read it again.",
            ["expected_version"],
        )
    return appointment


async def reschedule_appointment(
    session: AsyncSession,
    actor: Actor,
    appointment_id: int,
    *,
    starts_at: datetime,
    provider_id: int | None = None,
    location_id: int | None = None,
    room_id: int | None = None,
    expected_version: int | None = None,
) -> Appointment:
    appointment = await locked_appointment(session, appointment_id, expected_version)
    if appointment.status not in RESCHEDULABLE:
        raise DomainError(
            SchedulingErrorCode.INVALID_TRANSITION,
            f"A {appointment.status.name} appointment cannot be moved.",
            ["appointment_id"],
        )
    kind = await session.get(AppointmentType, appointment.appointment_type_id)
    assert kind is not None
    before = AppointmentEvent.snapshot(appointment)
    provider_id = provider_id or appointment.provider_id
    location_id = location_id or appointment.location_id

    async def place(room: int | None) -> tuple[datetime, int | None]:
        return await _place(
            session,
            provider_id=provider_id,
            location_id=location_id,
            kind=kind,
            starts_at=starts_at,
            room_id=room,
            ignore=appointment.id,
        )

    if room_id is None and location_id == appointment.location_id and appointment.room_id:
        # No room named: the visit keeps its room if that is free then, else (if its type
        # needs a room) takes any free room of the type.
        try:  # (_place only reads: nothing to undo when it refuses)
            ends_at, room = await place(appointment.room_id)
        except DomainError as error:
            if error.code != SchedulingErrorCode.ROOM_UNAVAILABLE or not kind.room_type:
                raise
            ends_at, room = await place(None)
    else:
        ends_at, room = await place(room_id)
    appointment.starts_at, appointment.ends_at = starts_at.astimezone(UTC), ends_at
    appointment.provider_id, appointment.location_id, appointment.room_id = (
        provider_id,
        location_id,
        room,
    )
    await _flush_held(session)
    event = AppointmentRescheduled.of(appointment, before)
    trail.record(
        session,
        actor,
        "update",
        "Appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        detail={"changed": list(event.moved)},
    )
    raise_event(session, actor, event)
    return appointment


async def _transition(
    session: AsyncSession,
    actor: Actor,
    appointment_id: int,
    step: str,
    expected_version: int | None = None,
    cancellation_reason: str | None = None,
) -> Appointment:
    appointment = await locked_appointment(session, appointment_id, expected_version)
    previous, target = appointment.status, next_status(step, appointment.status)
    if target is None:
        raise DomainError(
            SchedulingErrorCode.INVALID_TRANSITION,
            f"A {appointment.status.name} appointment cannot become {TRANSITIONS[step][1].name}.",
            ["appointment_id"],
        )
    appointment.status = target
    if cancellation_reason is not None:  # in the same UPDATE: one change, one version
        appointment.cancellation_reason = cancellation_reason
    await _flush_held(session)
    trail.record(
        session,
        actor,
        "update",
        "Appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        detail={"status": target.name},
    )
    raise_event(session, actor, AppointmentStatusChanged.of(appointment, previous))
    return appointment


async def check_in(
    session: AsyncSession, actor: Actor, appointment_id: int, expected_version: int | None = None
) -> Appointment:
    return await _transition(session, actor, appointment_id, "check_in", expected_version)


async def complete(
    session: AsyncSession, actor: Actor, appointment_id: int, expected_version: int | None = None
) -> Appointment:
    return await _transition(session, actor, appointment_id, "complete", expected_version)


async def mark_no_show(
    session: AsyncSession, actor: Actor, appointment_id: int, expected_version: int | None = None
) -> Appointment:
    appointment = await locked_appointment(session, appointment_id, expected_version)
    if appointment.starts_at > utcnow():
        raise DomainError(
            SchedulingErrorCode.TOO_EARLY,
            "A patient can only miss an appointment once it has started.",
            ["appointment_id"],
        )
    return await _transition(session, actor, appointment_id, "no_show", expected_version)


async def cancel_appointment(
    session: AsyncSession,
    actor: Actor,
    appointment_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> Appointment:
    """Cancel (its reminders are withdrawn and its time offered to the waitlist by handlers)."""
    if not reason or not reason.strip():
        raise DomainError(
            SchedulingErrorCode.REASON_REQUIRED, "Say why it is cancelled.", ["reason"]
        )
    # stored as cancellation_reason: checked here, so the error names the input's `reason`
    text.check_column(Appointment.__table__.c.cancellation_reason, reason.strip(), "reason")
    return await _transition(
        session,
        actor,
        appointment_id,
        "cancel",
        expected_version,
        cancellation_reason=reason.strip(),
    )
