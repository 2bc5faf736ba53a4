"""A provider's iCalendar feed, fetched by calendar apps with the provider's secret token."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.db import utcnow
from app.scheduling import ical
from app.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Location,
    Provider,
    Room,
)
from app.users.models import User

MAX_ID = 2**31 - 1  # the largest primary key (PostgreSQL integer)


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
