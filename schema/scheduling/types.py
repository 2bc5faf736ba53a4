"""Scheduling types. Related objects load through DataLoaders (fixed SQL per query level)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from app.scheduling import models
from app.scheduling.events import (
    AppointmentEvent,
    AppointmentRescheduled,
    AppointmentStatusChanged,
    Change,
)
from app.scheduling.queries import appointments_by_id
from schema.context import Context
from schema.ids import to_global
from schema.loaders import by_id
from schema.nodes import node_resolver, plain_rows
from schema.patients.loaders import patient_by_id
from schema.permissions import Can, can, guard, its_patient
from schema.users.loaders import staff_name_by_user_id
from schema.users.types import StaffMember

if TYPE_CHECKING:
    from schema.patients.types import PatientNode

AppointmentStatus = strawberry.enum(
    models.AppointmentStatus,
    description="FHIR AppointmentStatus; NOAPPOINTMENT is FHIR's noshow. BOOKED and ARRIVED "
    "hold time.",
)


def _clinical_detail(field: str) -> Can:
    """Clinical detail on an appointment: clinicians and the front desk (policy
    `appointment_detail`); a refusal is audited against the appointment's patient."""
    return Can("appointment_detail", "read", f"Appointment.{field}", patient=its_patient)


@strawberry.type(name="Room")
class RoomNode(relay.Node):
    pk: relay.NodeID[int]
    name: str
    room_type: str

    @classmethod
    def from_model(cls, row: models.Room) -> RoomNode:
        return cls(pk=row.id, name=row.name, room_type=row.room_type)

    resolve_nodes = node_resolver("schedule", plain_rows(models.Room))  # type: ignore[assignment]


@strawberry.type(name="Location")
class LocationNode(relay.Node):
    pk: relay.NodeID[int]
    name: str
    timezone: str = strawberry.field(description="IANA time zone; templates are in its local time.")
    address: str | None
    phone: str | None

    @classmethod
    def from_model(cls, row: models.Location) -> LocationNode:
        return cls(
            pk=row.id, name=row.name, timezone=row.timezone, address=row.address, phone=row.phone
        )

    resolve_nodes = node_resolver("schedule", plain_rows(models.Location))  # type: ignore[assignment]


@strawberry.type(name="Provider")
class ProviderNode(relay.Node):
    pk: relay.NodeID[int]
    npi: str
    specialty: str
    active: bool
    user_id: strawberry.Private[int]
    calendar_token: strawberry.Private[str]

    @strawberry.field
    async def name(self, info: Info[Context, Any]) -> str:
        user = await staff_name_by_user_id(info).load(self.user_id)
        return user.full_name if user else ""

    @strawberry.field(
        extensions=can("schedule_setup", "write"),
        description="The secret iCalendar feed path (admins hand it to the "
        "provider); null, with a FORBIDDEN error, for anyone else.",
    )
    def calendar_feed_path(self) -> str | None:
        return f"/calendar/{self.pk}.ics?token={self.calendar_token}"

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


@strawberry.type(name="AppointmentType")
class AppointmentTypeNode(relay.Node):
    pk: relay.NodeID[int]
    name: str
    duration_minutes: int
    color: str
    bookable_online: bool
    room_type: str | None

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


@strawberry.type
class Placed:
    """Provider, location and room of a slot or an appointment, through loaders."""

    provider_id: strawberry.Private[int]
    location_id: strawberry.Private[int]
    room_id: strawberry.Private[int | None]

    @strawberry.field
    async def provider(self, info: Info[Context, Any]) -> ProviderNode:
        row = await by_id(info, models.Provider).load(self.provider_id)
        assert row is not None
        return ProviderNode.from_model(row)

    @strawberry.field
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        row = await by_id(info, models.Location).load(self.location_id)
        assert row is not None
        return LocationNode.from_model(row)

    @strawberry.field
    async def room(self, info: Info[Context, Any]) -> RoomNode | None:
        if self.room_id is None:
            return None
        row = await by_id(info, models.Room).load(self.room_id)
        return RoomNode.from_model(row) if row else None


@strawberry.type(name="Appointment", description="FHIR Appointment.")
class AppointmentNode(Placed, relay.Node):
    pk: relay.NodeID[int]
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus  # type: ignore[valid-type]
    reason: str | None = strawberry.field(
        extensions=guard(
            Can("appointment_detail", "read", "Appointment.reason", patient=its_patient)
        ),
        description="Why the patient comes: clinical, so not for billing roles.",
    )
    notes: str | None = strawberry.field(
        extensions=guard(
            Can("appointment_detail", "read", "Appointment.notes", patient=its_patient)
        ),
    )
    cancellation_reason: str | None
    series_id: relay.GlobalID | None
    patient_id: strawberry.Private[int]
    appointment_type_id: strawberry.Private[int]
    booked_by_id: strawberry.Private[int | None]

    @strawberry.field(extensions=can("patient", "read"))
    async def patient(
        self, info: Info[Context, Any]
    ) -> Annotated[PatientNode, strawberry.lazy("schema.patients.types")] | None:
        from schema.patients.types import PatientNode  # patients' types, not imported at load

        row = await patient_by_id(info).load(self.patient_id)
        return PatientNode.from_model(row) if row else None

    @strawberry.field
    async def booked_by(self, info: Info[Context, Any]) -> StaffMember | None:
        """Who booked it (null when it came from an import or the seed)."""
        if self.booked_by_id is None:
            return None
        user = await staff_name_by_user_id(info).load(self.booked_by_id)
        return StaffMember.from_model(user) if user else None

    @strawberry.field
    async def appointment_type(self, info: Info[Context, Any]) -> AppointmentTypeNode:
        row = await by_id(info, models.AppointmentType).load(self.appointment_type_id)
        assert row is not None
        return AppointmentTypeNode.from_model(row)

    @classmethod
    def from_model(cls, row: models.Appointment) -> AppointmentNode:
        return cls(
            pk=row.id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=row.status,
            reason=row.reason,
            notes=row.notes,
            cancellation_reason=row.cancellation_reason,
            series_id=(to_global("AppointmentSeries", row.series_id) if row.series_id else None),
            patient_id=row.patient_id,
            appointment_type_id=row.appointment_type_id,
            booked_by_id=row.booked_by_id,
            provider_id=row.provider_id,
            location_id=row.location_id,
            room_id=row.room_id,
        )

    resolve_nodes = node_resolver("appointment", appointments_by_id)  # type: ignore[assignment]


@strawberry.type
class Slot(Placed):
    starts_at: datetime
    ends_at: datetime


@strawberry.type
class ProviderDay:
    provider: ProviderNode
    appointments: list[AppointmentNode]


@strawberry.type
class DaySchedule:
    location: LocationNode
    date: date
    providers: list[ProviderDay]


ScheduleChangeKind = strawberry.enum(
    Change, name="ScheduleChangeKind", description="What happened to the appointment."
)


@strawberry.type
class ScheduleChange:
    change: ScheduleChangeKind  # type: ignore[valid-type]
    changed_fields: list[str]
    previous: strawberry.scalars.JSON = strawberry.field(
        description="The changed fields' values before the change."
    )
    appointment: AppointmentNode

    @classmethod
    def of(cls, event: AppointmentEvent, appointment: AppointmentNode) -> ScheduleChange:
        previous: dict[str, Any] = {}
        if isinstance(event, AppointmentRescheduled):
            previous = {
                "startsAt": event.previous_starts_at.isoformat(),
                "providerId": event.previous_provider_id,
                "locationId": event.previous_location_id,
            }
        elif isinstance(event, AppointmentStatusChanged):
            previous = {"status": event.previous_status.name}
        return cls(
            change=event.change,
            changed_fields=[to_camel_case(name) for name in event.changed_fields],
            previous=previous,  # type: ignore[arg-type]
            appointment=appointment,
        )
