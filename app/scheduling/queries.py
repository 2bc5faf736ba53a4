"""Reading the schedule: a location's day, appointments in a window, appointments by id.
Every appointment read is audited against its patient."""

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
from app.scheduling.models import Appointment, AvailabilityTemplate, Location, Provider


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
