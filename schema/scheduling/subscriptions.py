"""scheduleChanged: every committed booking, move, check-in, cancellation and no-show, live."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from app.errors import DomainError
from app.scheduling.availability import aware
from app.scheduling.events import AppointmentEvent, AppointmentRescheduled
from app.scheduling.models import Appointment
from schema.context import Context
from schema.errors import query_error
from schema.ids import pk
from schema.permissions import can
from schema.scheduling.changes import ScheduleChange


def _matches(
    event: AppointmentEvent,
    location_id: int,
    provider_ids: set[int],
    window: tuple[datetime | None, datetime | None],
) -> bool:
    locations, providers, starts = {event.location_id}, {event.provider_id}, [event.starts_at]
    if isinstance(event, AppointmentRescheduled):
        locations.add(event.previous_location_id)
        providers.add(event.previous_provider_id)
        starts.append(event.previous_starts_at)
    if location_id not in locations:
        return False
    if provider_ids and not provider_ids & providers:
        return False
    return any(
        (window[0] is None or s >= window[0]) and (window[1] is None or s < window[1])
        for s in starts
    )


async def _change(context: Context, event: AppointmentEvent) -> ScheduleChange | None:
    """The change as pushed, read once per event and row scope for every subscriber of this
    process (app.fanout): one object, so the hub resolves each group's document once for it."""
    ids = [event.appointment_id]

    async def read(session: AsyncSession) -> ScheduleChange | None:
        rows = (await session.scalars(select(Appointment).where(Appointment.id.in_(ids)))).all()
        return ScheduleChange.of(event, rows[0]) if rows else None

    return await context.runtime.hub.shared(event, "scheduleChanged", context.op.staff, read)


@strawberry.type
class SchedulingSubscriptions:
    @strawberry.subscription(
        extensions=can("appointment", "read"),
        description="Changes to a location's appointments (optionally some providers, a time "
        "window), pushed after they commit, from any server process.",
    )
    async def schedule_changed(
        self,
        info: Info[Context, Any],
        location_id: Annotated[
            relay.GlobalID,
            strawberry.argument(description="The location; moves into or out of it count."),
        ],
        provider_ids: Annotated[
            list[relay.GlobalID] | None,
            strawberry.argument(description="Only these providers' appointments (default: all)."),
        ] = None,
        from_: Annotated[
            datetime | None,
            strawberry.argument(
                name="from", description="Only appointments starting at or after this instant."
            ),
        ] = None,
        to: Annotated[
            datetime | None,
            strawberry.argument(description="Only appointments starting before this instant."),
        ] = None,
    ) -> AsyncGenerator[ScheduleChange, None]:
        op = info.context.op
        try:
            location = pk(location_id, "Location", "locationId")
            providers = {pk(p, "Provider", "providerIds") for p in provider_ids or []}
            window = (aware(from_, "from") if from_ else None, aware(to, "to") if to else None)
        except DomainError as error:
            raise query_error(error) from error
        async with info.context.runtime.bus.subscribe() as queue:
            # Let go of the read session the caller was checked on before waiting: an idle
            # subscriber must not pin one of the pool's connections.
            await op.renew()
            while True:
                event = await queue.get()
                if not isinstance(event, AppointmentEvent):
                    continue
                if not _matches(event, location, providers, window):
                    continue
                change = await _change(info.context, event)
                if change is not None:
                    yield change  # resolved and audited per group of subscribers (app.fanout)
                # Before waiting, however long, for the next event: nothing of this one stays
                # open (an open transaction would pin a connection, and on SQLite, whose
                # transactions begin IMMEDIATE, hold the write lock and stop every writer).
                await op.renew()
