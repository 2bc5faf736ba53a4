"""Scheduling queries: set-up lists, free slots, the day view, appointments in a window."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from app.scheduling import free_time, queries
from app.scheduling.availability import aware
from app.scheduling.models import AppointmentType, Location, Provider
from schema.context import Context
from schema.errors import query_errors
from schema.ids import pk
from schema.permissions import can
from schema.scheduling.types import (
    AppointmentNode,
    AppointmentTypeNode,
    DaySchedule,
    LocationNode,
    ProviderDay,
    ProviderNode,
    Slot,
)


@strawberry.type
class SchedulingQueries:
    @strawberry.field(extensions=can("schedule", "read"))
    async def locations(self, info: Info[Context, Any]) -> list[LocationNode]:
        async with info.context.op.db() as session:
            rows = (await session.scalars(select(Location).order_by(Location.name))).all()
        return [LocationNode.from_model(r) for r in rows]

    @strawberry.field(extensions=can("schedule", "read"))
    async def providers(self, info: Info[Context, Any]) -> list[ProviderNode]:
        async with info.context.op.db() as session:
            rows = (await session.scalars(select(Provider).order_by(Provider.id))).all()
        return [ProviderNode.from_model(r) for r in rows]

    @strawberry.field(extensions=can("schedule", "read"))
    async def appointment_types(self, info: Info[Context, Any]) -> list[AppointmentTypeNode]:
        async with info.context.op.db() as session:
            rows = (
                await session.scalars(select(AppointmentType).order_by(AppointmentType.name))
            ).all()
        return [AppointmentTypeNode.from_model(r) for r in rows]

    @strawberry.field(
        extensions=can("schedule", "read"),
        description="Free slots of the type's length in [from, to): for one provider, or for "
        "every provider of a location. Times carry the UTC offset; the location's "
        "time zone is on each slot's location.",
    )
    async def available_slots(
        self,
        info: Info[Context, Any],
        appointment_type_id: relay.GlobalID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        provider_id: relay.GlobalID | None = None,
        location_id: relay.GlobalID | None = None,
    ) -> list[Slot]:
        op = info.context.op
        with query_errors():
            if provider_id is None and location_id is None:
                raise GraphQLError(
                    "Give providerId or locationId.", extensions={"code": "BAD_USER_INPUT"}
                )
            async with op.db() as session:
                slots = await free_time.available_slots(
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
        return [
            Slot(
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                provider_id=s.provider_id,
                location_id=s.location_id,
                room_id=s.room_id,
            )
            for s in slots
        ]

    @strawberry.field(
        extensions=can("appointment", "read"),
        description="A location's day (in its time zone): providers and appointments.",
    )
    async def schedule(
        self, info: Info[Context, Any], location_id: relay.GlobalID, date: date
    ) -> DaySchedule:
        op = info.context.op
        with query_errors():
            async with op.db() as session:
                location, providers, by_provider = await queries.day_schedule(
                    session, op.staff, pk(location_id, "Location", "locationId"), date
                )
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
        description="Appointments overlapping [from, to), at most 62 days.",
    )
    async def appointments(
        self,
        info: Info[Context, Any],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        provider_ids: list[relay.GlobalID] | None = None,
        location_id: relay.GlobalID | None = None,
        patient_id: relay.GlobalID | None = None,
    ) -> list[AppointmentNode]:
        op = info.context.op
        with query_errors():
            from_, to = aware(from_, "from"), aware(to, "to")
        if to <= from_ or (to - from_).days > 62:
            raise GraphQLError("Ask for at most 62 days.", extensions={"code": "BAD_USER_INPUT"})
        with query_errors():
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
        return [AppointmentNode.from_model(a) for a in rows]
