"""The practice's set-up as the API shows it: locations, rooms, providers, appointment types,
weekly hours and exceptions. Lists under them load through DataLoaders; the set-up behind the
schedule (hours, exceptions, who works where) is for staff who schedule (schedule_setup read)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.authz import ActorKind
from app.scheduling import models
from schema.context import Context
from schema.loaders import by_id
from schema.nodes import node_resolver, plain_rows
from schema.permissions import can
from schema.scheduling import loaders
from schema.scheduling.arguments import key_of, window
from schema.scheduling.enums import ExceptionKind
from schema.users.loaders import staff_name_by_user_id

SETUP_READ = ("schedule_setup", "read")
MAX_EXCEPTION_DAYS = 366
FORBIDDEN_UNLESS_SETUP = " Null, with a FORBIDDEN error, for roles without schedule_setup read."


@strawberry.type(
    name="Room", description="A room at a location, booked with visit types that need one."
)
class RoomNode(relay.Node):
    pk: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, e.g. Exam 1.")
    room_type: str = strawberry.field(
        description="What the room is for (exam, procedure, ...); an appointment type's "
        "roomType names the kind it needs."
    )
    location_id: strawberry.Private[int]

    @strawberry.field(description="Where the room is.")
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        return await location_of(info, self.location_id)

    @classmethod
    def from_model(cls, row: models.Room) -> RoomNode:
        return cls(pk=row.id, name=row.name, room_type=row.room_type, location_id=row.location_id)

    resolve_nodes = node_resolver("schedule", plain_rows(models.Room))  # type: ignore[assignment]


@strawberry.type(name="Location", description="A place where the practice sees patients.")
class LocationNode(relay.Node):
    pk: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, unique in the practice.")
    timezone: str = strawberry.field(
        description="IANA time zone (e.g. America/New_York). Weekly hours are wall time here; "
        "every DateTime the API returns is UTC, so show it converted to this zone."
    )
    address: str | None = strawberry.field(description="Postal address, one line.")
    phone: str | None = strawberry.field(description="Phone number patients call.")

    @strawberry.field(
        extensions=can(*SETUP_READ),
        description="The location's rooms, by name." + FORBIDDEN_UNLESS_SETUP,
    )
    async def rooms(self, info: Info[Context, Any]) -> list[RoomNode] | None:
        return [
            RoomNode.from_model(r) for r in await loaders.rooms_by_location_id(info).load(self.pk)
        ]

    @strawberry.field(
        extensions=can(*SETUP_READ),
        description="Who works here: providers with weekly hours at the location."
        + FORBIDDEN_UNLESS_SETUP,
    )
    async def providers(self, info: Info[Context, Any]) -> list[ProviderNode] | None:
        rows = await loaders.providers_by_location_id(info).load(self.pk)
        return [ProviderNode.from_model(p) for p in rows]

    @classmethod
    def from_model(cls, row: models.Location) -> LocationNode:
        return cls(
            pk=row.id, name=row.name, timezone=row.timezone, address=row.address, phone=row.phone
        )

    resolve_nodes = node_resolver("schedule", plain_rows(models.Location))  # type: ignore[assignment]


@strawberry.type(name="Provider", description="A staff member patients book visits with.")
class ProviderNode(relay.Node):
    pk: relay.NodeID[int]
    npi: str = strawberry.field(description="National Provider Identifier (10 digits).")
    specialty: str = strawberry.field(description="e.g. Family medicine.")
    active: bool = strawberry.field(description="Whether new visits can be booked with them.")
    user_id: strawberry.Private[int]
    calendar_token: strawberry.Private[str]

    @strawberry.field(description="The provider's full name.")
    async def name(self, info: Info[Context, Any]) -> str:
        user = await staff_name_by_user_id(info).load(self.user_id)
        return user.full_name if user else ""

    @strawberry.field(
        extensions=can("schedule_setup", "write"),
        description="The secret iCalendar feed path (admins hand it to the "
        "provider); null, with a FORBIDDEN error, for anyone else.",
    )
    def calendar_feed_path(self, info: Info[Context, Any]) -> str | None:
        # The feed lists every patient's visits with the provider: staff only, whatever a
        # non-staff role is granted.
        actor = info.context.op.actor
        if actor is None or actor.kind is not ActorKind.STAFF:
            return None
        return f"/calendar/{self.pk}.ics?token={self.calendar_token}"

    @strawberry.field(
        extensions=can(*SETUP_READ),
        description="Weekly working hours, by weekday and start." + FORBIDDEN_UNLESS_SETUP,
    )
    async def availability(
        self,
        info: Info[Context, Any],
        location_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only the hours at this location (default: all)."),
        ] = None,
    ) -> list[WeeklyAvailabilityNode] | None:
        location = key_of(location_id, "Location", "locationId") if location_id else None
        rows = await loaders.weekly_hours_by_provider(info).load((self.pk, location))
        return [WeeklyAvailabilityNode.from_model(t) for t in rows]

    @strawberry.field(
        extensions=can(*SETUP_READ),
        description="Time off and extra hours overlapping [from, to), at most "
        f"{MAX_EXCEPTION_DAYS} days, in time order." + FORBIDDEN_UNLESS_SETUP,
    )
    async def exceptions(
        self,
        info: Info[Context, Any],
        from_: Annotated[
            datetime,
            strawberry.argument(name="from", description="Start of the window, with its offset."),
        ],
        to: Annotated[datetime, strawberry.argument(description="End of the window (exclusive).")],
    ) -> list[AvailabilityExceptionNode] | None:
        starts, ends = window(from_, to, MAX_EXCEPTION_DAYS)
        rows = await loaders.exceptions_by_provider(info).load((self.pk, starts, ends))
        return [AvailabilityExceptionNode.from_model(e) for e in rows]

    @strawberry.field(
        extensions=can(*SETUP_READ),
        description="Where the provider works: locations of their weekly hours, by name."
        + FORBIDDEN_UNLESS_SETUP,
    )
    async def locations(self, info: Info[Context, Any]) -> list[LocationNode] | None:
        rows = await loaders.locations_by_provider_id(info).load(self.pk)
        return [LocationNode.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: models.Provider) -> ProviderNode:
        return cls(
            pk=row.id,
            npi=row.npi,
            specialty=row.specialty,
            active=row.active,
            user_id=row.user_id,
            calendar_token=row.calendar_token,
        )

    resolve_nodes = node_resolver("schedule", plain_rows(models.Provider))  # type: ignore[assignment]


@strawberry.type(name="AppointmentType", description="A kind of visit: its length and needs.")
class AppointmentTypeNode(relay.Node):
    pk: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, unique in the practice.")
    duration_minutes: int = strawberry.field(description="Length of a visit, in minutes.")
    color: str = strawberry.field(description="Display color, #rrggbb.")
    bookable_online: bool = strawberry.field(description="Whether patients may book it themselves.")
    room_type: str | None = strawberry.field(
        description="The kind of room a visit needs (null: none); a free one is picked."
    )

    @classmethod
    def from_model(cls, row: models.AppointmentType) -> AppointmentTypeNode:
        return cls(
            pk=row.id,
            name=row.name,
            duration_minutes=row.duration_minutes,
            color=row.color,
            bookable_online=row.bookable_online,
            room_type=row.room_type,
        )

    resolve_nodes = node_resolver("schedule", plain_rows(models.AppointmentType))  # type: ignore[assignment]


@strawberry.type(
    name="WeeklyAvailability",
    description="Hours a provider works at a location every week, in the location's wall time "
    "(a day with a daylight-saving change is as long as it really is). Staff who schedule.",
)
class WeeklyAvailabilityNode(relay.Node):
    pk: relay.NodeID[int]
    weekday: int = strawberry.field(description="0 Monday ... 6 Sunday.")
    start_time: time = strawberry.field(description="When the hours begin, local wall time.")
    end_time: time = strawberry.field(description="When they end, local wall time.")
    valid_from: date | None = strawberry.field(
        description="First local date they apply (null: from the start)."
    )
    valid_until: date | None = strawberry.field(
        description="Last local date they apply (null: no end)."
    )
    provider_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @strawberry.field(description="Whose hours.")
    async def provider(self, info: Info[Context, Any]) -> ProviderNode:
        return await provider_of(info, self.provider_id)

    @strawberry.field(description="Where; the times are this location's wall time.")
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        return await location_of(info, self.location_id)

    @classmethod
    def from_model(cls, row: models.AvailabilityTemplate) -> WeeklyAvailabilityNode:
        return cls(
            pk=row.id,
            weekday=row.weekday,
            start_time=row.start_time,
            end_time=row.end_time,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            provider_id=row.provider_id,
            location_id=row.location_id,
        )

    resolve_nodes = node_resolver("schedule_setup", plain_rows(models.AvailabilityTemplate))  # type: ignore[assignment]


@strawberry.type(
    name="AvailabilityException",
    description="Time off or extra hours of a provider, as absolute instants. Staff who schedule.",
)
class AvailabilityExceptionNode(relay.Node):
    pk: relay.NodeID[int]
    kind: ExceptionKind = strawberry.field(  # type: ignore[valid-type]
        description="Whether it removes or adds hours."
    )
    starts_at: datetime = strawberry.field(description="Start, UTC.")
    ends_at: datetime = strawberry.field(description="End (exclusive), UTC.")
    reason: str | None = strawberry.field(
        extensions=can("schedule_setup", "write"),
        description="Why (a staff member's own business): admins only; null, with a FORBIDDEN "
        "error, for anyone else.",
    )
    provider_id: strawberry.Private[int]
    location_id: strawberry.Private[int | None]

    @strawberry.field(description="Whose hours change.")
    async def provider(self, info: Info[Context, Any]) -> ProviderNode:
        return await provider_of(info, self.provider_id)

    @strawberry.field(description="Where (null: time off at every location).")
    async def location(self, info: Info[Context, Any]) -> LocationNode | None:
        if self.location_id is None:
            return None
        return await location_of(info, self.location_id)

    @classmethod
    def from_model(cls, row: models.AvailabilityException) -> AvailabilityExceptionNode:
        return cls(
            pk=row.id,
            kind=row.kind,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            reason=row.reason,
            provider_id=row.provider_id,
            location_id=row.location_id,
        )

    resolve_nodes = node_resolver("schedule_setup", plain_rows(models.AvailabilityException))  # type: ignore[assignment]


async def provider_of(info: Info[Context, Any], provider_id: int) -> ProviderNode:
    row = await by_id(info, models.Provider).load(provider_id)
    assert row is not None
    return ProviderNode.from_model(row)


async def location_of(info: Info[Context, Any], location_id: int) -> LocationNode:
    row = await by_id(info, models.Location).load(location_id)
    assert row is not None
    return LocationNode.from_model(row)


async def room_of(info: Info[Context, Any], room_id: int | None) -> RoomNode | None:
    if room_id is None:
        return None
    row = await by_id(info, models.Room).load(room_id)
    return RoomNode.from_model(row) if row else None


@strawberry.type
class Placed:
    """Provider, location and room of a slot or an appointment, through loaders."""

    provider_id: strawberry.Private[int]
    location_id: strawberry.Private[int]
    room_id: strawberry.Private[int | None]

    @strawberry.field(description="Who sees the patient.")
    async def provider(self, info: Info[Context, Any]) -> ProviderNode:
        return await provider_of(info, self.provider_id)

    @strawberry.field(description="Where; its timezone is the one to show times in.")
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        return await location_of(info, self.location_id)

    @strawberry.field(description="The room held (null: the visit type needs none).")
    async def room(self, info: Info[Context, Any]) -> RoomNode | None:
        return await room_of(info, self.room_id)
