"""Demo schedule: a clinic, its rooms, three providers' weekly hours, and two weeks of visits.

Past days get finished visits (fulfilled, a few no-shows); today and later are booked through
the booking service itself, so reminders are queued as they would be in use.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import Actor
from app.db import utcnow
from app.errors import DomainError
from app.scheduling import availability as av
from app.scheduling import booking, setup
from app.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ExceptionKind,
    Location,
)

LOCATION = (
    "Main Street Clinic",
    "America/New_York",
    "120 Main Street, Springfield, MA",
    "(413) 555-0142",
)
ROOMS = [("Exam 1", "exam"), ("Exam 2", "exam"), ("Exam 3", "exam"), ("Therapy", "therapy")]
TYPES = [  # name, minutes, color, bookable online, room type
    ("Annual physical", 40, "#2e7d32", False, "exam"),
    ("Follow-up", 20, "#1565c0", True, "exam"),
    ("Sick visit", 20, "#c62828", True, "exam"),
    ("Therapy session", 50, "#6a1b9a", False, "therapy"),
]
# username, NPI (valid Luhn), specialty, weekly hours {weekday: [(start, end)]}
WEEKDAYS = range(5)
PROVIDERS = [
    (
        "provider",
        "1234567893",
        "Family medicine",
        {d: [(time(8), time(12)), (time(13), time(17))] for d in WEEKDAYS},
    ),
    (
        "dr.chen",
        "1245319599",
        "Internal medicine",
        {d: [(time(9), time(13)), (time(14), time(18))] for d in (0, 1, 2, 3)},
    ),
    ("t.nguyen", "1679576722", "Psychotherapy", {d: [(time(10), time(18))] for d in (1, 3)}),
]
REASONS = [
    "Blood pressure check",
    "Medication review",
    "Cough for a week",
    "Lab results",
    "Knee pain",
    "Anxiety follow-up",
    "Rash",
    "Diabetes check",
    None,
    None,
]


async def seed_schedule(session: AsyncSession, actor: Actor, patient_ids: list[int]) -> int:
    """Returns how many appointments were created (none if a location already exists)."""
    if await session.scalar(select(func.count()).select_from(Location)):
        return 0
    location = await setup.create_location(
        session,
        actor,
        name=LOCATION[0],
        timezone=LOCATION[1],
        address=LOCATION[2],
        phone=LOCATION[3],
    )
    for name, room_type in ROOMS:
        await setup.create_room(
            session, actor, location_id=location.id, name=name, room_type=room_type
        )
    types = [
        await setup.create_appointment_type(
            session, actor, name=n, duration_minutes=m, color=c, bookable_online=o, room_type=r
        )
        for n, m, c, o, r in TYPES
    ]
    tz = av.zone(location.timezone)
    today = datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())
    providers = []
    for username, npi, specialty, hours in PROVIDERS:
        provider = await setup.create_provider(
            session, actor, username=username, npi=npi, specialty=specialty
        )
        providers.append((provider, hours))
        for weekday, spans in hours.items():
            for start, end in spans:
                await setup.add_weekly_availability(
                    session,
                    actor,
                    provider_id=provider.id,
                    location_id=location.id,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                )
    # Dr. Chen is away on Friday of next week (a time-off exception).
    friday = monday + timedelta(days=11)
    await setup.add_availability_exception(
        session,
        actor,
        provider_id=providers[1][0].id,
        kind=ExceptionKind.TIME_OFF,
        starts_at=av.instant(friday, time(0), tz),
        ends_at=av.instant(friday, time(23, 59), tz),
        reason="Conference",
    )

    rng = random.Random(7)
    created = 0
    for offset in range(12):  # this week and next, Monday to Friday
        day = monday + timedelta(days=offset)
        if day.weekday() > 4:
            continue
        for provider, hours in providers:
            therapy = provider.specialty == "Psychotherapy"
            for start, end in hours.get(day.weekday(), []):
                cursor = av.instant(day, start, tz)
                while cursor < av.instant(day, end, tz):
                    kind = types[3] if therapy else rng.choice(types[:3])
                    step = timedelta(minutes=kind.duration_minutes)
                    if rng.random() < 0.65 and cursor + step <= av.instant(day, end, tz):
                        created += await _visit(
                            session,
                            actor,
                            rng,
                            provider.id,
                            location.id,
                            kind,
                            cursor,
                            rng.choice(patient_ids),
                        )
                    cursor += step + timedelta(minutes=10 if rng.random() < 0.3 else 0)
    return created


async def _visit(
    session: AsyncSession,
    actor: Actor,
    rng: random.Random,
    provider_id: int,
    location_id: int,
    kind: AppointmentType,
    starts_at: datetime,
    patient_id: int,
) -> int:
    if starts_at > utcnow():
        try:
            async with session.begin_nested():
                await booking.book_appointment(
                    session,
                    actor,
                    patient_id=patient_id,
                    provider_id=provider_id,
                    location_id=location_id,
                    appointment_type_id=kind.id,
                    starts_at=starts_at,
                    reason=rng.choice(REASONS),
                )
        except DomainError:  # no room free at that time: leave the gap
            return 0
        return 1
    # The past cannot be booked; finished visits are written as they would have ended.
    status = AppointmentStatus.NOAPPOINTMENT if rng.random() < 0.08 else AppointmentStatus.FULFILLED
    session.add(
        Appointment(
            patient_id=patient_id,
            provider_id=provider_id,
            location_id=location_id,
            appointment_type_id=kind.id,
            starts_at=starts_at.astimezone(UTC),
            ends_at=(starts_at + timedelta(minutes=kind.duration_minutes)).astimezone(UTC),
            status=status,
            reason=rng.choice(REASONS),
            booked_by_id=actor.user_id,
        )
    )
    return 1
