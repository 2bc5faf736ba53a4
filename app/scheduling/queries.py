"""Reading the schedule: a location's day, appointments in a window, by id and by series; and
the set-up behind it (rooms, weekly hours, exceptions, who works where). Every appointment read
is audited against its patient; set-up rows are about no patient."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found
from app.scheduling import availability as av
from app.scheduling.models import (
    Appointment,
    AvailabilityException,
    AvailabilityTemplate,
    Location,
    Provider,
    Room,
)


async def day_schedule(
    session: AsyncSession, actor: Actor, location_id: int, day: date
) -> tuple[Location, list[Provider], dict[int, list[Appointment]]]:
    """A location's day: providers with hours or appointments there, and their appointments."""
    location = await get_or_not_found(session, Location, location_id, "Location", "location_id")
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
                    Appointment.overlapping(start, end),
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
    conditions = [Appointment.overlapping(starts, ends)]
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


async def appointments_by_series(
    session: AsyncSession, actor: Actor, series_ids: Sequence[int]
) -> dict[int, list[Appointment]]:
    """Each series' occurrences in time order (every status), each read audited."""
    rows = (
        await session.scalars(
            select(Appointment)
            .where(Appointment.series_id.in_(series_ids))
            .order_by(Appointment.starts_at, Appointment.id)
        )
    ).all()
    trail.record_reads(session, actor, "Appointment", rows)
    grouped: dict[int, list[Appointment]] = defaultdict(list)
    for row in rows:
        assert row.series_id is not None
        grouped[row.series_id].append(row)
    return grouped


# set-up -------------------------------------------------------------------------------------
async def weekly_hours(
    session: AsyncSession, keys: Sequence[tuple[int, int | None]]
) -> dict[tuple[int, int | None], list[AvailabilityTemplate]]:
    """Weekly hours per (provider, location), or per (provider, None) for all its locations;
    in weekday and start order."""
    rows = (
        await session.scalars(
            select(AvailabilityTemplate)
            .where(AvailabilityTemplate.provider_id.in_({p for p, _ in keys}))
            .order_by(
                AvailabilityTemplate.weekday,
                AvailabilityTemplate.start_time,
                AvailabilityTemplate.id,
            )
        )
    ).all()
    found: dict[tuple[int, int | None], list[AvailabilityTemplate]] = defaultdict(list)
    for row in rows:
        found[(row.provider_id, None)].append(row)
        found[(row.provider_id, row.location_id)].append(row)
    return {key: found.get(key, []) for key in keys}


async def exceptions_between(
    session: AsyncSession, provider_ids: Sequence[int], starts: datetime, ends: datetime
) -> dict[int, list[AvailabilityException]]:
    """Each provider's time off and extra hours overlapping [starts, ends), in time order."""
    rows = (
        await session.scalars(
            select(AvailabilityException)
            .where(
                AvailabilityException.provider_id.in_(provider_ids),
                AvailabilityException.starts_at < ends,
                AvailabilityException.ends_at > starts,
            )
            .order_by(AvailabilityException.starts_at, AvailabilityException.id)
        )
    ).all()
    grouped: dict[int, list[AvailabilityException]] = defaultdict(list)
    for row in rows:
        grouped[row.provider_id].append(row)
    return grouped


async def rooms_at(session: AsyncSession, location_ids: Sequence[int]) -> dict[int, list[Room]]:
    rows = (
        await session.scalars(
            select(Room).where(Room.location_id.in_(location_ids)).order_by(Room.name, Room.id)
        )
    ).all()
    grouped: dict[int, list[Room]] = defaultdict(list)
    for row in rows:
        grouped[row.location_id].append(row)
    return grouped


async def providers_at(
    session: AsyncSession, location_ids: Sequence[int]
) -> dict[int, list[Provider]]:
    """Who works where: the providers with weekly hours at each location."""
    rows = (
        await session.execute(
            select(AvailabilityTemplate.location_id, Provider)
            .join(Provider, Provider.id == AvailabilityTemplate.provider_id)
            .where(AvailabilityTemplate.location_id.in_(location_ids))
            .distinct()
            .order_by(AvailabilityTemplate.location_id, Provider.id)
        )
    ).all()
    grouped: dict[int, list[Provider]] = defaultdict(list)
    for location_id, provider in rows:
        grouped[location_id].append(provider)
    return grouped


async def locations_of(
    session: AsyncSession, provider_ids: Sequence[int]
) -> dict[int, list[Location]]:
    """Where each provider works: the locations of its weekly hours, by name."""
    rows = (
        await session.execute(
            select(AvailabilityTemplate.provider_id, Location)
            .join(Location, Location.id == AvailabilityTemplate.location_id)
            .where(AvailabilityTemplate.provider_id.in_(provider_ids))
            .distinct()
            .order_by(AvailabilityTemplate.provider_id, Location.name, Location.id)
        )
    ).all()
    grouped: dict[int, list[Location]] = defaultdict(list)
    for provider_id, location in rows:
        grouped[provider_id].append(location)
    return grouped
