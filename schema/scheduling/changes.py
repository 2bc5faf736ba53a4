"""What scheduleChanged pushes: the kind of change, the appointment after it, and what the
changed fields were before it (typed, with global ids)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from app.audit import trail
from app.scheduling.events import (
    AppointmentEvent,
    AppointmentRescheduled,
    AppointmentStatusChanged,
)
from app.scheduling.models import Appointment
from schema.context import Context
from schema.scheduling.enums import AppointmentStatus, ScheduleChangeKind
from schema.scheduling.setup_types import (
    LocationNode,
    ProviderNode,
    RoomNode,
    location_of,
    provider_of,
    room_of,
)
from schema.scheduling.types import AppointmentNode


@strawberry.type(description="The status an appointment had before a status change.")
class StatusBefore:
    status: AppointmentStatus = strawberry.field(  # type: ignore[valid-type]
        description="The status before the change."
    )


@strawberry.type(
    description="Where and when a moved appointment was. Only what moved is non-null "
    "(changedFields names it): a room that changed from none reads null with roomId in "
    "changedFields."
)
class PlacementBefore:
    starts_at: datetime | None = strawberry.field(description="The old start, UTC.")
    ends_at: datetime | None = strawberry.field(description="The old end, UTC.")
    provider_id: strawberry.Private[int | None]
    location_id: strawberry.Private[int | None]
    room_id: strawberry.Private[int | None]

    @strawberry.field(description="The old provider.")
    async def provider(self, info: Info[Context, Any]) -> ProviderNode | None:
        return await provider_of(info, self.provider_id) if self.provider_id else None

    @strawberry.field(description="The old location.")
    async def location(self, info: Info[Context, Any]) -> LocationNode | None:
        return await location_of(info, self.location_id) if self.location_id else None

    @strawberry.field(description="The old room.")
    async def room(self, info: Info[Context, Any]) -> RoomNode | None:
        return await room_of(info, self.room_id)

    @classmethod
    def of(cls, event: AppointmentRescheduled) -> PlacementBefore:
        moved = set(event.moved)
        timed = "starts_at" in moved
        return cls(
            starts_at=event.previous_starts_at if timed else None,
            ends_at=event.previous_ends_at if timed else None,
            provider_id=event.previous_provider_id if "provider_id" in moved else None,
            location_id=event.previous_location_id if "location_id" in moved else None,
            room_id=event.previous_room_id if "room_id" in moved else None,
        )


AppointmentBefore = Annotated[
    StatusBefore | PlacementBefore,
    strawberry.union(
        "AppointmentBefore",
        description="What the changed fields were before: StatusBefore for a check-in, "
        "completion, no-show or cancellation; PlacementBefore for a move.",
    ),
]


@strawberry.type(description="A committed change to an appointment, pushed live.")
class ScheduleChange:
    change: ScheduleChangeKind = strawberry.field(  # type: ignore[valid-type]
        description="What happened."
    )
    changed_fields: list[str] = strawberry.field(
        description="The appointment's fields that changed, as named in the API (camelCase; "
        "providerId, locationId and roomId for moves to another provider, location or room)."
    )
    previous: AppointmentBefore | None = strawberry.field(
        description="The changed fields' values before the change; null for a booking."
    )
    row: strawberry.Private[Appointment]

    @strawberry.field(description="The appointment after it.")
    async def appointment(self, info: Info[Context, Any]) -> AppointmentNode:
        """Read once per event for every subscriber of a row scope (app/fanout.py); its read is
        audited here, where the payload that carries it is resolved, for each recipient."""
        op = info.context.op
        async with op.db() as session:
            trail.record_reads(session, op.staff, "Appointment", [self.row])
        return AppointmentNode.from_model(self.row)

    @classmethod
    def of(cls, event: AppointmentEvent, row: Appointment) -> ScheduleChange:
        previous: StatusBefore | PlacementBefore | None = None
        if isinstance(event, AppointmentRescheduled):
            previous = PlacementBefore.of(event)
        elif isinstance(event, AppointmentStatusChanged):
            previous = StatusBefore(status=event.previous_status)
        return cls(
            change=event.change,
            changed_fields=[to_camel_case(name) for name in event.changed_fields],
            previous=previous,
            row=row,
        )
