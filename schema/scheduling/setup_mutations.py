"""Setting up the schedule (admins): locations, rooms, providers, visit types, hours."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.scheduling import setup
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk
from schema.permissions import can
from schema.scheduling.arguments import USER_ERRORS
from schema.scheduling.inputs import (
    AddAvailabilityExceptionInput,
    AddWeeklyAvailabilityInput,
    CreateAppointmentTypeInput,
    CreateLocationInput,
    CreateProviderInput,
    CreateRoomInput,
    RotateCalendarFeedTokenInput,
)
from schema.scheduling.setup_types import (
    AppointmentTypeNode,
    LocationNode,
    ProviderNode,
    RoomNode,
)


@strawberry.type(description="The result of createLocation.")
class LocationPayload:
    location: LocationNode | None = strawberry.field(description="The new location.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of createRoom.")
class RoomPayload:
    room: RoomNode | None = strawberry.field(description="The new room.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of createProvider.")
class ProviderPayload:
    provider: ProviderNode | None = strawberry.field(description="The new provider.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of rotateCalendarFeedToken.")
class RotateCalendarFeedTokenPayload:
    provider: ProviderNode | None = strawberry.field(
        description="The provider, whose calendarFeedPath holds the new token."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of createAppointmentType.")
class AppointmentTypePayload:
    appointment_type: AppointmentTypeNode | None = strawberry.field(
        description="The new appointment type."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The result of adding weekly hours or an exception.")
class AvailabilityPayload:
    ok: bool = strawberry.field(description="Whether it was added.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class SetupMutations:
    @strawberry.mutation(extensions=can("schedule_setup", "write"), description="Add a location.")
    async def create_location(
        self,
        info: Info[Context, Any],
        input: Annotated[
            CreateLocationInput, strawberry.argument(description="The location to add.")
        ],
    ) -> LocationPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_location(
                s,
                a,
                name=input.name,
                timezone=input.timezone,
                address=input.address,
                phone=input.phone,
            ),
        )
        return LocationPayload(
            location=LocationNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can("schedule_setup", "write"), description="Add a room to a location."
    )
    async def create_room(
        self,
        info: Info[Context, Any],
        input: Annotated[CreateRoomInput, strawberry.argument(description="The room to add.")],
    ) -> RoomPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_room(
                s,
                a,
                location_id=pk(input.location_id, "Location", "locationId"),
                name=input.name,
                room_type=input.room_type,
            ),
        )
        return RoomPayload(room=RoomNode.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        extensions=can("schedule_setup", "write"),
        description="Make a staff user a provider (NAME_TAKEN if they or the NPI are one).",
    )
    async def create_provider(
        self,
        info: Info[Context, Any],
        input: Annotated[
            CreateProviderInput, strawberry.argument(description="Who becomes a provider.")
        ],
    ) -> ProviderPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_provider(
                s, a, username=input.username, npi=input.npi, specialty=input.specialty
            ),
        )
        return ProviderPayload(
            provider=ProviderNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can("schedule_setup", "write"),
        description="Give a provider's calendar feed a new secret token: the old feed URL stops "
        "working (NOT_FOUND if there is no such provider).",
    )
    async def rotate_calendar_feed_token(
        self,
        info: Info[Context, Any],
        input: Annotated[
            RotateCalendarFeedTokenInput,
            strawberry.argument(description="Whose feed gets a new token."),
        ],
    ) -> RotateCalendarFeedTokenPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.rotate_calendar_token(
                s, a, pk(input.provider_id, "Provider", "providerId")
            ),
        )
        return RotateCalendarFeedTokenPayload(
            provider=ProviderNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can("schedule_setup", "write"), description="Add a kind of visit."
    )
    async def create_appointment_type(
        self,
        info: Info[Context, Any],
        input: Annotated[
            CreateAppointmentTypeInput, strawberry.argument(description="The kind of visit to add.")
        ],
    ) -> AppointmentTypePayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.create_appointment_type(
                s,
                a,
                name=input.name,
                duration_minutes=input.duration_minutes,
                color=input.color,
                bookable_online=input.bookable_online,
                room_type=input.room_type,
            ),
        )
        return AppointmentTypePayload(
            appointment_type=AppointmentTypeNode.from_model(row) if row else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        extensions=can("schedule_setup", "write"),
        description="Add hours a provider works at a location every week.",
    )
    async def add_weekly_availability(
        self,
        info: Info[Context, Any],
        input: Annotated[
            AddWeeklyAvailabilityInput, strawberry.argument(description="The weekly hours to add.")
        ],
    ) -> AvailabilityPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.add_weekly_availability(
                s,
                a,
                provider_id=pk(input.provider_id, "Provider", "providerId"),
                location_id=pk(input.location_id, "Location", "locationId"),
                weekday=input.weekday,
                start_time=input.start_time,
                end_time=input.end_time,
                valid_from=input.valid_from,
                valid_until=input.valid_until,
            ),
        )
        return AvailabilityPayload(ok=row is not None, user_errors=errors)

    @strawberry.mutation(
        extensions=can("schedule_setup", "write"),
        description="Time off (removes hours) or extra hours (adds them).",
    )
    async def add_availability_exception(
        self,
        info: Info[Context, Any],
        input: Annotated[
            AddAvailabilityExceptionInput, strawberry.argument(description="The exception to add.")
        ],
    ) -> AvailabilityPayload:
        row, errors = await run_mutation(
            info,
            lambda s, a: setup.add_availability_exception(
                s,
                a,
                provider_id=pk(input.provider_id, "Provider", "providerId"),
                kind=input.kind,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                location_id=optional_pk(input.location_id, "Location", "locationId"),
                reason=input.reason,
            ),
        )
        return AvailabilityPayload(ok=row is not None, user_errors=errors)
