"""Scheduling rules: free slots, booking without double booking, the appointment lifecycle."""

from __future__ import annotations

import enum
import heapq
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.db import get_or_not_found, utcnow
from app.errors import CommonError, DomainError, DomainErrors, NotFound
from app.identifiers import npi_is_valid
from app.patients.models import Patient
from app.scheduling import availability as av
from app.scheduling import ical, recurrence, reminders, waitlist
from app.scheduling.errors import SchedulingError
from app.scheduling.models import (
    HELD_STATUSES,
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    ExceptionKind,
    Location,
    Provider,
    Room,
)
from app.users.models import User

SCHEDULE_TOPIC = "schedule"


class Change(enum.StrEnum):
    """What a schedule event says happened."""

    BOOKED = "BOOKED"
    RESCHEDULED = "RESCHEDULED"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


EXCLUSION_VIOLATION = "23P01"
MAX_ID = 2**31 - 1  # the largest primary key (PostgreSQL integer)

# Which status each lifecycle step moves from, and to.
TRANSITIONS: dict[str, tuple[tuple[AppointmentStatus, ...], AppointmentStatus]] = {
    "check_in": ((AppointmentStatus.BOOKED,), AppointmentStatus.ARRIVED),
    "no_show": ((AppointmentStatus.BOOKED,), AppointmentStatus.NOAPPOINTMENT),
    "complete": ((AppointmentStatus.ARRIVED,), AppointmentStatus.FULFILLED),
    "cancel": ((AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED), AppointmentStatus.CANCELLED),
}
RESCHEDULABLE = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED)


async def _add_unique(
    session: AsyncSession,
    actor: Actor,
    row: Any,
    resource_type: str,
    message: str,
    field: str,
) -> Any:
    """Insert a row whose name must be unique; losing a race to a concurrent insert of the same
    name (after the check above passed) is NAME_TAKEN, not a server error."""
    try:
        async with session.begin_nested():
            return await trail.add_created(session, actor, row, resource_type)
    except IntegrityError as exc:
        raise DomainError(SchedulingError.NAME_TAKEN, message, [field]) from exc


# set-up: locations, rooms, providers, appointment types, availability --------------------------
async def create_location(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    timezone: str,
    address: str | None = None,
    phone: str | None = None,
) -> Location:
    av.zone(timezone)
    if await session.scalar(select(Location.id).where(Location.name == name)):
        raise DomainError(
            SchedulingError.NAME_TAKEN, f"A location named {name!r} exists.", ["name"]
        )
    location = Location(name=name, timezone=timezone, address=address, phone=phone)
    return await _add_unique(
        session, actor, location, "Location", f"A location named {name!r} exists.", "name"
    )


async def create_room(
    session: AsyncSession, actor: Actor, *, location_id: int, name: str, room_type: str
) -> Room:
    await get_or_not_found(session, Location, location_id, "Location", "locationId")
    room = Room(location_id=location_id, name=name, room_type=room_type)
    return await trail.add_created(session, actor, room, "Room")


async def create_provider(
    session: AsyncSession, actor: Actor, *, username: str, npi: str, specialty: str
) -> Provider:
    user_id = await session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound("User", ["username"])
    if not npi_is_valid(npi):
        raise DomainError(
            SchedulingError.INVALID_NPI,
            "An NPI is 10 digits ending in its Luhn check digit.",
            ["npi"],
        )
    if await session.scalar(select(Provider.id).where(Provider.user_id == user_id)):
        raise DomainError(
            SchedulingError.NAME_TAKEN, f"{username!r} is a provider already.", ["username"]
        )
    if await session.scalar(select(Provider.id).where(Provider.npi == npi)):
        raise DomainError(SchedulingError.NAME_TAKEN, "Another provider has this NPI.", ["npi"])
    provider = Provider(
        user_id=user_id, npi=npi, specialty=specialty, calendar_token=secrets.token_urlsafe(24)
    )
    return await _add_unique(
        session, actor, provider, "Provider", "The user or the NPI is a provider already.", "npi"
    )


async def create_appointment_type(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    duration_minutes: int,
    color: str = "#4a90d9",
    bookable_online: bool = False,
    room_type: str | None = None,
) -> AppointmentType:
    if not 5 <= duration_minutes <= 480:
        raise DomainError(
            SchedulingError.INVALID_TIME_RANGE, "Duration is 5 to 480 minutes.", ["durationMinutes"]
        )
    if await session.scalar(select(AppointmentType.id).where(AppointmentType.name == name)):
        raise DomainError(SchedulingError.NAME_TAKEN, f"A type named {name!r} exists.", ["name"])
    kind = AppointmentType(
        name=name,
        duration_minutes=duration_minutes,
        color=color,
        bookable_online=bookable_online,
        room_type=room_type,
    )
    return await _add_unique(
        session, actor, kind, "AppointmentType", f"A type named {name!r} exists.", "name"
    )


async def add_weekly_availability(
    session: AsyncSession,
    actor: Actor,
    *,
    provider_id: int,
    location_id: int,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> AvailabilityTemplate:
    await get_or_not_found(session, Provider, provider_id, "Provider", "providerId")
    await get_or_not_found(session, Location, location_id, "Location", "locationId")
    if not 0 <= weekday <= 6 or start_time >= end_time:
        raise DomainError(
            SchedulingError.INVALID_TIME_RANGE,
            "Weekday is 0 (Monday) to 6; hours must start before they end.",
            ["startTime"],
        )
    template = AvailabilityTemplate(
        provider_id=provider_id,
        location_id=location_id,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return await trail.add_created(session, actor, template, "AvailabilityTemplate")


async def add_availability_exception(
    session: AsyncSession,
    actor: Actor,
    *,
    provider_id: int,
    kind: ExceptionKind,
    starts_at: datetime,
    ends_at: datetime,
    location_id: int | None = None,
    reason: str | None = None,
) -> AvailabilityException:
    await get_or_not_found(session, Provider, provider_id, "Provider", "providerId")
    starts_at, ends_at = av.aware(starts_at, "startsAt"), av.aware(ends_at, "endsAt")
    if starts_at >= ends_at:
        raise DomainError(SchedulingError.INVALID_TIME_RANGE, "Start before the end.", ["endsAt"])
    if kind == ExceptionKind.EXTRA_HOURS and location_id is None:
        raise DomainError(
            SchedulingError.INVALID_TIME_RANGE, "Extra hours need a location.", ["locationId"]
        )
    exception = AvailabilityException(
        provider_id=provider_id,
        location_id=location_id,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
    )
    return await trail.add_created(session, actor, exception, "AvailabilityException")


# free time -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    provider_id: int
    location_id: int
    starts_at: datetime
    ends_at: datetime
    room_id: int | None


@dataclass
class _Calendar:
    """Everything free-time questions need about some providers over a window, loaded at once."""

    locations: dict[int, Location]
    templates: list[AvailabilityTemplate]
    exceptions: list[AvailabilityException]
    held: list[Appointment]
    rooms: list[Room]
    _templates_by_day: dict[tuple[int, int, int], list[AvailabilityTemplate]] = field(
        init=False, default_factory=dict
    )
    _room_busy: dict[int, av.Busy] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for t in self.templates:
            key = (t.provider_id, t.location_id, t.weekday)
            self._templates_by_day.setdefault(key, []).append(t)
        by_room: dict[int, list[av.Interval]] = defaultdict(list)
        for a in self.held:
            if a.room_id is not None:
                by_room[a.room_id].append((a.starts_at, a.ends_at))
        self._room_busy = {room_id: av.Busy(busy) for room_id, busy in by_room.items()}

    def working(self, provider_id: int, location_id: int, window: av.Interval) -> list[av.Interval]:
        """The provider's hours at the location (templates plus extra hours, minus time off)."""
        tz = av.zone(self.locations[location_id].timezone)
        hours: list[av.Interval] = []
        for day in av.local_dates(window[0] - timedelta(days=1), window[1] + timedelta(days=1), tz):
            for t in self._templates_by_day.get((provider_id, location_id, day.weekday()), ()):
                if (t.valid_from and day < t.valid_from) or (t.valid_until and day > t.valid_until):
                    continue
                hours.append((av.instant(day, t.start_time, tz), av.instant(day, t.end_time, tz)))
        mine = [e for e in self.exceptions if e.provider_id == provider_id]
        hours += [
            (e.starts_at, e.ends_at)
            for e in mine
            if e.kind == ExceptionKind.EXTRA_HOURS and e.location_id == location_id
        ]
        time_off = [
            (e.starts_at, e.ends_at)
            for e in mine
            if e.kind == ExceptionKind.TIME_OFF and e.location_id in (None, location_id)
        ]
        return av.subtract(hours, time_off)

    def provider_busy(self, provider_id: int, ignore: int | None = None) -> list[av.Interval]:
        return [
            (a.starts_at, a.ends_at)
            for a in self.held
            if a.provider_id == provider_id and a.id != ignore
        ]

    def free_room(
        self,
        location_id: int,
        room_type: str,
        slot: av.Interval,
        ignore: int | None = None,
        wanted: int | None = None,
    ) -> Room | None:
        for room in self.rooms:
            if room.location_id != location_id or room.room_type != room_type:
                continue
            if wanted is not None and room.id != wanted:
                continue
            if ignore is None:
                busy = self._room_busy.get(room.id)
                if busy is None or not busy.overlaps(slot):
                    return room
                continue
            if not any(
                av.overlaps(slot, (a.starts_at, a.ends_at))
                for a in self.held
                if a.room_id == room.id and a.id != ignore
            ):
                return room
        return None


async def _calendar(
    session: AsyncSession,
    provider_ids: Sequence[int],
    window: av.Interval,
    location_ids: Sequence[int] | None = None,
) -> _Calendar:
    padded = (window[0] - timedelta(days=1), window[1] + timedelta(days=1))
    templates_q = select(AvailabilityTemplate).where(
        AvailabilityTemplate.provider_id.in_(provider_ids)
    )
    if location_ids is not None:
        templates_q = templates_q.where(AvailabilityTemplate.location_id.in_(location_ids))
    templates = list((await session.scalars(templates_q)).all())
    exceptions = list(
        (
            await session.scalars(
                select(AvailabilityException).where(
                    AvailabilityException.provider_id.in_(provider_ids),
                    AvailabilityException.starts_at < padded[1],
                    AvailabilityException.ends_at > padded[0],
                )
            )
        ).all()
    )
    wanted_locations = (
        {t.location_id for t in templates}
        | {e.location_id for e in exceptions if e.location_id}
        | set(location_ids or ())
    )
    locations = {
        loc.id: loc
        for loc in (
            await session.scalars(select(Location).where(Location.id.in_(wanted_locations)))
        ).all()
    }
    rooms = list(
        (await session.scalars(select(Room).where(Room.location_id.in_(wanted_locations)))).all()
    )
    room_ids = [r.id for r in rooms]
    held = list(
        (
            await session.scalars(
                select(Appointment).where(
                    Appointment.status.in_(HELD_STATUSES),
                    Appointment.starts_at < padded[1],
                    Appointment.ends_at > padded[0],
                    or_(
                        Appointment.provider_id.in_(provider_ids), Appointment.room_id.in_(room_ids)
                    ),
                )
            )
        ).all()
    )
    return _Calendar(locations, templates, exceptions, held, rooms)


@av.refusing_out_of_range("to")
async def available_slots(
    session: AsyncSession,
    *,
    appointment_type_id: int,
    starts: datetime,
    ends: datetime,
    provider_ids: Sequence[int] | None = None,
    location_id: int | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> list[Slot]:
    """Free slots of the type's length, from templates minus exceptions minus held time;
    times are given in the location's time zone."""
    kind = await get_or_not_found(
        session, AppointmentType, appointment_type_id, "Appointment type", "appointmentTypeId"
    )
    starts, ends = av.aware(starts, "from"), av.aware(ends, "to")
    if ends <= starts or ends - starts > timedelta(days=62):
        raise DomainError(
            SchedulingError.INVALID_TIME_RANGE,
            "Ask for a window of at most 62 days that ends after it starts.",
            ["to"],
        )
    if provider_ids is None:
        provider_ids = list(
            (
                await session.scalars(
                    select(AvailabilityTemplate.provider_id)
                    .distinct()
                    .join(Provider)
                    .where(
                        AvailabilityTemplate.location_id == location_id, Provider.active.is_(True)
                    )
                )
            ).all()
        )
    window = (max(starts, now or utcnow()), ends)
    calendar = await _calendar(
        session, provider_ids, window, [location_id] if location_id is not None else None
    )
    duration = timedelta(minutes=kind.duration_minutes)
    streams: list[Iterator[Slot]] = []
    for provider_id in provider_ids:
        for loc_id in sorted(
            {t.location_id for t in calendar.templates if t.provider_id == provider_id}
            | {
                e.location_id
                for e in calendar.exceptions
                if e.location_id
                and e.provider_id == provider_id
                and e.kind == ExceptionKind.EXTRA_HOURS
            }
        ):
            if location_id is not None and loc_id != location_id:
                continue
            free = av.subtract(
                calendar.working(provider_id, loc_id, window), calendar.provider_busy(provider_id)
            )
            streams.append(_free_slots(calendar, provider_id, loc_id, kind, free, duration, window))
    # Each stream is in time order, so merging them in (start, provider) order -- ties in
    # stream order, as a stable sort of them all would give -- can stop at `limit`.
    return list(islice(heapq.merge(*streams, key=lambda s: (s.starts_at, s.provider_id)), limit))


def _free_slots(
    calendar: _Calendar,
    provider_id: int,
    location_id: int,
    kind: AppointmentType,
    free: Sequence[av.Interval],
    duration: timedelta,
    window: av.Interval,
) -> Iterator[Slot]:
    """The provider's free slots at the location, in time order, each with a room if needed."""
    tz = av.zone(calendar.locations[location_id].timezone)
    for start, end in av.iter_cut(free, duration, window):
        room = (
            calendar.free_room(location_id, kind.room_type, (start, end))
            if kind.room_type
            else None
        )
        if kind.room_type and room is None:
            continue
        yield Slot(
            provider_id,
            location_id,
            start.astimezone(tz),
            end.astimezone(tz),
            room.id if room else None,
        )


# booking ---------------------------------------------------------------------------------------
def _publish(
    session: AsyncSession,
    appointment: Appointment,
    change: Change,
    changed: Sequence[str],
    previous: dict[str, Any] | None = None,
) -> None:
    events.publish(
        session,
        SCHEDULE_TOPIC,
        {
            "appointmentId": appointment.id,
            "change": change.value,
            "changedFields": list(changed),
            "locationId": appointment.location_id,
            "providerId": appointment.provider_id,
            "patientId": appointment.patient_id,
            "startsAt": appointment.starts_at.isoformat(),
            "endsAt": appointment.ends_at.isoformat(),
            "previous": previous or {},
        },
    )


@av.refusing_out_of_range("startsAt")
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
    starts_at = av.aware(starts_at, "startsAt")
    ends_at = starts_at + timedelta(minutes=kind.duration_minutes)
    if starts_at < utcnow() - timedelta(minutes=5):
        raise DomainError(SchedulingError.IN_THE_PAST, "That time has passed.", ["startsAt"])
    calendar = await _calendar(session, [provider_id], (starts_at, ends_at), [location_id])
    if location_id not in calendar.locations:
        raise DomainError(
            SchedulingError.OUTSIDE_AVAILABILITY,
            "The provider has no hours at this location.",
            ["locationId"],
        )
    if not av.contains(
        calendar.working(provider_id, location_id, (starts_at, ends_at)), starts_at, ends_at
    ):
        raise DomainError(
            SchedulingError.OUTSIDE_AVAILABILITY,
            "The provider is not available then.",
            ["startsAt"],
        )
    busy = calendar.provider_busy(provider_id, ignore)
    if any(av.overlaps((starts_at, ends_at), b) for b in busy):
        raise DomainError(
            SchedulingError.SLOT_UNAVAILABLE, "That time is already booked.", ["startsAt"]
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
                SchedulingError.ROOM_UNAVAILABLE, "No suitable room is free then.", ["roomId"]
            )
        room_id = room.id
    return ends_at, room_id


def _room_type(calendar: _Calendar, room_id: int | None) -> str:
    for room in calendar.rooms:
        if room.id == room_id:
            return room.room_type
    raise NotFound("Room", ["roomId"])


async def _flush_held(session: AsyncSession) -> None:
    """Flush; on PostgreSQL the exclusion constraints turn a lost race into SLOT_UNAVAILABLE."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise DomainError(
                SchedulingError.SLOT_UNAVAILABLE, "That time is already booked.", ["startsAt"]
            ) from exc
        raise


async def book_appointment(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
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
    patient = await get_or_not_found(session, Patient, patient_id, "Patient", "patientId")
    provider = await get_or_not_found(session, Provider, provider_id, "Provider", "providerId")
    kind = await get_or_not_found(
        session, AppointmentType, appointment_type_id, "Appointment type", "appointmentTypeId"
    )
    if not provider.active or not kind.active:
        raise DomainError(
            SchedulingError.INACTIVE, "The provider or type is not in use.", ["providerId"]
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
    await reminders.schedule(session, settings, appointment, patient, kind)
    trail.record(session, actor, "create", "Appointment", appointment.id, patient_id=patient_id)
    await waitlist.mark_booked(session, actor, appointment)
    _publish(session, appointment, Change.BOOKED, ["status", "startsAt", "endsAt"])
    return appointment


async def _appointment(session: AsyncSession, appointment_id: int) -> Appointment:
    """The appointment, locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serializes writers), so concurrent status changes cannot both read
    the old status and the later one overwrite the first."""
    appointment = await session.scalar(
        select(Appointment)
        .where(Appointment.id == appointment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if appointment is None:
        raise NotFound("Appointment", ["appointmentId"])
    return appointment


async def reschedule_appointment(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    appointment_id: int,
    *,
    starts_at: datetime,
    provider_id: int | None = None,
    location_id: int | None = None,
    room_id: int | None = None,
) -> Appointment:
    appointment = await _appointment(session, appointment_id)
    if appointment.status not in RESCHEDULABLE:
        raise DomainError(
            SchedulingError.INVALID_TRANSITION,
            f"A {appointment.status.name} appointment cannot be moved.",
            ["appointmentId"],
        )
    kind = await session.get(AppointmentType, appointment.appointment_type_id)
    assert kind is not None
    previous = {
        "startsAt": appointment.starts_at.isoformat(),
        "providerId": appointment.provider_id,
        "locationId": appointment.location_id,
    }
    freed = waitlist.FreedTime.of(appointment)
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
            if error.code != SchedulingError.ROOM_UNAVAILABLE or not kind.room_type:
                raise
            ends_at, room = await place(None)
    else:
        ends_at, room = await place(room_id)
    changed = [
        name
        for name, before, after in (
            ("startsAt", appointment.starts_at, starts_at.astimezone(UTC)),
            ("providerId", appointment.provider_id, provider_id),
            ("locationId", appointment.location_id, location_id),
            ("roomId", appointment.room_id, room),
        )
        if before != after
    ]
    appointment.starts_at, appointment.ends_at = starts_at.astimezone(UTC), ends_at
    appointment.provider_id, appointment.location_id, appointment.room_id = (
        provider_id,
        location_id,
        room,
    )
    await _flush_held(session)
    patient = await session.get(Patient, appointment.patient_id)
    await reminders.reschedule(session, settings, appointment, patient, kind)
    trail.record(
        session,
        actor,
        "update",
        "Appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        detail={"changed": changed},
    )
    _publish(session, appointment, Change.RESCHEDULED, changed, previous)
    if appointment.provider_id != freed.provider_id or not av.overlaps(
        (freed.starts_at, freed.ends_at), (appointment.starts_at, appointment.ends_at)
    ):
        # The old time is free again (a move within it frees only part of it: not offered).
        await waitlist.offer_freed_time(session, actor, settings.practice_name, freed)
    return appointment


async def _transition(
    session: AsyncSession, actor: Actor, appointment_id: int, step: str, change: Change
) -> Appointment:
    appointment = await _appointment(session, appointment_id)
    sources, target = TRANSITIONS[step]
    if appointment.status not in sources:
        raise DomainError(
            SchedulingError.INVALID_TRANSITION,
            f"A {appointment.status.name} appointment cannot become {target.name}.",
            ["appointmentId"],
        )
    previous = {"status": appointment.status.name}
    appointment.status = target
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
    _publish(session, appointment, change, ["status"], previous)
    return appointment


async def check_in(session: AsyncSession, actor: Actor, appointment_id: int) -> Appointment:
    return await _transition(session, actor, appointment_id, "check_in", Change.CHECKED_IN)


async def complete(session: AsyncSession, actor: Actor, appointment_id: int) -> Appointment:
    return await _transition(session, actor, appointment_id, "complete", Change.COMPLETED)


async def mark_no_show(session: AsyncSession, actor: Actor, appointment_id: int) -> Appointment:
    appointment = await _appointment(session, appointment_id)
    if appointment.starts_at > utcnow():
        raise DomainError(
            SchedulingError.TOO_EARLY,
            "A patient can only miss an appointment once it has started.",
            ["appointmentId"],
        )
    appointment = await _transition(session, actor, appointment_id, "no_show", Change.NO_SHOW)
    await reminders.cancel(session, [appointment.id])
    # Nothing is offered to the waitlist: a no-show has started, so what is left of its time
    # is shorter than the visit type and cannot be booked as one.
    return appointment


async def cancel_appointment(
    session: AsyncSession, actor: Actor, settings: Settings, appointment_id: int, *, reason: str
) -> Appointment:
    """Cancel; its reminders are withdrawn and the freed time is offered to the waitlist."""
    if not reason or not reason.strip():
        raise DomainError(SchedulingError.REASON_REQUIRED, "Say why it is cancelled.", ["reason"])
    appointment = await _transition(session, actor, appointment_id, "cancel", Change.CANCELLED)
    appointment.cancellation_reason = reason.strip()
    await reminders.cancel(session, [appointment.id])
    await waitlist.offer_freed_time(
        session, actor, settings.practice_name, waitlist.FreedTime.of(appointment)
    )
    return appointment


# recurring series ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesResult:
    series: AppointmentSeries
    booked: list[Appointment]
    skipped: list[tuple[datetime, DomainError]]


async def book_series(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    rrule: str,
    skip_conflicts: bool,
    patient_id: int,
    provider_id: int,
    location_id: int,
    appointment_type_id: int,
    starts_at: datetime,
    room_id: int | None = None,
    reason: str | None = None,
) -> SeriesResult:
    """Book every occurrence of the rule. A conflict fails the whole series (each conflicting
    occurrence reported) unless `skip_conflicts`, which books the rest and lists the skipped."""
    location = await get_or_not_found(session, Location, location_id, "Location", "locationId")
    starts_at = av.aware(starts_at, "startsAt")
    instants = recurrence.occurrences(rrule, starts_at, av.zone(location.timezone))
    series = AppointmentSeries(
        rrule=rrule.strip().removeprefix("RRULE:"), created_by_id=actor.user_id
    )
    session.add(series)
    await session.flush()
    booked: list[Appointment] = []
    skipped: list[tuple[datetime, DomainError]] = []
    for index, when in enumerate(instants):
        try:
            async with session.begin_nested():
                booked.append(
                    await book_appointment(
                        session,
                        actor,
                        settings,
                        patient_id=patient_id,
                        provider_id=provider_id,
                        location_id=location_id,
                        appointment_type_id=appointment_type_id,
                        starts_at=when,
                        room_id=room_id,
                        reason=reason,
                        series_id=series.id,
                    )
                )
        except DomainError as error:
            if error.code == CommonError.NOT_FOUND:
                raise
            error.field = ["occurrences", str(index), *(error.field or [])]
            skipped.append((when, error))
    if skipped and not skip_conflicts:
        raise DomainErrors([error for _, error in skipped])
    if not booked:
        raise DomainError(
            SchedulingError.SERIES_CONFLICT, "No occurrence could be booked.", ["rrule"]
        )
    return SeriesResult(series, booked, skipped)


async def _this_and_following(session: AsyncSession, appointment: Appointment) -> list[Appointment]:
    """The occurrence and the later ones that can still change. An occurrence that cannot
    change itself comes alone, so the step refuses it (INVALID_TRANSITION) as it would alone."""
    if appointment.series_id is None or appointment.status not in RESCHEDULABLE:
        return [appointment]
    return list(
        (
            await session.scalars(
                select(Appointment)
                .where(
                    Appointment.series_id == appointment.series_id,
                    Appointment.starts_at >= appointment.starts_at,
                    Appointment.status.in_(RESCHEDULABLE),
                )
                .order_by(Appointment.starts_at)
            )
        ).all()
    )


async def cancel_series(
    session: AsyncSession, actor: Actor, settings: Settings, appointment_id: int, *, reason: str
) -> list[Appointment]:
    """Cancel this occurrence and every later one of its series."""
    first = await _appointment(session, appointment_id)
    return [
        await cancel_appointment(session, actor, settings, a.id, reason=reason)
        for a in await _this_and_following(session, first)
    ]


async def reschedule_series(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    appointment_id: int,
    *,
    starts_at: datetime,
    provider_id: int | None = None,
    location_id: int | None = None,
    room_id: int | None = None,
) -> list[Appointment]:
    """Move this occurrence and every later one by the same shift of local wall time; the
    series keeps its provider, location and room (naming others is refused, not ignored)."""
    for name, value in (
        ("providerId", provider_id),
        ("locationId", location_id),
        ("roomId", room_id),
    ):
        if value is not None:
            raise DomainError(
                CommonError.INVALID_INPUT,
                "A series moves in time only; move one occurrence (scope THIS) to change "
                "its provider, location or room.",
                [name],
            )
    first = await _appointment(session, appointment_id)
    starts_at = av.aware(starts_at, "startsAt")
    location = await get_or_not_found(
        session, Location, first.location_id, "Location", "locationId"
    )
    tz = av.zone(location.timezone)
    with av.in_range("startsAt"):
        shift = starts_at.astimezone(tz).replace(tzinfo=None) - first.starts_at.astimezone(
            tz
        ).replace(tzinfo=None)
    moved: dict[int, Appointment] = {}
    errors: dict[int, DomainError] = {}
    targets = list(enumerate(await _this_and_following(session, first)))
    if shift > timedelta(0):
        # Later occurrences first: each then moves into time the series itself has left.
        targets.reverse()
    for index, appointment in targets:
        try:
            with av.in_range("startsAt"):
                local = appointment.starts_at.astimezone(tz).replace(tzinfo=None) + shift
                moved_to = av.instant(local.date(), local.time(), tz)
            async with session.begin_nested():
                moved[index] = await reschedule_appointment(
                    session, actor, settings, appointment.id, starts_at=moved_to
                )
        except DomainError as error:
            error.field = ["occurrences", str(index), *(error.field or [])]
            errors[index] = error
    if errors:
        raise DomainErrors([errors[i] for i in sorted(errors)])
    return [moved[i] for i in sorted(moved)]


# day view --------------------------------------------------------------------------------------
async def day_schedule(
    session: AsyncSession, actor: Actor, location_id: int, day: date
) -> tuple[Location, list[Provider], dict[int, list[Appointment]]]:
    """A location's day: providers with hours or appointments there, and their appointments."""
    location = await get_or_not_found(session, Location, location_id, "Location", "locationId")
    tz = av.zone(location.timezone)
    with av.in_range("date"):
        start = av.instant(day, time(0), tz)
        end = av.instant(day + timedelta(days=1), time(0), tz)
    appointments = list(
        (
            await session.scalars(
                select(Appointment)
                .where(
                    Appointment.location_id == location_id,
                    Appointment.starts_at < end,
                    Appointment.ends_at > start,
                )
                .order_by(Appointment.starts_at, Appointment.id)
            )
        ).all()
    )
    by_provider: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        by_provider[appointment.provider_id].append(appointment)
    trail.record_reads(session, actor, "Appointment", appointments)
    working = select(AvailabilityTemplate.provider_id).where(
        AvailabilityTemplate.location_id == location_id,
        AvailabilityTemplate.weekday == day.weekday(),
    )
    providers = list(
        (
            await session.scalars(
                select(Provider)
                .where(or_(Provider.id.in_(working), Provider.id.in_(list(by_provider))))
                .order_by(Provider.id)
            )
        ).all()
    )
    return location, providers, by_provider


async def appointments_between(
    session: AsyncSession,
    actor: Actor,
    *,
    starts: datetime,
    ends: datetime,
    provider_ids: Sequence[int] | None = None,
    location_id: int | None = None,
    patient_id: int | None = None,
) -> list[Appointment]:
    starts, ends = av.aware(starts, "from"), av.aware(ends, "to")
    conditions = [Appointment.starts_at < ends, Appointment.ends_at > starts]
    if provider_ids:
        conditions.append(Appointment.provider_id.in_(provider_ids))
    if location_id is not None:
        conditions.append(Appointment.location_id == location_id)
    if patient_id is not None:
        conditions.append(Appointment.patient_id == patient_id)
    rows = list(
        (
            await session.scalars(
                select(Appointment)
                .where(and_(*conditions))
                .order_by(Appointment.starts_at, Appointment.id)
            )
        ).all()
    )
    trail.record_reads(session, actor, "Appointment", rows)
    return rows


appointments_by_id = trail.audited_rows_by_id(Appointment, "Appointment")


async def calendar_feed(
    session: AsyncSession, provider_id: int, token: str, ip: str | None
) -> bytes | None:
    """The provider's iCalendar feed (30 days back, 180 ahead), or None for a wrong token."""
    if not 1 <= provider_id <= MAX_ID:
        return None
    provider = await session.get(Provider, provider_id)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    if provider is None or not hmac.compare_digest(
        provider.calendar_token.encode(), token.encode()
    ):
        return None
    now = utcnow()
    rows = list(
        (
            await session.scalars(
                select(Appointment)
                .where(
                    Appointment.provider_id == provider_id,
                    Appointment.status != AppointmentStatus.PROPOSED,
                    Appointment.starts_at >= now - timedelta(days=30),
                    Appointment.starts_at < now + timedelta(days=180),
                )
                .order_by(Appointment.starts_at)
            )
        ).all()
    )
    reader = Actor(
        user_id=None, username=f"calendar-feed:{provider_id}", roles=("calendar_feed",), ip=ip
    )
    # One event per fetch: calendar apps poll, and the feed names no patient.
    trail.record(
        session, reader, "read", "CalendarFeed", provider_id, detail={"appointments": len(rows)}
    )

    async def by_ids(model: Any, ids: set[int]) -> dict[int, Any]:
        found = await session.scalars(select(model).where(model.id.in_(ids)))
        return {row.id: row for row in found.all()}

    user = await session.get(User, provider.user_id)
    return ical.provider_calendar(
        f"{user.full_name if user else 'Provider'}: appointments",
        rows,
        await by_ids(AppointmentType, {a.appointment_type_id for a in rows}),
        await by_ids(Location, {a.location_id for a in rows}),
        await by_ids(Room, {a.room_id for a in rows if a.room_id is not None}),
    )
