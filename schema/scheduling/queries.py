"""Scheduling queries: set-up lists, free slots, the day view, appointments in a window, and a
location's waitlist."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from app.errors import DomainError
from app.scheduling import free_time, queries, waitlist
from app.scheduling.models import OPEN_WAITLIST, AppointmentType, Location, Provider
from schema.context import Context
from schema.errors import query_error
from schema.ids import pk
from schema.pagination import Connection, connection, page
from schema.permissions import can
from schema.scheduling import loaders
from schema.scheduling.arguments import key_of, window
from schema.scheduling.enums import WaitlistStatus
from schema.scheduling.setup_types import (
    AppointmentTypeNode,
    LocationNode,
    ProviderNode,
    RoomNode,
)
from schema.scheduling.types import AppointmentNode, DaySchedule, ProviderDay, SlotSearch
from schema.scheduling.waitlist_types import WaitlistEntryNode

From = Annotated[
    datetime,
    strawberry.argument(name="from", description="Start of the window, with its offset."),
]
To = Annotated[datetime, strawberry.argument(description="End of the window (exclusive).")]
LocationId = Annotated[relay.GlobalID, strawberry.argument(description="The location's id.")]


@strawberry.type
class SchedulingQueries:
    @strawberry.field(
        extensions=can("schedule", "read"), description="Every location, by name. Staff."
    )
    async def locations(self, info: Info[Context, Any]) -> list[LocationNode]:
        async with info.context.op.db() as session:
            rows = (await session.scalars(select(Location).order_by(Location.name))).all()
        return [LocationNode.from_model(r) for r in rows]

    @strawberry.field(extensions=can("schedule", "read"), description="Every provider. Staff.")
    async def providers(self, info: Info[Context, Any]) -> list[ProviderNode]:
        async with info.context.op.db() as session:
            rows = (await session.scalars(select(Provider).order_by(Provider.id))).all()
        return [ProviderNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=can("schedule", "read"), description="Every kind of visit, by name. Staff."
    )
    async def appointment_types(self, info: Info[Context, Any]) -> list[AppointmentTypeNode]:
        async with info.context.op.db() as session:
            rows = (
                await session.scalars(select(AppointmentType).order_by(AppointmentType.name))
            ).all()
        return [AppointmentTypeNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=can("schedule_setup", "read"),
        description="A location's rooms, by name. Staff who schedule.",
    )
    async def rooms(self, info: Info[Context, Any], location_id: LocationId) -> list[RoomNode]:
        rows = await loaders.rooms_by_location_id(info).load(
            key_of(location_id, "Location", "locationId")
        )
        return [RoomNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=can("schedule", "read"),
        description="Free slots of the type's length in [from, to) (at most 62 days): for one "
        "provider, or for every provider of a location. At most 500 per search: see truncated "
        "and resumeFrom. Times are UTC; each slot's location gives the zone to show them in.",
    )
    async def available_slots(
        self,
        info: Info[Context, Any],
        appointment_type_id: Annotated[
            relay.GlobalID, strawberry.argument(description="The kind of visit; sets the length.")
        ],
        from_: From,
        to: To,
        provider_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="One provider (give this or locationId)."),
        ] = None,
        location_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Every active provider with hours there."),
        ] = None,
    ) -> SlotSearch:
        op = info.context.op
        try:
            if provider_id is None and location_id is None:
                raise GraphQLError(
                    "Give providerId or locationId.", extensions={"code": "BAD_USER_INPUT"}
                )
            async with op.db() as session:
                found = await free_time.available_slots(
                    session,
                    appointment_type_id=pk(
                        appointment_type_id, "AppointmentType", "appointmentTypeId"
                    ),
                    starts=from_,
                    ends=to,
                    provider_ids=(
                        [pk(provider_id, "Provider", "providerId")] if provider_id else None
                    ),
                    location_id=pk(location_id, "Location", "locationId") if location_id else None,
                )
        except DomainError as error:
            raise query_error(error) from error
        return SlotSearch.of(found)

    @strawberry.field(
        extensions=can("appointment", "read"),
        description="A location's day (in its time zone): providers and appointments.",
    )
    async def schedule(
        self,
        info: Info[Context, Any],
        location_id: LocationId,
        date: Annotated[date, strawberry.argument(description="The local date at the location.")],
    ) -> DaySchedule:
        op = info.context.op
        try:
            async with op.db() as session:
                location, providers, by_provider = await queries.day_schedule(
                    session, op.staff, pk(location_id, "Location", "locationId"), date
                )
        except DomainError as error:
            raise query_error(error) from error
        return DaySchedule(
            location=LocationNode.from_model(location),
            date=date,
            providers=[
                ProviderDay(
                    provider=ProviderNode.from_model(p),
                    appointments=[AppointmentNode.from_model(a) for a in by_provider.get(p.id, [])],
                )
                for p in providers
            ],
        )

    @strawberry.field(
        extensions=can("appointment", "read"),
        description="Appointments overlapping [from, to), at most 62 days, in time order.",
    )
    async def appointments(
        self,
        info: Info[Context, Any],
        from_: From,
        to: To,
        provider_ids: Annotated[
            list[relay.GlobalID] | None,
            strawberry.argument(description="Only these providers' (default: all)."),
        ] = None,
        location_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only at this location.")
        ] = None,
        patient_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this patient's.")
        ] = None,
    ) -> list[AppointmentNode]:
        op = info.context.op
        from_, to = window(from_, to, 62)
        try:
            async with op.db() as session:
                rows = await queries.appointments_between(
                    session,
                    op.staff,
                    starts=from_,
                    ends=to,
                    provider_ids=[pk(p, "Provider", "providerIds") for p in provider_ids or []],
                    location_id=pk(location_id, "Location", "locationId") if location_id else None,
                    patient_id=pk(patient_id, "Patient", "patientId") if patient_id else None,
                )
        except DomainError as error:
            raise query_error(error) from error
        return [AppointmentNode.from_model(a) for a in rows]

    @strawberry.field(
        extensions=can("waitlist", "read"),
        description="A location's waitlist in queue order (first come, first offered). Patient "
        "data: the front desk and clinicians; every entry read is audited.",
    )
    async def waitlist(
        self,
        info: Info[Context, Any],
        location_id: LocationId,
        status: Annotated[
            list[WaitlistStatus] | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Only entries in these statuses (default: open "
                "ones, WAITING and OFFERED)."
            ),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="Entries per page: at most the server's page limit (100 by default), "
                "which is also the default."
            ),
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="The cursor to continue after.")
        ] = None,
    ) -> Connection[WaitlistEntryNode]:
        op = info.context.op
        wanted = page(first, after, info.context.runtime.settings.max_page_size)
        try:
            async with op.db() as session:
                rows, total = await waitlist.entries_at(
                    session,
                    op.staff,
                    location_id=pk(location_id, "Location", "locationId"),
                    statuses=status or OPEN_WAITLIST,
                    offset=wanted.offset,
                    limit=wanted.limit,
                )
        except DomainError as error:
            raise query_error(error) from error
        return connection([WaitlistEntryNode.from_model(r) for r in rows], total, wanted)
